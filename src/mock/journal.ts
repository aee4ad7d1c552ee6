import { createHash, randomBytes } from 'node:crypto';
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { odata, type TableClient as Tables, type TransactionAction } from '@azure/data-tables';
import { getConfig, type AppConfig } from '../config';
import type { Principal } from '../graph/auth';
import { tooManyRequests } from '../graph/errors';
import { createTableClient, StorageTable } from '../storage/tables';

/**
 * The request journal (docs/admin.md): every request to the Graph routes, each $batch item included
 * (items come back through the dispatcher), is recorded in Table Storage (table `<ASSIGNMENTS_TABLE>Journal`), so
 * every instance of a scaled-out app writes to and reads from one journal.
 *
 * - partition `j`: one row per request, RowKey = inverted receive time + random suffix, so a plain
 *   query reads newest first; the entry is JSON in `entry`, with `method`, `path`, `clientRequestId`
 *   and `receivedMs` as columns for the filters.
 * - partition `c`: one row per client-request-id (RowKey = its sha256): how many requests carried it and
 *   until when the last answer's Retry-After asked the caller to wait, for `attempt` and
 *   `retryAfterViolation` (and MOCK_ENFORCE_RETRY_AFTER).
 *
 * Bounded by MOCK_JOURNAL_MAX_ENTRIES: reads never return more, and each instance prunes the oldest
 * entries beyond it every PRUNE_EVERY writes (so storage holds at most the bound plus a few per instance).
 *
 * An answer waits for its entry, so a test that asserts right after its last request finds it. While
 * the journal's storage is failing (for UNREACHABLE_HOLD_MS after a failed call) answers stop waiting:
 * the entry is still tried in the background, and the first that lands makes answers wait again. A
 * storage outage then costs the caller one storage deadline at most, not three per request.
 */

export const ENTRY_PARTITION = 'j';
export const CLIENT_PARTITION = 'c';
/** Bodies longer than this (in characters) are kept as their first MAX_BODY_CHARS characters. */
export const MAX_BODY_CHARS = 8192;
/** Header values longer than this are cut: an entity property holds at most 64 KiB. */
const MAX_HEADER_CHARS = 1024;
const INVERT_FROM = 9_999_999_999_999;
/** How long after a failed journal call answers stop waiting for the journal. */
const UNREACHABLE_HOLD_MS = 5_000;
/** Paths that are not Graph routes and are not journaled. */
const UNJOURNALED = /^\/(__admin(\/|$)|health$|openapi\.json$)/i;

export interface JournalEntry {
  receivedDateTime: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  /** True when the body was longer than MAX_BODY_CHARS and `body` holds its start, as text. */
  bodyTruncated?: boolean;
  response: { status: number; headers: Record<string, string> };
  durationMs: number;
  requestId: string | null;
  clientRequestId: string | null;
  principal: { kind: string; callerId: string } | null;
  attempt: number;
  retryAfterViolation: boolean;
}

type EntryEntity = {
  partitionKey: string;
  rowKey: string;
  entry: string;
  method: string;
  path: string;
  clientRequestId: string;
  receivedMs: number;
};
type ClientEntity = { partitionKey: string; rowKey: string; count: number; waitUntilMs: number; etag?: string };

/** The caller graphHandler authenticated, kept for the journal (which wraps it) by request object. */
const principals = new WeakMap<HttpRequest, Principal>();
export function notePrincipal(request: HttpRequest, principal: Principal | undefined): void {
  if (principal) principals.set(request, principal);
}

const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** `Bearer sha256:0123456789ab`: the scheme and a short hash of the credential, never the credential. */
export function redactAuthorization(value: string): string {
  const space = value.indexOf(' ');
  const scheme = space < 0 ? '' : value.slice(0, space);
  const credential = space < 0 ? value : value.slice(space + 1).trim();
  return `${scheme ? `${scheme} ` : ''}sha256:${sha(credential).slice(0, 12)}`;
}

/** The app's own secrets: never stored in the journal, wherever a caller puts them. */
function secretsOf(config: AppConfig): string[] {
  return [config.admin.key, ...(config.auth.mode === 'apikey' ? config.auth.apiKeys.map((k) => k.key) : [])].filter(
    (k): k is string => !!k,
  );
}

/** `text` with every occurrence of a secret replaced by `[redacted]`. */
function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const k of secrets) if (out.includes(k)) out = out.split(k).join('[redacted]');
  return out;
}

/** Request headers as stored: Authorization redacted, any value holding a secret of the app's replaced. */
export function journalHeaders(headers: Headers, config: AppConfig): Record<string, string> {
  const secrets = secretsOf(config);
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (name.toLowerCase() === 'authorization') out[name] = redactAuthorization(value);
    else if (secrets.some((k) => value.includes(k))) out[name] = '[redacted]';
    else out[name] = value.slice(0, MAX_HEADER_CHARS);
  });
  return out;
}

