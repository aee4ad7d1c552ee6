import { createHash, timingSafeEqual } from 'node:crypto';
import type { HttpRequest } from '@azure/functions';
import type { TableClient } from '@azure/data-tables';
import { type AppConfig } from '../config';
import { getStore } from '../assignments/store';
import { readJsonObject } from '../graph/body';
import { badRequest, unauthorized } from '../graph/errors';
import { graphHandler, type GraphRequest, type GraphResult } from '../graph/handler';
import { createTableClient, StorageTable } from '../storage/tables';
import { getJournal, type JournalQuery } from './journal';
import { seed } from './seed';

/**
 * The /__admin endpoints (docs/admin.md): the request journal, reset and seed. Served only with
 * MOCK_ADMIN=on (src/routing.ts leaves their rows out otherwise, so they answer like any unknown path);
 * with MOCK_ADMIN_KEY set, each needs `Authorization: Bearer <key>`.
 */

export const ADMIN_PREFIX = '__admin/';
export const isAdminRoute = (route: string): boolean => route.toLowerCase().startsWith(ADMIN_PREFIX);

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** Constant-time: both sides are hashed to 32 bytes first, so neither length nor content leaks through timing. */
export function adminKeyMatches(authorization: string | null, key: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(authorization?.trim() ?? '');
  return timingSafeEqual(digest(m?.[1]?.trim() ?? ''), digest(key)) && m !== null;
}

function checkKey(g: GraphRequest): void {
  const key = g.config.admin.key;
  if (key === undefined) return;
  if (!adminKeyMatches(g.request.headers.get('authorization'), key)) {
    throw unauthorized('The admin endpoints need Authorization: Bearer <MOCK_ADMIN_KEY>.');
  }
}

function admin(logic: (g: GraphRequest) => Promise<GraphResult>) {
  return graphHandler(async (g) => {
    checkKey(g);
    return logic(g);
  });
}

export const MAX_JOURNAL_TOP = 1000;

function journalQuery(request: HttpRequest): JournalQuery {
  const p = new URL(request.url).searchParams;
  const q: JournalQuery = { top: 100 };
  const known = new Set(['clientRequestId', 'method', 'path', 'since', '$top']);
  for (const name of p.keys())
    if (!known.has(name)) throw badRequest(`The query parameter '${name}' is not supported; use ${[...known].join(', ')}.`);
  const text = (name: string) => {
    const v = p.get(name);
    if (v !== null && (v.length === 0 || v.length > 1024)) throw badRequest(`The query parameter '${name}' must be 1 to 1024 characters.`);
    return v ?? undefined;
  };
  q.clientRequestId = text('clientRequestId');
  q.method = text('method');
  q.path = text('path');
  const since = text('since');
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

export const listRequests = admin(async (g) => {
  const query = journalQuery(g.request);
  const j = getJournal(g.config);
  return { status: 200, body: { value: j ? await j.list(query) : [] } };
});

export const clearRequests = admin(async (g) => {
  await getJournal(g.config)?.clear();
  return { status: 204 };
});

/** Deletes every entity of a table (the mock control state: attempt counts and rate-limit windows). */
async function emptyTable(client: TableClient, timeoutMs: number): Promise<void> {
  const table = new StorageTable(client, timeoutMs);
  const keys = await table.run(async (abortSignal) => {
    const out: Array<[string, string]> = [];
    for await (const e of client.listEntities({ queryOptions: { select: ['PartitionKey', 'RowKey'] }, abortSignal }))
      out.push([e.partitionKey!, e.rowKey!]);
    return out;
  });
  for (const [partitionKey, rowKey] of keys) {
    await table.run((abortSignal) => client.deleteEntity(partitionKey, rowKey, { abortSignal })).catch(() => undefined);
  }
}

let stateClient: TableClient | undefined;

export async function resetAll(config: AppConfig): Promise<void> {
  await getStore(config).purge();
  await getJournal(config)?.clear();
  stateClient ??= createTableClient(config, config.stateTableName);
  await emptyTable(stateClient, config.storageTimeoutMs);
}

export const reset = admin(async (g) => {
  const p = new URL(g.request.url).searchParams;
  for (const name of p.keys())
    if (name !== 'configurationId') throw badRequest(`The query parameter '${name}' is not supported; use configurationId.`);
  const configurationId = p.get('configurationId');
  if (configurationId !== null) {
    if (configurationId.length === 0 || configurationId.length > 1024)
      throw badRequest("The query parameter 'configurationId' must be 1 to 1024 characters.");
    await getStore(g.config).purge({ configurationId });
  } else {
    await resetAll(g.config);
  }
  return { status: 204 };
});

export const seedAssignments = admin(async (g) => {
  const stored = await seed(g.config, await readJsonObject(g.request), 'request');
  return { status: 200, body: { assignments: stored } };
});
