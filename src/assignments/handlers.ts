import { createHash } from 'node:crypto';
// A namespace import lets esbuild tree-shake zod; `import { z }` keeps all of it (every locale) in the bundle.
import * as z from 'zod';
import { readJsonObject } from '../graph/body';
import { badRequest, GraphError, notFound } from '../graph/errors';
import type { GraphVersion } from '../graph/model';
import { applySelect, nextLink, parseQuery, type QueryRules } from '../graph/query';
import type { GraphResult } from '../graph/response';
import { requestBase, type RequestContext } from '../pipeline/context';
import {
  isReservedKey,
  NotStored,
  type AssignmentFilter,
  type AssignmentInput,
  type AssignmentStore,
  type NewAssignment,
  type Scope,
  type StoredAssignment,
} from '../store';
import { assignmentErrors, invalidContinuation, missingAssignment } from './errors';
import { beside, OPEN_GATE, writable, type ConfigurationGate } from './gate';
import { assignmentProperties } from './model';
import { isWellFormedText, keyLiteral, keySegment, MAX_KEY_LENGTH } from './paths';
import {
  ASSIGNMENT_TYPE,
  MAX_STRING_LENGTH,
  normaliseTarget,
  parseWith,
  schemasFor,
  targetView,
  type AssignmentTarget,
  type CreateAssignmentInput,
  type UpdateAssignmentInput,
} from './schema';

/**
 * The assignments resource: plain handlers, each a function of the request context that returns a
 * Graph result. The same handlers serve both paths Graph has for the collection (through an
 * invitation's invitedUser, and Intune's deviceManagement) and both versions (beta and v1.0, each with
 * its own schema from model.ts); all address the configuration of the request's tenant.
 */

interface CollectionAddress {
  /** The tenant's configuration: where the store keeps its assignments. */
  scope: Scope;
  invitationId: string | null;
  /** The collection's path in an @odata.context URL, as Graph writes it for the path the client used. */
  contextPath: string;
}

const noSuchConfiguration = (id: string) => notFound(`No deviceEnrollmentConfiguration with id '${id}' exists.`);

function collectionAddress(ctx: RequestContext, store: AssignmentStore): CollectionAddress {
  const params = ctx.params;
  const configurationId = keySegment(params, 'deviceEnrollmentConfigurationId');
  // `~` starts another tenant's partitions (src/store/keys.ts): no configuration has such an id.
  if (isReservedKey(configurationId)) throw noSuchConfiguration(configurationId);
  const scope = { tenantId: ctx.tenantId, configurationId };
  // Another tenant's partition key holds the tenant too, so its configuration ids have less room.
  const room = MAX_KEY_LENGTH - (store.tenancy.partitionOf(scope).length - configurationId.length);
  if (configurationId.length > room) {
    throw badRequest(`The segment 'deviceEnrollmentConfigurationId' of the request path is longer than ${room} characters.`);
  }
  if (params.invitationsId !== undefined) {
    const invitationId = keySegment(params, 'invitationsId');
    return {
      scope,
      invitationId,
      contextPath: `invitations${keyLiteral(invitationId)}/invitedUser/deviceEnrollmentConfigurations${keyLiteral(configurationId)}/assignments`,
    };
  }
  return {
    scope,
    invitationId: null,
    contextPath: `deviceManagement/deviceEnrollmentConfigurations${keyLiteral(configurationId)}/assignments`,
  };
}

/** $select and $filter reach the properties the version's assignment type has. */
function queryRules(version: GraphVersion, collection: boolean): QueryRules {
  const names = assignmentProperties(schemasFor(version).model).map((p) => p.name);
  return {
    selectable: names,
    filterable: [...names.filter((n) => n !== 'target'), 'target/groupId'],
    collection,
  };
}

/** An assignment as a version shows it: only that version's properties (v1.0 has target only). */
export function representation(a: StoredAssignment, version: GraphVersion = 'beta'): Record<string, unknown> {
  const model = schemasFor(version).model;
  const out: Record<string, unknown> = { '@odata.type': `#${ASSIGNMENT_TYPE}`, '@odata.etag': a.etag, id: a.id };
  for (const { name } of assignmentProperties(model)) {
    out[name] = name === 'target' ? targetView(model, a.target as AssignmentTarget | null) : a[name as 'source' | 'sourceId'];
  }
  return out;
}