function parseBody(text: string): { body: unknown; bodyTruncated?: boolean } {
  if (text === '') return { body: null };
  if (text.length > MAX_BODY_CHARS) return { body: text.slice(0, MAX_BODY_CHARS), bodyTruncated: true };
  try {
    return { body: JSON.parse(text) as unknown };
  } catch {
    return { body: text };
  }
}

function responseHeaders(response: HttpResponseInit): Record<string, string> {
  const out: Record<string, string> = {};
  const h = response.headers;
  if (!h) return out;
  const entries: Iterable<[string, string]> =
    h instanceof Headers ? h.entries() : Array.isArray(h) ? (h as [string, string][]) : Object.entries(h as Record<string, string>);
  for (const [k, v] of entries) out[k] = String(v).slice(0, MAX_HEADER_CHARS);
  return out;
}

function retryAfterMs(headers: Record<string, string>): number {
  const v = Object.entries(headers).find(([k]) => k.toLowerCase() === 'retry-after')?.[1];
  const n = v === undefined ? NaN : Number(v.trim());
  return Number.isFinite(n) && n > 0 ? n * 1000 : 0;
}

export interface JournalQuery {
  clientRequestId?: string;
  method?: string;
  path?: string;
  since?: Date;
  top: number;
}

export class Journal {
  readonly #table: StorageTable;
  #writes = 0;
  #pruning: Promise<void> | undefined;
  #unreachableUntil = 0;

  constructor(
    readonly client: Tables,
    timeoutMs: number,
    private readonly maxEntries: number,
  ) {
    this.#table = new StorageTable(client, timeoutMs);
  }

  /** Whether answers wait for the journal: false while its storage is failing (see above). */
  get reachable(): boolean {
    return Date.now() >= this.#unreachableUntil;
  }

  /** `work`, noting a failure so that answers stop waiting for a journal storage cannot reach. */
  async #noted<T>(work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (err) {
      this.#unreachableUntil = Date.now() + UNREACHABLE_HOLD_MS;
      throw err;
    }
  }

  /** The client-request-id's record before this request: the attempt it makes and whether it is early. */
  async before(clientRequestId: string, now: number): Promise<{ attempt: number; waitMs: number }> {
    const row = await this.#noted(this.#table.run((s) => this.#table.find<ClientEntity>(CLIENT_PARTITION, sha(clientRequestId), s)));
    return { attempt: (Number(row?.count) || 0) + 1, waitMs: Math.max(0, (Number(row?.waitUntilMs) || 0) - now) };
  }

  /** Records the request and, for a client-request-id, its count and the wait its answer asked for. */
  async record(entry: JournalEntry, receivedMs: number): Promise<void> {
    const writes: Promise<unknown>[] = [];
    const rowKey = `${String(INVERT_FROM - receivedMs).padStart(13, '0')}-${randomBytes(4).toString('hex')}`;
    const entity: EntryEntity = {
      partitionKey: ENTRY_PARTITION,
      rowKey,
      entry: JSON.stringify(entry),
      method: entry.method,
      path: new URL(entry.url).pathname.toLowerCase(),
      clientRequestId: entry.clientRequestId ?? '',
      receivedMs,
    };
    writes.push(this.#table.run((s) => this.client.createEntity(entity, { abortSignal: s })));
    if (entry.clientRequestId !== null) {
      const wait = retryAfterMs(entry.response.headers);
      const row: ClientEntity = {
        partitionKey: CLIENT_PARTITION,
        rowKey: sha(entry.clientRequestId),
        count: entry.attempt,
        waitUntilMs: wait > 0 ? Date.now() + wait : 0,
      };
      writes.push(this.#table.run((s) => this.client.upsertEntity(row, 'Replace', { abortSignal: s })));
    }
    await this.#noted(Promise.all(writes));
    this.#unreachableUntil = 0;
    if (++this.#writes % this.#pruneEvery() === 0) {
      // In the background, so nothing may escape it: an unhandled rejection ends the process.
      this.#pruning ??= this.prune()
        .catch((err: unknown) =>
          console.warn(
            `Request journal: pruning failed (${err instanceof Error ? err.message : String(err)}); the next prune tries again.`,
          ),
        )
        .finally(() => (this.#pruning = undefined));
    }
  }

  #pruneEvery(): number {
    return Math.max(1, Math.min(100, Math.floor(this.maxEntries / 10)));
  }

  /** Waits for a prune in progress (tests, bench). */
  async settled(): Promise<void> {
    await this.#pruning?.catch(() => undefined);
  }

  /** Deletes the entries beyond the newest maxEntries. */
  async prune(): Promise<void> {
    const keys = await this.#keys(odata`PartitionKey eq ${ENTRY_PARTITION}`);
    await this.#deleteKeys(ENTRY_PARTITION, keys.slice(this.maxEntries));
  }

  async list(q: JournalQuery): Promise<JournalEntry[]> {
    const clauses = [odata`PartitionKey eq ${ENTRY_PARTITION}`];
    if (q.clientRequestId !== undefined) clauses.push(odata`clientRequestId eq ${q.clientRequestId}`);
    if (q.method !== undefined) clauses.push(odata`method eq ${q.method.toUpperCase()}`);
    if (q.since !== undefined) clauses.push(odata`receivedMs ge ${q.since.getTime()}`);
    const prefix = q.path?.toLowerCase();
    const top = Math.min(q.top, this.maxEntries);
    return this.#table.run(async (abortSignal) => {
      const out: JournalEntry[] = [];
      let scanned = 0;
      const rows = this.client.listEntities<EntryEntity>({ queryOptions: { filter: clauses.join(' and ') }, abortSignal });
      for await (const row of rows) {
        // Newest first; what lies beyond the bound is as good as pruned.
        if (++scanned > this.maxEntries || out.length >= top) break;
        if (prefix !== undefined && !row.path.startsWith(prefix)) continue;
        out.push(JSON.parse(row.entry) as JournalEntry);
      }
      return out;
    });
  }

  /** Empties the journal and the client-request-id records. */
  async clear(): Promise<void> {
    for (const partition of [ENTRY_PARTITION, CLIENT_PARTITION]) {
      await this.#deleteKeys(partition, await this.#keys(odata`PartitionKey eq ${partition}`));
    }
  }

  async #keys(filter: string): Promise<string[]> {
    return this.#table.run(async (abortSignal) => {
      const keys: string[] = [];
      for await (const e of this.client.listEntities({ queryOptions: { filter, select: ['RowKey'] }, abortSignal })) keys.push(e.rowKey!);
      return keys;
    });
  }

  async #deleteKeys(partitionKey: string, keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 100) {
      const batch = keys.slice(i, i + 100).map((rowKey): TransactionAction => ['delete', { partitionKey, rowKey }]);
      // A concurrent prune may have deleted some: the transaction then fails, and the next prune goes on.
      await this.#table.run((s) => this.client.submitTransaction(batch, { abortSignal: s })).catch(() => undefined);
    }
  }
}

