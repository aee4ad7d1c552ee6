import { randomBytes } from 'node:crypto';
import { odata, type Table } from '../store';

/**
 * The request journal (docs/admin.md): every request to the Graph routes, each $batch item included
 * (items come back through the pipeline), is recorded in Table Storage (table `<ASSIGNMENTS_TABLE>Journal`),
 * so every instance of a scaled-out app writes to and reads from one journal.
 *
 * One partition per tenant: `j` for the default tenant (as earlier releases kept it), `j~<tenantId>`
 * for any other. One row per request, RowKey = inverted receive time + random suffix, so a plain query
 * reads newest first; the entry is JSON in `entry`, with the columns the filters and the attempt
 * numbers need beside it.
 *
 * Recording is one insert: nothing is read first. What depends on earlier requests is worked out when
 * the journal is read: an entry's `attempt` is its rank among the tenant's entries with the same
 * client-request-id, and it is a `retryAfterViolation` when it arrived before the previous attempt's
 * answer's Retry-After had elapsed.
 *
 * Bounded by MOCK_JOURNAL_MAX_ENTRIES per tenant: reads never see more, and each instance prunes a
 * tenant's oldest entries beyond it every PRUNE_EVERY writes to that tenant's partition (so storage
 * holds at most the bound plus a few per instance).
 *
 * While the journal's storage is failing (for UNREACHABLE_HOLD_MS after a failed call) answers stop
 * waiting for it: the entry is still tried in the background, and the first that lands makes answers
 * wait again. A storage outage then costs the caller one storage deadline at most.
 */

export const DEFAULT_TENANT_PARTITION = 'j';
const INVERT_FROM = 9_999_999_999_999;
/** How long after a failed journal call answers stop waiting for the journal. */
const UNREACHABLE_HOLD_MS = 5_000;

export interface JournalEntry {
  /** The entry's key in its tenant's journal: lets a reader that polls tell entries it already has. */
  id: string;
  receivedDateTime: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  /** True when the body was longer than the journal keeps and `body` holds its start, as text. */
  bodyTruncated?: boolean;
  response: {
    status: number;
    headers: Record<string, string>;
    /** Parsed JSON, else text, cut as the request's body is; absent from entries recorded before answers' bodies were kept. */
    body?: unknown;
    bodyTruncated?: boolean;
  };
  durationMs: number;
  requestId: string | null;
  clientRequestId: string | null;
  /** The tenant the request acted for (the default tenant when it named none or was refused before authentication). */
  tenantId: string;
  principal: { kind: string; callerId: string } | null;
  attempt: number;
  retryAfterViolation: boolean;
}

/** What is stored of an entry; `id`, `attempt` and `retryAfterViolation` are worked out on reading. */
export type RecordedEntry = Omit<JournalEntry, 'id' | 'attempt' | 'retryAfterViolation'>;

type EntryEntity = {
  partitionKey: string;
  rowKey: string;
  entry: string;
  /**
   * The answer's body, as JSON `{body, bodyTruncated?}`, apart from `entry`: a property holds at most
   * 64 KiB, and the two bodies (each up to 8192 characters, more once escaped) would not always fit one.
   * Undefined in rows of earlier releases, which kept no answer body.
   */
  answer?: string;
  method: string;
  path: string;
  clientRequestId: string;
  receivedMs: number;
  /** When the answer left, and how long its Retry-After asked the caller to wait (0: none). */
  answeredMs: number;
  retryAfterMs: number;
  /** The answer's status, for the status filter; undefined in rows of earlier releases (read from `entry` then). */
  status?: number;
};

export interface JournalQuery {
  /** Only this tenant's entries; all tenants' when undefined. */
  tenantId?: string;
  clientRequestId?: string;
  method?: string;
  path?: string;
  /** A status (`503`) or a class of them (`5xx`). */
  status?: { from: number; to: number };
  since?: Date;
  /** Only entries whose answer left at or after this time: what a poller asks for, since a slow request is recorded late. */
  answeredSince?: Date;
  top: number;
}

export class Journal {
  readonly #writes = new Map<string, number>();
  #pruning: Promise<void> | undefined;
  #unreachableUntil = 0;

  constructor(
    private readonly table: Table,
    private readonly maxEntries: number,
    private readonly defaultTenantId: string,
  ) {}

