import { readJsonObject } from '../graph/body';
import { badRequest, GraphError } from '../graph/errors';
import { nextLink } from '../graph/query';
import type { GraphResult } from '../graph/response';
import { requestBase, type RequestContext } from '../pipeline/context';
import {
  ConfigurationTooLarge,
  MAX_CONFIGURATION_DATA_LENGTH,
  NotStored,
  type AssignmentStore,
  type ConfigurationRow,
  type ConfigurationStore,
  type StoredAssignment,
} from '../store';
import { refusalFor } from './defaults';
import { patchConfiguration, representation } from './entity';
import { configurationOf, missingConfiguration, planCreate, planDelete, planSetPriority } from './plans';
import { parseConfigurationQuery, runQuery, type ConfigurationQuery } from './query';
import { collectionContext, configurationIdOf, entityContext, shaped } from './respond';
import { parseCreate, parseSetPriority, parseUpdate } from './schema';
import { configurationType } from './types';

/**
 * The configurations resource: plain handlers of the request context, each answering as Graph does.
 * A tenant's configurations are read in one query and queried in memory (a tenant has tens of them);
 * one configuration is a point read; every change that moves a priority order is one transaction
 * (src/store/configurations.ts). Each tenant's defaults are there from its first request: the store
 * stores them the first time it reads the tenant.
 */

/** An assignments page large enough that $expand reads a usual configuration's set in one query. */
const EXPAND_PAGE = 1000;

/** The store's answers that only this resource can word, in Graph's words. */
function worded(err: unknown, id?: string): unknown {
  if (err instanceof NotStored && id !== undefined) return missingConfiguration(id);
  if (err instanceof ConfigurationTooLarge) {
    return badRequest(
      `The configuration is too large to store: its properties take ${err.length} characters as JSON, more than ${MAX_CONFIGURATION_DATA_LENGTH}. Shorten its strings or collections.`,
    );
  }
  return err;
}

function ifMatchOf(ctx: RequestContext): string | undefined {
  return ctx.request.headers.get('if-match')?.trim() || undefined;
}

export type ConfigurationHandlers = ReturnType<typeof configurationHandlers>;

