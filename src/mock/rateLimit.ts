import type { RateLimitSetting } from '../config';

/**
 * MOCK_RATE_LIMIT: a sliding-window log per caller, in memory. Each instance of a scaled-out app
 * counts on its own, which is acceptable for a mock and saves a storage round trip per request.
 *
 * Only served requests are counted, so a throttled caller that waits Retry-After seconds finds room:
 * Retry-After is the time until the oldest counted request leaves the window.
 */

/** Methods that change something; `intune` limits only these, as Intune's documented limits do. */
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
export const isWrite = (method: string): boolean => !READ_METHODS.has(method.toUpperCase());

export class SlidingWindow {
  readonly #hits = new Map<string, number[]>();
  #lastSweep = -Infinity;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /** Milliseconds until `key` has room again; 0 when it has room now. */
  waitMs(key: string, now: number): number {
    this.#sweep(now);
    const hits = this.#live(key, now);
    if (hits.length < this.limit) return 0;
    return hits[hits.length - this.limit]! + this.windowMs - now;
  }

  record(key: string, now: number): void {
    const hits = this.#hits.get(key);
    if (hits) hits.push(now);
    else this.#hits.set(key, [now]);
  }

  /** The key's hits still inside the window; a key with none left is forgotten. */
  #live(key: string, now: number): number[] {
    const hits = this.#hits.get(key);
    if (!hits) return [];
    let expired = 0;
    while (expired < hits.length && hits[expired]! <= now - this.windowMs) expired++;
    if (expired > 0) hits.splice(0, expired);
    if (hits.length === 0) this.#hits.delete(key);
    return hits;
  }

  /** Callers that went quiet would otherwise stay in memory for the life of the process. */
  #sweep(now: number): void {
    if (now - this.#lastSweep < this.windowMs) return;
    this.#lastSweep = now;
    for (const key of [...this.#hits.keys()]) this.#live(key, now);
  }
}

/** The one key of the tenant-wide window: the mock is one tenant. */
const TENANT = '';

export class RateLimiter {
  readonly #perCaller: SlidingWindow;
  readonly #perTenant: SlidingWindow | undefined;
  readonly #writesOnly: boolean;

  constructor(
    setting: Exclude<RateLimitSetting, { mode: 'off' }>,
    private readonly now: () => number = () => performance.now(),
  ) {
    const windowMs = setting.windowSeconds * 1000;
    this.#perCaller = new SlidingWindow(setting.perCaller, windowMs);
    this.#perTenant = setting.mode === 'intune' ? new SlidingWindow(setting.perTenant, windowMs) : undefined;
    this.#writesOnly = setting.mode === 'intune';
  }

  /**
   * Counts the request and returns undefined when it may be served; otherwise returns the whole
   * seconds (at least 1) after which it would be, for Retry-After, and counts nothing.
   */
  admit(callerId: string, method: string): number | undefined {
    if (this.#writesOnly && !isWrite(method)) return undefined;
    const now = this.now();
    const waitMs = Math.max(this.#perCaller.waitMs(callerId, now), this.#perTenant?.waitMs(TENANT, now) ?? 0);
    if (waitMs > 0) return Math.max(1, Math.ceil(waitMs / 1000));
    this.#perCaller.record(callerId, now);
    this.#perTenant?.record(TENANT, now);
    return undefined;
  }
}

let processLimiter: RateLimiter | undefined;

/** The process's limiter, or undefined when MOCK_RATE_LIMIT is off. */
export function getRateLimiter(setting: RateLimitSetting): RateLimiter | undefined {
  if (setting.mode === 'off') return undefined;
  processLimiter ??= new RateLimiter(setting);
  return processLimiter;
}