function parseBody<K extends 'create' | 'update' | 'assign'>(ctx: RequestContext, which: K, body: unknown) {
  const schemas = schemasFor(ctx.version);
  return parseWith(schemas[which], body, which === 'assign' ? 'assign' : undefined, schemas.targetTypeNames);
}

/** An assignment as the request asks for it; the store gives it its id (from the client-request-id, for a create that has one). */
function newAssignment(configurationId: string, invitationId: string | null, input: CreateAssignmentInput): AssignmentInput {
  return {
    configurationId,
    invitationId,
    target: normaliseTarget(input.target),
    source: input.source ?? 'direct',
    sourceId: input.sourceId ?? null,
    createdDateTime: new Date().toISOString(),
  };
}

/** What makes two creates the same request: where they create and what (not the id or time the server adds). */
function fingerprintOf(a: AssignmentInput): string {
  const content = JSON.stringify([a.invitationId, a.target, a.source, a.sourceId]);
  return createHash('sha256').update(content, 'utf8').digest('base64');
}

// ---- $skiptoken: the table's opaque continuation token, wrapped and checked ----

/**
 * The SDK's token is base64 of JSON with the next partition and row keys, in the service's own encoding.
 * The keys go into the storage URL, so they must be encodable: a "\ud800" escape used to reach the SDK's
 * encodeURIComponent and come back as a 503.
 */
const continuationKey = z.string().min(1).max(2048).refine(isWellFormedText);
const continuationSchema = z.strictObject({
  nextPartitionKey: continuationKey,
  nextRowKey: continuationKey.optional(),
});

function encodeSkipToken(continuation: string): string {
  return Buffer.from(continuation, 'base64').toString('base64url');
}

function decodeSkipToken(token: string): string {
  if (!/^[A-Za-z0-9_-]{1,8192}$/.test(token)) throw invalidContinuation();
  const continuation = Buffer.from(token, 'base64url');
  let decoded: unknown;
  try {
    decoded = JSON.parse(continuation.toString('latin1'));
  } catch {
    throw invalidContinuation();
  }
  if (!continuationSchema.safeParse(decoded).success) throw invalidContinuation();
  return continuation.toString('base64');
}

function ifMatchOf(ctx: RequestContext): string | undefined {
  return ctx.request.headers.get('if-match')?.trim() || undefined;
}

const missing = missingAssignment;

function itemAddress(ctx: RequestContext, store: AssignmentStore): CollectionAddress & { id: string } {
  return { ...collectionAddress(ctx, store), id: keySegment(ctx.params, 'enrollmentConfigurationAssignmentId') };
}

function entityResponse(ctx: RequestContext, address: CollectionAddress, a: StoredAssignment, select?: string[]): GraphResult {
  const selectSuffix = select ? `(${select.join(',')})` : '';
  return {
    status: 200,
    headers: { ETag: a.etag },
    body: {
      '@odata.context': `${ctx.serviceRoot}/$metadata#${address.contextPath}${selectSuffix}/$entity`,
      ...applySelect(representation(a, ctx.version), select),
    },
  };
}

function filterOf(filter: Record<string, string>): AssignmentFilter {
  return { source: filter.source, sourceId: filter.sourceId, groupId: filter['target/groupId'] };
}

/**
 * MOCK_PROFILE=intune: the live service was seen to refuse POST on the collection
 * (msgraph-beta-sdk-dotnet#130) and DELETE on an item (Microsoft365DSC#3892) with OData's routing
 * error, in Graph's envelope; the assign action is the only write that works. docs/profiles.md.
 */
function refuseUnderIntuneProfile(ctx: RequestContext, verb: 'POST' | 'DELETE', configurationId: string, id?: string): void {
  if (ctx.settings.profile !== 'intune') return;
  const template = id === undefined ? '~/singleton/navigation/key/navigation' : '~/singleton/navigation/key/navigation/key';
  const request = `/StatelessOnboardingService/deviceManagement/deviceEnrollmentConfigurations('${configurationId}')/assignments${id === undefined ? '' : `('${id}')`}`;
  throw new GraphError(
    400,
    'No method match route template',
    `No OData route exists that match template ${template} with http verb ${verb} for request ${request}.`,
  );
}