export function configurationHandlers(configurations: ConfigurationStore, assignments: AssignmentStore) {
  /** Every assignment of a configuration, page by page (one query for a set of up to a thousand). */
  async function assignmentsOf(tenantId: string, configurationId: string): Promise<StoredAssignment[]> {
    const scope = { tenantId, configurationId };
    const out: StoredAssignment[] = [];
    let continuation: string | undefined;
    do {
      const page = await assignments.list(scope, { top: EXPAND_PAGE, continuation, filter: {} });
      out.push(...page.items);
      continuation = page.continuation;
    } while (continuation !== undefined);
    return out;
  }

  /** The tenant's configurations the query selects, a page of them, shaped (and expanded) as the version shows them. */
  async function listed(ctx: RequestContext, castType: string | undefined): Promise<GraphResult> {
    const query = parseConfigurationQuery(ctx.url, ctx.version, { collection: true, castType });
    const rows = await configurations.all(ctx.tenantId);
    const etags = new Map(rows.map((r) => [r.id, r.etag]));
    const result = runQuery(rows.map(configurationOf), query, ctx.version);
    const expanded = query.expandAssignments ? await Promise.all(result.value.map((c) => assignmentsOf(ctx.tenantId, c.id))) : undefined;
    const body: Record<string, unknown> = {
      '@odata.context': collectionContext(ctx, castType, query.select, query.expandAssignments),
    };
    if (result.count !== undefined) body['@odata.count'] = result.count;
    if (result.nextSkipToken !== undefined) body['@odata.nextLink'] = nextLink(ctx.url, result.nextSkipToken);
    body.value = result.value.map((c, i) => shaped(ctx, c, etags.get(c.id)!, { select: query.select, assignments: expanded?.[i] }));
    return { status: 200, body };
  }

  /** `/$count`: how many configurations the collection (or the cast) holds that `$filter` keeps, as text. */
  async function counted(ctx: RequestContext, castType: string | undefined): Promise<GraphResult> {
    const options = [...ctx.url.searchParams.keys()].filter((k) => k.startsWith('$') && k.toLowerCase() !== '$filter');
    if (options.length > 0) throw badRequest(`The query parameter '${options[0]}' is not supported.`);
    const query: ConfigurationQuery = {
      ...parseConfigurationQuery(ctx.url, ctx.version, { collection: true, castType }),
      count: true,
      top: 1,
    };
    const rows = await configurations.all(ctx.tenantId);
    const { count } = runQuery(rows.map(configurationOf), query, ctx.version);
    return { status: 200, text: { contentType: 'text/plain; charset=utf-8', body: String(count) } };
  }

  const handlers = {
    list: (ctx: RequestContext) => listed(ctx, undefined),
    count: (ctx: RequestContext) => counted(ctx, undefined),
    /** A type-cast segment's list and count: the route names its type. */
    listCast: (castType: string) => (ctx: RequestContext) => listed(ctx, castType),
    countCast: (castType: string) => (ctx: RequestContext) => counted(ctx, castType),

    create: async (ctx: RequestContext): Promise<GraphResult> => {
      const parsed = parseCreate(ctx.version, await readJsonObject(ctx.request));
      const request = { tenantId: ctx.tenantId, version: ctx.version, parsed, clientRequestId: ctx.clientRequestId, now: new Date() };
      const { result, etags } = await configurations.changeWithETags(ctx.tenantId, (rows) => planCreate(request, rows));
      const { configuration } = result;
      const etag = result.etag ?? etags.get(configuration.id)!;
      return {
        status: 201,
        headers: { Location: `${requestBase(ctx)}/${encodeURIComponent(configuration.id)}`, ETag: etag },
        body: { '@odata.context': entityContext(ctx), ...shaped(ctx, configuration, etag) },
      };
    },

    get: async (ctx: RequestContext): Promise<GraphResult> => {
      const id = configurationIdOf(ctx);
      const query = parseConfigurationQuery(ctx.url, ctx.version, { collection: false });
      // The configuration and its assignments are read at once: one wait.
      const [row, expanded] = await Promise.all([
        configurations.get(ctx.tenantId, id),
        query.expandAssignments ? assignmentsOf(ctx.tenantId, id) : undefined,
      ]);
      if (!row || representation(configurationOf(row), ctx.version) === undefined) throw missingConfiguration(id);
      return {
        status: 200,
        headers: { ETag: row.etag },
        body: {
          '@odata.context': entityContext(ctx, query.select, query.expandAssignments),
          ...shaped(ctx, configurationOf(row), row.etag, { select: query.select, assignments: expanded }),
        },
      };
    },

    /** PATCH: the properties sent replace the stored ones; 200 with the configuration, as the reference pages answer. */
    update: async (ctx: RequestContext): Promise<GraphResult> => {
      const id = configurationIdOf(ctx);
      const body = await readJsonObject(ctx.request);
      const now = new Date();
      const updated: ConfigurationRow = await configurations.update(
        ctx.tenantId,
        id,
        (row) => {
          const stored = configurationOf(row);
          // A type the version does not have is not there for it (a v1.0 GET answers 404 too).
          if (!configurationType(ctx.version, stored['@odata.type'])) throw missingConfiguration(id);
          return patchConfiguration(stored, parseUpdate(ctx.version, stored['@odata.type'], body), now);
        },
        ifMatchOf(ctx),
      );
      return {
        status: 200,
        headers: { ETag: updated.etag },
        body: { '@odata.context': entityContext(ctx), ...shaped(ctx, configurationOf(updated), updated.etag) },
      };
    },

    /**
     * DELETE: the configuration's assignments first, then the configuration, closing up its order; both
     * before the answer. In that order a retry after a failure finishes the job: the configuration is
     * still there to delete, and no assignment outlives it.
     */
    delete: async (ctx: RequestContext): Promise<GraphResult> => {
      const id = configurationIdOf(ctx);
      const refused = refusalFor(ctx.tenantId, id, 'delete');
      if (refused) throw refused;
      const row = await configurations.get(ctx.tenantId, id);
      if (!row || representation(configurationOf(row), ctx.version) === undefined) throw missingConfiguration(id);
      await assignments.purge({ tenantId: ctx.tenantId, configurationId: id });
      await configurations.change(ctx.tenantId, (rows) => planDelete(ctx.tenantId, rows, id));
      return { status: 204 };
    },

    setPriority: async (ctx: RequestContext): Promise<GraphResult> => {
      const id = configurationIdOf(ctx);
      const priority = parseSetPriority(ctx.version, await readJsonObject(ctx.request));
      const refused = refusalFor(ctx.tenantId, id, 'setPriority');
      if (refused) throw refused;
      const now = new Date();
      await configurations.change(ctx.tenantId, (rows) =>
        planSetPriority({ tenantId: ctx.tenantId, id, version: ctx.version }, rows, priority, now),
      );
      return { status: 204 };
    },
  };

  /** Each handler with the store's errors in Graph's words (a missing configuration named by its id). */
  const wrap =
    (handler: (ctx: RequestContext) => Promise<GraphResult>) =>
    async (ctx: RequestContext): Promise<GraphResult> => {
      try {
        return await handler(ctx);
      } catch (err) {
        if (err instanceof GraphError) throw err;
        throw worded(err, ctx.params.deviceEnrollmentConfigurationId);
      }
    };
  return {
    list: wrap(handlers.list),
    count: wrap(handlers.count),
    listCast: (castType: string) => wrap(handlers.listCast(castType)),
    countCast: (castType: string) => wrap(handlers.countCast(castType)),
    create: wrap(handlers.create),
    get: wrap(handlers.get),
    update: wrap(handlers.update),
    delete: wrap(handlers.delete),
    setPriority: wrap(handlers.setPriority),
  };
}
