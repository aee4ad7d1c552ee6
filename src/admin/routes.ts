import { createHash, timingSafeEqual } from 'node:crypto';
import { GUID } from '../auth/settings';
import { readJsonObject } from '../graph/body';
import { badRequest, unauthorized } from '../graph/errors';
import type { OperationDoc } from '../graph/openapi';
import type { GraphResult } from '../graph/response';
import type { RequestContext, Route } from '../pipeline/context';
import { isReservedKey, type AssignmentStore } from '../store';
import type { MockState } from '../controls/state';
import type { Journal, JournalQuery } from './journal';
import { clearRequestsDoc, listRequestsDoc, resetDoc, seedDoc } from './openapi';
import { seed } from './seed';

/**
 * The /__admin endpoints (docs/admin.md): the request journal, reset and seed. Mounted only with
 * MOCK_ADMIN=on (src/admin/index.ts), so off they answer like any unknown path; with MOCK_ADMIN_KEY
 * set, each needs `Authorization: Bearer <key>`.
 */

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** Constant-time: both sides are hashed to 32 bytes first, so neither length nor content leaks through timing. */
export function adminKeyMatches(authorization: string | null, key: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(authorization?.trim() ?? '');
  return timingSafeEqual(digest(m?.[1]?.trim() ?? ''), digest(key)) && m !== null;
}

export const MAX_JOURNAL_TOP = 1000;

/** A query parameter of 1 to 1024 characters, or a 400 naming it. */
function text(p: URLSearchParams, name: string): string | undefined {
  const v = p.get(name);
  if (v !== null && (v.length === 0 || v.length > 1024)) throw badRequest(`The query parameter '${name}' must be 1 to 1024 characters.`);
  return v ?? undefined;
}

function only(p: URLSearchParams, known: readonly string[]): void {
  for (const name of p.keys()) {
    if (!known.includes(name)) throw badRequest(`The query parameter '${name}' is not supported; use ${known.join(', ')}.`);
  }
}

function tenantParameter(p: URLSearchParams): string | undefined {
  const tenantId = text(p, 'tenantId');
  if (tenantId !== undefined && !GUID.test(tenantId)) throw badRequest("The query parameter 'tenantId' must be a tenant id (a GUID).");
  return tenantId?.toLowerCase();
}

function journalQuery(url: string): JournalQuery {
  const p = new URL(url).searchParams;
  only(p, ['tenantId', 'clientRequestId', 'method', 'path', 'since', '$top']);
  const q: JournalQuery = {
    top: 100,
    tenantId: tenantParameter(p),
    clientRequestId: text(p, 'clientRequestId'),
    method: text(p, 'method'),
    path: text(p, 'path'),
  };
  const since = text(p, 'since');
  if (since !== undefined) {
    const d = new Date(since);
    if (!/^\d{4}-\d\d-\d\dT/.test(since) || Number.isNaN(d.getTime()))
      throw badRequest(`The query parameter 'since' must be an ISO 8601 date-time; got '${since.slice(0, 100)}'.`);
    q.since = d;
  }
  const top = p.get('$top');
  if (top !== null) {
    const n = /^\d{1,9}$/.test(top) ? Number(top) : NaN;
    if (!(n >= 1 && n <= MAX_JOURNAL_TOP))
      throw badRequest(`The query parameter '$top' must be a whole number from 1 to ${MAX_JOURNAL_TOP}.`);
    q.top = n;
  }
  return q;
}

/** What the admin's routes act on. */
export interface AdminParts {
  store: AssignmentStore;
  /** Undefined when MOCK_JOURNAL=off: the journal endpoints then answer an empty journal. */
  journal: Journal | undefined;
  state: MockState;
  defaultTenantId: string;
  /** MOCK_ADMIN_KEY. */
  key: string | undefined;
}

export function adminRoutes(parts: AdminParts): Route[] {
  const { store, journal, state, defaultTenantId } = parts;

  /** Every admin route checks the admin key itself: these are not Graph's tokens. */
  const admin =
    (logic: (ctx: RequestContext) => Promise<GraphResult>) =>
    async (ctx: RequestContext): Promise<GraphResult> => {
      if (parts.key !== undefined && !adminKeyMatches(ctx.request.headers.get('authorization'), parts.key)) {
        throw unauthorized('The admin endpoints need Authorization: Bearer <MOCK_ADMIN_KEY>.');
      }
      return logic(ctx);
    };

  const listRequests = admin(async (ctx) => {
    const query = journalQuery(ctx.request.url);
    return { status: 200, body: { value: journal ? await journal.list(query) : [] } };
  });

  const clearRequests = admin(async () => {
    await journal?.clear();
    return { status: 204 };
  });

  const reset = admin(async (ctx) => {
    const p = new URL(ctx.request.url).searchParams;
    only(p, ['tenantId', 'configurationId']);
    const tenantId = tenantParameter(p);
    const configurationId = text(p, 'configurationId');
    if (configurationId !== undefined && isReservedKey(configurationId)) {
      throw badRequest("The query parameter 'configurationId' must not start with '~'.");
    }
    await store.purge({ tenantId, configurationId });
    // A configuration's reset leaves the journal and the mock state alone; a tenant's or a full one clears them too.
    if (configurationId === undefined) {
      await journal?.clear(tenantId);
      await state.clear(tenantId);
    }
    return { status: 204 };
  });

  const seedAssignments = admin(async (ctx) => {
    const stored = await seed(store, defaultTenantId, await readJsonObject(ctx.request), 'request');
    return { status: 200, body: { assignments: stored } };
  });

  const row = (
    name: string,
    route: string,
    method: 'GET' | 'POST' | 'DELETE',
    handler: Route['handler'],
    openapi: OperationDoc,
  ): Route => ({
    name,
    route,
    methods: [method],
    journaled: false,
    handler,
    openapi,
  });
  return [
    row('adminListRequests', '__admin/requests', 'GET', listRequests, listRequestsDoc),
    row('adminClearRequests', '__admin/requests', 'DELETE', clearRequests, clearRequestsDoc),
    row('adminReset', '__admin/reset', 'POST', reset, resetDoc),
    row('adminSeed', '__admin/seed', 'POST', seedAssignments, seedDoc),
  ];
}