  partitionOf(tenantId: string): string {
    return tenantId === this.defaultTenantId ? DEFAULT_TENANT_PARTITION : `${DEFAULT_TENANT_PARTITION}~${tenantId}`;
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

  /**
   * Records a request and its answer: one insert, sent with the other entries of the tenant recorded
   * in the same turn of the event loop (one transaction for them all; Table.insertGrouped).
   */
  async record(entry: RecordedEntry, timing: { receivedMs: number; answeredMs: number; retryAfterMs: number }): Promise<void> {
    const partitionKey = this.partitionOf(entry.tenantId);
    const entity: EntryEntity = {
      partitionKey,
      rowKey: `${String(INVERT_FROM - timing.receivedMs).padStart(13, '0')}-${randomBytes(4).toString('hex')}`,
      entry: JSON.stringify({ ...entry, response: { status: entry.response.status, headers: entry.response.headers } }),
      answer: JSON.stringify({ body: entry.response.body, bodyTruncated: entry.response.bodyTruncated }),
      method: entry.method,
      path: new URL(entry.url).pathname.toLowerCase(),
      clientRequestId: entry.clientRequestId ?? '',
      status: entry.response.status,
      ...timing,
    };
    await this.#noted(this.table.insertGrouped(entity));
    this.#unreachableUntil = 0;
    const writes = (this.#writes.get(partitionKey) ?? 0) + 1;
    this.#writes.set(partitionKey, writes);
    if (writes % this.#pruneEvery() === 0) {
      // In the background, so nothing may escape it: an unhandled rejection ends the process.
      this.#pruning ??= this.prune(partitionKey)
        .catch((err: unknown) =>
          console.warn(
            `Request journal: pruning failed (${err instanceof Error ? err.message : String(err)}); the next prune tries again.`,
          ),
        )
        .finally(() => (this.#pruning = undefined));
    }
  }

  /**
   * How long the tenant's last answer to this client-request-id asked the caller to wait from `now`
   * (0: it asked nothing, or that has elapsed): MOCK_ENFORCE_RETRY_AFTER's one read before a request.
   */
  async retryAfterRemaining(tenantId: string, clientRequestId: string, now: number): Promise<number> {
    const filter = odata`PartitionKey eq ${this.partitionOf(tenantId)} and clientRequestId eq ${clientRequestId}`;
    const newest = async (): Promise<EntryEntity | undefined> => {
      // Newest first; a filtered query may answer an empty page that still goes on.
      let continuation: string | undefined;
      do {
        const page = await this.table.page<EntryEntity>(filter, { top: 1, continuation, select: ['answeredMs', 'retryAfterMs'] });
        if (page.items[0]) return page.items[0];
        continuation = page.continuation;
      } while (continuation !== undefined);
      return undefined;
    };
    const last = await this.#noted(newest());
    return last ? Math.max(0, Number(last.answeredMs) + Number(last.retryAfterMs) - now) : 0;
  }

  #pruneEvery(): number {
    return Math.max(1, Math.min(100, Math.floor(this.maxEntries / 10)));
  }

  /** Waits for a prune in progress (tests, bench). */
  async settled(): Promise<void> {
    await this.#pruning?.catch(() => undefined);
  }

  /** Deletes a tenant's entries beyond the newest maxEntries. */
  async prune(partitionKey: string): Promise<void> {
    const keys = await this.table.keys(odata`PartitionKey eq ${partitionKey}`);
    await this.table.deleteAll(keys.slice(this.maxEntries));
  }

  /** Entries newest first, each with its attempt number and whether it came before the Retry-After it was given. */
  async list(q: JournalQuery): Promise<JournalEntry[]> {
    // Every entry of the tenants asked for, within the bound: an entry's attempt depends on entries the filters leave out.
    const filter =
      q.tenantId === undefined
        ? odata`PartitionKey ge ${DEFAULT_TENANT_PARTITION} and PartitionKey lt ${'k'}`
        : odata`PartitionKey eq ${this.partitionOf(q.tenantId)}`;
    const perPartition = new Map<string, number>();
    const rows = (await this.table.all<EntryEntity>(filter)).filter((row) => {
      const seen = (perPartition.get(row.partitionKey) ?? 0) + 1;
      perPartition.set(row.partitionKey, seen);
      // Newest first; what lies beyond the bound is as good as pruned.
      return seen <= this.maxEntries;
    });
    const numbered = withAttempts(rows);
    const method = q.method?.toUpperCase();
    const prefix = q.path?.toLowerCase();
    const since = q.since?.getTime();
    const answeredSince = q.answeredSince?.getTime();
    const status = q.status;
    return numbered
      .filter(
        ({ row }) =>
          (q.clientRequestId === undefined || row.clientRequestId === q.clientRequestId) &&
          (method === undefined || row.method === method) &&
          (prefix === undefined || row.path.startsWith(prefix)) &&
          (since === undefined || Number(row.receivedMs) >= since) &&
          (answeredSince === undefined || Number(row.answeredMs) >= answeredSince) &&
          (status === undefined || within(statusOf(row), status)),
      )
      .sort((a, b) => Number(b.row.receivedMs) - Number(a.row.receivedMs) || a.row.rowKey.localeCompare(b.row.rowKey))
      .slice(0, Math.min(q.top, this.maxEntries))
      .map(({ row, attempt, retryAfterViolation }) => ({ id: row.rowKey, ...entryOf(row), attempt, retryAfterViolation }));
  }

  /** The tenants whose requests the journal holds. */
  async tenants(): Promise<string[]> {
    const rows = await this.table.all<object>(odata`PartitionKey ge ${DEFAULT_TENANT_PARTITION} and PartitionKey lt ${'k'}`, [
      'PartitionKey',
    ]);
    const partitions = new Set(rows.map((r) => r.partitionKey));
    return [...partitions].map((pk) =>
      pk === DEFAULT_TENANT_PARTITION ? this.defaultTenantId : pk.slice(DEFAULT_TENANT_PARTITION.length + 1),
    );
  }

  /** Empties the journal, or one tenant's part of it. */
  async clear(tenantId?: string): Promise<void> {
    // The whole table, when emptied: it may still hold the per-client-request-id rows of earlier releases.
    const filter = tenantId === undefined ? undefined : odata`PartitionKey eq ${this.partitionOf(tenantId)}`;
    await this.table.deleteAll(await this.table.keys(filter));
  }
}

function entryOf(row: EntryEntity): RecordedEntry {
  const entry = JSON.parse(row.entry) as RecordedEntry;
  if (row.answer !== undefined) Object.assign(entry.response, JSON.parse(row.answer) as Pick<RecordedEntry['response'], 'body'>);
  return entry;
}

const statusOf = (row: EntryEntity): number =>
  row.status !== undefined ? Number(row.status) : (JSON.parse(row.entry) as RecordedEntry).response.status;
const within = (n: number, range: { from: number; to: number }) => n >= range.from && n <= range.to;

/**
 * Each row with its attempt number (its rank, oldest first, among the rows of its tenant with the same
 * client-request-id; 1 without one) and whether it arrived before the previous attempt's answer's
 * Retry-After had elapsed.
 */
function withAttempts(rows: EntryEntity[]): Array<{ row: EntryEntity; attempt: number; retryAfterViolation: boolean }> {
  const series = new Map<string, EntryEntity[]>();
  for (const row of rows) {
    if (row.clientRequestId === '') continue;
    const key = `${row.partitionKey}\n${row.clientRequestId}`;
    series.set(key, [...(series.get(key) ?? []), row]);
  }
  const numbered = new Map<EntryEntity, { attempt: number; retryAfterViolation: boolean }>();
  for (const list of series.values()) {
    // Oldest first; the row key breaks ties of one millisecond the same way on every read.
    list.sort((a, b) => Number(a.receivedMs) - Number(b.receivedMs) || b.rowKey.localeCompare(a.rowKey));
    list.forEach((row, i) => {
      const previous = list[i - 1];
      const retryAfterViolation =
        previous !== undefined &&
        Number(previous.retryAfterMs) > 0 &&
        Number(row.receivedMs) < Number(previous.answeredMs) + Number(previous.retryAfterMs);
      numbered.set(row, { attempt: i + 1, retryAfterViolation });
    });
  }
  return rows.map((row) => ({ row, ...(numbered.get(row) ?? { attempt: 1, retryAfterViolation: false }) }));
}
