import { createHash } from 'node:crypto';
import { isLostRace, LOST, type Table, type TableAction } from '../store/table';
import type { RateLimitSetting } from './settings';

/**
 * MOCK_RATE_LIMIT: sliding-window logs, kept in Table Storage (table `<ASSIGNMENTS_TABLE>State`, one
 * partition per tenant, `rate-limit~<tenantId>`) so that every instance of a scaled-out app counts
 * against the same windows: N instances allow exactly what one allows, as Graph's limits are per
 * tenant and per app in the tenant, not per server. A tenant's windows share its partition, so one
 * transaction covers all the windows a request counts against.
 *
 * Only served requests are counted, so a throttled caller that waits Retry-After seconds finds room:
 * Retry-After is the time until the oldest counted request leaves the window.
 *
 * A request's windows are checked and its hit recorded in one entity-group transaction under each
 * window row's ETag: of two instances deciding at once, one wins and the other decides again on what
 * the winner wrote. Within an instance, decisions are made one at a time (a promise chain), so ETag
 * races happen only between instances.
 */

/** Methods that change something; Intune's write limits apply to these only. */
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
export const isWrite = (method: string): boolean => !READ_METHODS.has(method.toUpperCase());

export interface Window {
  /** Names the window: who it counts and what. */
  key: string;
  limit: number;
  windowMs: number;
}

/** The windows a request of an app (`callerId`) counts against in its tenant under `setting`. */
export function windowsFor(setting: Exclude<RateLimitSetting, { mode: 'off' }>, callerId: string, method: string): Window[] {
  const windowMs = setting.windowSeconds * 1000;
  if (setting.mode === 'requests') return [{ key: `caller:${callerId}`, limit: setting.perCaller, windowMs }];
  const windows: Window[] = [
    { key: `caller:${callerId}`, limit: setting.readsPerCaller, windowMs },
    { key: 'tenant', limit: setting.readsPerTenant, windowMs },
  ];
  if (isWrite(method)) {
    windows.push(
      { key: `caller-writes:${callerId}`, limit: setting.perCaller, windowMs },
      { key: 'tenant-writes', limit: setting.perTenant, windowMs },
    );
  }
  return windows;
}

/** The hits of a log still inside its window, oldest first. */
const live = (hits: number[], windowMs: number, now: number) => hits.filter((t) => t > now - windowMs);

/** Milliseconds until every window has room again; 0 when all have room now. */
export function waitMs(logs: number[][], windows: Window[], now: number): number {
  let wait = 0;
  windows.forEach((w, i) => {
    const hits = live(logs[i] ?? [], w.windowMs, now);
    if (hits.length >= w.limit) wait = Math.max(wait, hits[hits.length - w.limit]! + w.windowMs - now);
  });
  return wait;
}

/** Where the logs are kept. */
export interface HitLogs {
  /** Records a hit at `now` in every window of the tenant and returns 0, or returns the wait and records nothing. */
  admit(tenantId: string, windows: Window[], now: number): Promise<number>;
}

/** In one process's memory: for the unit tests of the window arithmetic. */
export class MemoryHitLogs implements HitLogs {
  readonly #logs = new Map<string, number[]>();

  admit(tenantId: string, windows: Window[], at: number): Promise<number> {
    const now = at === 0 ? Date.now() : at;
    const key = (w: Window) => `${tenantId} ${w.key}`;
    const logs = windows.map((w) => live(this.#logs.get(key(w)) ?? [], w.windowMs, now));
    const wait = waitMs(logs, windows, now);
    if (wait === 0) windows.forEach((w, i) => this.#logs.set(key(w), [...logs[i]!, now]));
    return Promise.resolve(wait);
  }
}

const RATE_LIMIT_PARTITION_PREFIX = 'rate-limit~';
export const rateLimitPartitionKey = (tenantId: string): string => `${RATE_LIMIT_PARTITION_PREFIX}${tenantId}`;
/** A property holds at most 64 KiB; a log is split over several (and an entity holds at most 1 MiB). */
const CHUNK_CHARS = 16_000;
const MAX_CHUNKS = 24;

type LogEntity = { partitionKey: string; rowKey: string; etag?: string; [chunk: string]: unknown };

/** A log as base-36 gaps between consecutive hits (the first from 0): a few characters a hit. */
function encode(hits: number[]): Record<string, string> {
  const text = hits.map((t, i) => (t - (i === 0 ? 0 : hits[i - 1]!)).toString(36)).join(',');
  const chunks: Record<string, string> = {};
  for (let i = 0, c = 0; i < text.length || c === 0; i += CHUNK_CHARS, c++) chunks[`c${c}`] = text.slice(i, i + CHUNK_CHARS);
  return chunks;
}

function decode(e: LogEntity | undefined): number[] {
  if (!e) return [];
  let text = '';
  for (let c = 0; typeof e[`c${c}`] === 'string'; c++) text += e[`c${c}`] as string;
  if (text === '') return [];
  let t = 0;
  return text.split(',').map((gap) => (t += parseInt(gap, 36)));
}

/** In Table Storage, shared by every instance. */
export class TableHitLogs implements HitLogs {
  #queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly table: Table) {}

  admit(tenantId: string, windows: Window[], now: number): Promise<number> {
    // One decision at a time in this process; `now` is taken when the decision is made.
    const decided = this.#queue.then(() => this.#admit(rateLimitPartitionKey(tenantId), windows, now === 0 ? Date.now() : now));
    this.#queue = decided.catch(() => undefined);
    return decided;
  }

  /** Reads the windows and, if all have room, records the hit in all of them under their ETags; a lost race decides again. */
  #admit(partition: string, windows: Window[], now: number): Promise<number> {
    const rowKeys = windows.map((w) => createHash('sha256').update(w.key, 'utf8').digest('hex'));
    return this.table.untilWon(async () => {
      const rows = await Promise.all(rowKeys.map((rk) => this.table.find<LogEntity>(partition, rk)));
      const logs = rows.map((r, i) => live(decode(r), windows[i]!.windowMs, now));
      const wait = waitMs(logs, windows, now);
      if (wait > 0) return wait;
      const actions = rows.map((r, i): TableAction => {
        const chunks = encode([...logs[i]!, now]);
        if (Object.keys(chunks).length > MAX_CHUNKS) throw new Error('rate limit log over its size bound');
        const entity = { partitionKey: partition, rowKey: rowKeys[i]!, ...chunks };
        return r ? ['update', entity, 'Replace', { etag: r.etag }] : ['create', entity];
      });
      try {
        await this.table.transaction(actions);
        return 0;
      } catch (err) {
        if (isLostRace(err)) return LOST;
        throw err;
      }
    });
  }
}

export class RateLimiter {
  constructor(
    private readonly setting: Exclude<RateLimitSetting, { mode: 'off' }>,
    private readonly logs: HitLogs = new MemoryHitLogs(),
    /** 0: the logs take the time themselves, when they decide. */
    private readonly now: () => number = () => 0,
  ) {}

  /**
   * Counts the request and returns undefined when it may be served; otherwise returns the whole
   * seconds (at least 1) after which it would be, for Retry-After, and counts nothing.
   */
  async admit(tenantId: string, callerId: string, method: string): Promise<number | undefined> {
    const wait = await this.logs.admit(tenantId, windowsFor(this.setting, callerId, method), this.now());
    return wait > 0 ? Math.max(1, Math.ceil(wait / 1000)) : undefined;
  }
}
