import { odata, type Table } from '../store';
import { AttemptCounter, attemptPartitionKey } from './attempts';
import { seededRandom, type Random } from './random';
import { RateLimiter, rateLimitPartitionKey, TableHitLogs } from './rateLimit';
import type { MockSettings } from './settings';

/**
 * The mock controls' state, one per app: attempt counts and rate-limit windows in the state table
 * (`<ASSIGNMENTS_TABLE>State`, shared by every instance), and the random sequence (this instance's).
 */
export class MockState {
  readonly attempts: AttemptCounter;
  /** Undefined when MOCK_RATE_LIMIT is off: then nothing is read or written. */
  readonly rateLimiter: RateLimiter | undefined;
  readonly random: Random;

  constructor(
    settings: MockSettings,
    private readonly table: Table,
  ) {
    this.attempts = new AttemptCounter(table);
    this.rateLimiter = settings.rateLimit.mode === 'off' ? undefined : new RateLimiter(settings.rateLimit, new TableHitLogs(table));
    this.random = seededRandom(settings.seed);
  }

  /** Forgets every count and window (POST /__admin/reset), or one tenant's. */
  async clear(tenantId?: string): Promise<void> {
    const filter =
      tenantId === undefined
        ? undefined
        : [attemptPartitionKey(tenantId), rateLimitPartitionKey(tenantId)].map((p) => odata`PartitionKey eq ${p}`).join(' or ');
    await this.table.deleteAll(await this.table.keys(filter));
  }
}
