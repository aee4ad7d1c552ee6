import { createHash, timingSafeEqual } from 'node:crypto';
import { GUID } from '../auth/settings';
import { readJsonObject } from '../graph/body';
import { badRequest, forbidden, unauthorized } from '../graph/errors';
import type { OperationDoc } from '../graph/openapi';
import type { GraphResult } from '../graph/response';
import type { RequestContext, Route } from '../pipeline/context';
import { isReservedKey, type AssignmentStore } from '../store';
import type { MockState } from '../controls/state';
import type { ConfigurationStore } from '../store/configurations';
import type { Journal, JournalQuery } from './journal';
import { assetDoc, clearRequestsDoc, listRequestsDoc, pageDoc, resetDoc, seedDoc, stateDoc, tenantsDoc } from './openapi';
import { pageRoutes } from './page';
import { seed } from './seed';
import { stateOf, tenantsOf } from './state';

/**
 * The /__admin endpoints (docs/admin.md): the request journal, the stored state, reset and seed, and
 * the page that shows them. Mounted only with MOCK_ADMIN=on (src/admin/index.ts), so off they answer
 * like any unknown path; with MOCK_ADMIN_KEY set, each needs `Authorization: Bearer <key>`, except the
 * page and its assets, which hold no data (src/admin/page.ts says why).
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

/** A date-time parameter, or a 400 naming it. */
function dateTime(p: URLSearchParams, name: string): Date | undefined {
  const v = text(p, name);
  if (v === undefined) return undefined;
  const d = new Date(v);
  if (!/^\d{4}-\d\d-\d\dT/.test(v) || Number.isNaN(d.getTime()))
    throw badRequest(`The query parameter '${name}' must be an ISO 8601 date-time; got '${v.slice(0, 100)}'.`);
  return d;
}

/** `503` is that status; `5xx` is every status from 500 to 599. */
function statusParameter(p: URLSearchParams): JournalQuery['status'] {
  const v = text(p, 'status');
  if (v === undefined) return undefined;
  const exact = /^([1-5]\d\d)$/.exec(v);
  if (exact) return { from: Number(exact[1]), to: Number(exact[1]) };
  const range = /^([1-5])xx$/i.exec(v);
  if (range) return { from: Number(range[1]) * 100, to: Number(range[1]) * 100 + 99 };
  throw badRequest(`The query parameter 'status' must be a status code such as 503, or a class such as 5xx; got '${v.slice(0, 100)}'.`);
}

function journalQuery(url: string): JournalQuery {
  const p = new URL(url).searchParams;
  only(p, ['tenantId', 'clientRequestId', 'method', 'path', 'status', 'since', 'answeredSince', '$top']);
  const q: JournalQuery = {
    top: 100,
    tenantId: tenantParameter(p),
    clientRequestId: text(p, 'clientRequestId'),
    method: text(p, 'method'),
    path: text(p, 'path'),
    status: statusParameter(p),
    since: dateTime(p, 'since'),
    answeredSince: dateTime(p, 'answeredSince'),
  };
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
  /** Read by the page, emptied by a reset. */
  configurations: ConfigurationStore;
  /** Undefined when MOCK_JOURNAL=off: the journal endpoints then answer an empty journal. */
  journal: Journal | undefined;
  state: MockState;
  defaultTenantId: string;
  /** MOCK_ADMIN_KEY. */
  key: string | undefined;
}

/**
 * A write sent by a page of another site. Without MOCK_ADMIN_KEY a reset or a seed is a simple request
 * (no preflight), so any page a developer opens could send one to a local mock: browsers say where a
 * request comes from (Origin, Sec-Fetch-Site), scripts and the admin's own page do not come from elsewhere.
 */
function isCrossSiteWrite(ctx: RequestContext): boolean {
  const method = ctx.request.method.toUpperCase();
  if (method === 'GET' || method === 'HEAD') return false;
  if (ctx.request.headers.get('sec-fetch-site')?.toLowerCase() === 'cross-site') return true;
  const origin = ctx.request.headers.get('origin');
  if (origin === null) return false;
  try {
    return new URL(origin).host !== new URL(ctx.request.url).host;
  } catch {
    return true; // "null" (a sandboxed page, a file) and anything unreadable is not the admin's page
  }
}

export function adminRoutes(parts: AdminParts): Route[] {
  const { store, configurations, journal, state, defaultTenantId } = parts;
  const stateParts = { store, configurations, journal, defaultTenantId };

  /** Every admin route checks the admin key itself: these are not Graph's tokens. */
  const admin =
    (logic: (ctx: RequestContext) => Promise<GraphResult>) =>
    async (ctx: RequestContext): Promise<GraphResult> => {
      if (parts.key !== undefined && !adminKeyMatches(ctx.request.headers.get('authorization'), parts.key)) {
        throw unauthorized('The admin endpoints need Authorization: Bearer <MOCK_ADMIN_KEY>.');
      }
      if (isCrossSiteWrite(ctx)) {
        throw forbidden(
          'The admin endpoints take writes only from their own page or from clients that send no Origin: a page on another site may not reset or seed the mock.',
        );
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
    // A configuration's reset leaves the configuration, the journal and the mock state alone; a tenant's or a full one clears them too.
    if (configurationId === undefined) {
      await configurations.purge(tenantId);
      await journal?.clear(tenantId);
      await state.clear(tenantId);
    }
    return { status: 204 };
  });

  const seedAssignments = admin(async (ctx) => {
    const stored = await seed(store, defaultTenantId, await readJsonObject(ctx.request), 'request');
    return { status: 200, body: { assignments: stored } };
  });

  const listTenants = admin(async (ctx) => {
    only(new URL(ctx.request.url).searchParams, []);
    return { status: 200, body: { defaultTenantId, value: await tenantsOf(stateParts) } };
  });

  const tenantState = admin(async (ctx) => {
    const p = new URL(ctx.request.url).searchParams;
    only(p, ['tenantId']);
    return { status: 200, body: await stateOf(stateParts, tenantParameter(p) ?? defaultTenantId) };
  });

  const page = pageRoutes();

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
    row('adminTenants', '__admin/tenants', 'GET', listTenants, tenantsDoc),
    row('adminState', '__admin/state', 'GET', tenantState, stateDoc),
    row('adminPage', '__admin', 'GET', page.page, pageDoc),
    row('adminPageAsset', '__admin/assets/{file}', 'GET', page.asset, assetDoc),
  ];
}