export type AssignmentHandlers = ReturnType<typeof assignmentHandlers>;

/** A handler whose store errors that only this resource can word are in Graph's words. */
const worded =
  (handler: (ctx: RequestContext) => Promise<GraphResult>) =>
  async (ctx: RequestContext): Promise<GraphResult> => {
    try {
      return await handler(ctx);
    } catch (err) {
      throw assignmentErrors(err);
    }
  };

/** The handlers, over the app's store; `gate` ties each collection to its configuration. */
export function assignmentHandlers(store: AssignmentStore, gate: ConfigurationGate = OPEN_GATE) {
  const handlers = {
    create: async (ctx: RequestContext): Promise<GraphResult> => {
      const address = collectionAddress(ctx, store);
      refuseUnderIntuneProfile(ctx, 'POST', address.scope.configurationId);
      const input = parseBody(ctx, 'create', await readJsonObject(ctx.request)) as CreateAssignmentInput;
      await writable(gate, address.scope);
      const assignment = newAssignment(address.scope.configurationId, address.invitationId, input);
      // SDKs keep client-request-id across retries: with one, a retry answers what the first attempt stored.
      const idempotency = ctx.clientRequestId
        ? { clientRequestId: ctx.clientRequestId, fingerprint: fingerprintOf(assignment) }
        : undefined;
      const stored = await store.create(address.scope, assignment, idempotency);
      return {
        status: 201,
        headers: { Location: `${requestBase(ctx)}/${encodeURIComponent(stored.id)}`, ETag: stored.etag },
        body: { '@odata.context': `${ctx.serviceRoot}/$metadata#${address.contextPath}/$entity`, ...representation(stored, ctx.version) },
      };
    },

    list: async (ctx: RequestContext): Promise<GraphResult> => {
      const address = collectionAddress(ctx, store);
      const query = parseQuery(ctx.url, queryRules(ctx.version, true), ASSIGNMENT_TYPE);
      // No stored value is longer, and an overlong one would only make the storage query's URL too long.
      for (const [property, value] of Object.entries(query.filter)) {
        if (value.length > MAX_STRING_LENGTH) {
          throw badRequest(
            `The value compared with '${property}' in $filter is longer than the maximum of ${MAX_STRING_LENGTH} characters.`,
          );
        }
      }
      const filter = filterOf(query.filter);
      const continuation = query.skipToken === undefined ? undefined : decodeSkipToken(query.skipToken);
      const page = await beside(
        gate.check(ctx.tenantId, address.scope.configurationId),
        store.list(address.scope, { top: query.top, continuation, filter, count: query.count }),
      );
      const count = page.count;
      const selectSuffix = query.select ? `(${query.select.join(',')})` : '';
      const body: Record<string, unknown> = { '@odata.context': `${ctx.serviceRoot}/$metadata#${address.contextPath}${selectSuffix}` };
      if (count !== undefined) body['@odata.count'] = count;
      if (page.continuation !== undefined) body['@odata.nextLink'] = nextLink(ctx.url, encodeSkipToken(page.continuation));
      body.value = page.items.map((a) => applySelect(representation(a, ctx.version), query.select));
      return { status: 200, body };
    },

    /**
     * GET .../assignments/$count: the number as text/plain. No ConsistencyLevel needed: Graph requires
     * `eventual` only for directory (Entra ID) objects (learn.microsoft.com/graph/aad-advanced-queries);
     * Intune resources are not directory objects.
     */
    count: async (ctx: RequestContext): Promise<GraphResult> => {
      const address = collectionAddress(ctx, store);
      const query = parseQuery(ctx.url, queryRules(ctx.version, true), ASSIGNMENT_TYPE);
      const count = await beside(
        gate.check(ctx.tenantId, address.scope.configurationId),
        store.count(address.scope, filterOf(query.filter)),
      );
      return { status: 200, text: { contentType: 'text/plain; charset=utf-8', body: String(count) } };
    },

    get: async (ctx: RequestContext): Promise<GraphResult> => {
      const address = itemAddress(ctx, store);
      const { select } = parseQuery(ctx.url, queryRules(ctx.version, false), ASSIGNMENT_TYPE);
      const found = await beside(gate.check(ctx.tenantId, address.scope.configurationId), store.get(address.scope, address.id));
      if (!found) throw missing(address.id);
      return entityResponse(ctx, address, found, select);
    },

    update: async (ctx: RequestContext): Promise<GraphResult> => {
      const address = itemAddress(ctx, store);
      const input = parseBody(ctx, 'update', await readJsonObject(ctx.request)) as UpdateAssignmentInput;
      if (input.id !== undefined && input.id !== address.id) {
        throw badRequest("The property 'id' cannot be changed: it must be left out or equal the id in the request path.");
      }
      await writable(gate, address.scope);
      const updated = await store
        .update(
          address.scope,
          address.id,
          (current) => ({
            ...current,
            target: input.target === undefined ? current.target : normaliseTarget(input.target),
            source: input.source ?? current.source,
            sourceId: input.sourceId === undefined ? current.sourceId : input.sourceId,
          }),
          ifMatchOf(ctx),
        )
        .catch((err: unknown) => {
          throw err instanceof NotStored ? missing(address.id) : err;
        });
      return entityResponse(ctx, address, updated);
    },

    delete: async (ctx: RequestContext): Promise<GraphResult> => {
      const address = itemAddress(ctx, store);
      refuseUnderIntuneProfile(ctx, 'DELETE', address.scope.configurationId, address.id);
      await writable(gate, address.scope);
      // Storage checks If-Match atomically: a mismatch comes back as 412, a missing entity as 404.
      const deleted = await store.delete(address.scope, address.id, ifMatchOf(ctx));
      if (!deleted) throw missing(address.id);
      return { status: 204 };
    },

    /** The assign action: replaces the configuration's whole set. */
    assign: async (ctx: RequestContext): Promise<GraphResult> => {
      const address = collectionAddress(ctx, store);
      // Every item is validated before anything is written.
      const input = parseBody(ctx, 'assign', await readJsonObject(ctx.request)) as {
        enrollmentConfigurationAssignments: CreateAssignmentInput[];
      };
      await writable(gate, address.scope);
      const replacements = input.enrollmentConfigurationAssignments.map((item) =>
        newAssignment(address.scope.configurationId, address.invitationId, item),
      );
      // The set is the configuration's: replacing it changes the configuration (single assignment writes do not).
      await gate.assign(ctx.tenantId, address.scope.configurationId, () => store.replaceAll(address.scope, replacements));
      return { status: 204 };
    },
  };
  return {
    create: worded(handlers.create),
    list: worded(handlers.list),
    count: worded(handlers.count),
    get: worded(handlers.get),
    update: worded(handlers.update),
    delete: worded(handlers.delete),
    assign: worded(handlers.assign),
  };
}

/**
 * One seed item (POST /__admin/seed, MOCK_SEED_FILE), validated exactly as a create is, with its own
 * configurationId and, if given, its id; without one the id is `defaultId`.
 */
export function seedItem(item: unknown, defaultId: string): NewAssignment {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) throw badRequest('Each seed assignment must be a JSON object.');
  const { configurationId, ...rest } = item as Record<string, unknown>;
  if (
    typeof configurationId !== 'string' ||
    configurationId.length === 0 ||
    configurationId.length > MAX_STRING_LENGTH ||
    configurationId.startsWith('~')
  ) {
    throw badRequest("Each seed assignment needs a 'configurationId': a string of 1 to 1024 characters not starting with '~'.");
  }
  const input = parseWith(schemasFor('beta').create, rest, 'create', schemasFor('beta').targetTypeNames) as CreateAssignmentInput & {
    id?: string | null;
  };
  const id = input.id ?? defaultId;
  if (id.length === 0 || id.startsWith('~')) throw badRequest("A seed assignment's 'id' must be non-empty and not start with '~'.");
  return { ...newAssignment(configurationId, null, input), id };
}