let journal: Journal | undefined;

/** The process's journal, or undefined when MOCK_JOURNAL=off. */
export function getJournal(config: AppConfig = getConfig()): Journal | undefined {
  if (!config.admin.journal) return undefined;
  journal ??= new Journal(createTableClient(config, config.journalTableName), config.storageTimeoutMs, config.admin.journalMaxEntries);
  return journal;
}

export const isJournaled = (url: string): boolean => !UNJOURNALED.test(new URL(url).pathname);

/**
 * Runs `handle` for a request and journals it. With MOCK_ENFORCE_RETRY_AFTER=on, a retry that comes
 * before its Retry-After elapsed is answered 429 with the remaining seconds, without reaching `handle`.
 * A journal that storage cannot reach never fails the request: the failure is logged.
 */
export async function journaled(
  request: HttpRequest,
  context: InvocationContext,
  handle: (request: HttpRequest) => Promise<HttpResponseInit>,
  refuse: (error: ReturnType<typeof tooManyRequests>) => Promise<HttpResponseInit>,
): Promise<HttpResponseInit> {
  let config: AppConfig;
  try {
    config = getConfig();
  } catch {
    return handle(request);
  }
  const j = getJournal(config);
  if (!j || !isJournaled(request.url)) return handle(request);
  const started = Date.now();
  const clientRequestId = request.headers.get('client-request-id')?.trim() || null;
  let bodyText = '';
  let copy = request;
  if (request.body !== null && request.body !== undefined) {
    copy = request.clone();
    bodyText = await request.text().catch(() => '');
  }
  let prior = { attempt: 1, waitMs: 0 };
  // While the journal's storage is failing the answer does not wait for it (a read would fail the same way).
  const waits = j.reachable;
  if (clientRequestId !== null && waits) prior = await j.before(clientRequestId, started).catch(() => prior);
  const violation = prior.attempt > 1 && prior.waitMs > 0;
  const response =
    violation && config.admin.enforceRetryAfter
      ? await refuse(tooManyRequests(Math.max(1, Math.ceil(prior.waitMs / 1000))))
      : await handle(copy);
  const headers = responseHeaders(response);
  const secrets = secretsOf(config);
  const principal = principals.get(copy) ?? principals.get(request);
  const entry: JournalEntry = {
    receivedDateTime: new Date(started).toISOString(),
    method: request.method.toUpperCase(),
    url: scrub(request.url, secrets),
    headers: journalHeaders(request.headers, config),
    ...parseBody(scrub(bodyText, secrets)),
    response: { status: response.status ?? 200, headers },
    durationMs: Date.now() - started,
    requestId: headers['request-id'] ?? null,
    clientRequestId,
    principal: principal ? { kind: principal.kind, callerId: principal.callerId } : null,
    attempt: prior.attempt,
    retryAfterViolation: violation,
  };
  const recorded = j.record(entry, started).catch((err: unknown) => {
    const message = `Request journal: could not record ${entry.method} ${entry.url}: ${String(err)}`;
    // Once the answer has gone, the invocation's context is over: the process log takes it.
    if (waits) context.warn(message);
    else console.warn(message);
  });
  if (waits) await recorded;
  return response;
}
