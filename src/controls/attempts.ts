import { createHash } from 'node:crypto';
import { isLostRace, LOST, type Table } from '../store/table';

/**
 * x-mock-error-count needs to know how many times a request was tried. The count lives in Table
 * Storage (table `<ASSIGNMENTS_TABLE>State`), so every instance of a scaled-out app sees the same count,
 * and is kept per tenant: a client-request-id is the caller's, and two tenants may send the same one.
 * PartitionKey = `attempts~<tenantId>` (all of a tenant's counts, so a tenant's reset finds them),
 * RowKey = sha256 of the client-request-id (a header may hold characters a key may not). A count
 * expires ATTEMPT_STATE_TTL_MS after the first attempt; after that the same client-request-id starts
 * again from 1.
 *
 * Read-then-write races only happen between concurrent attempts of the same request id, and each race
 * has a winner, so n concurrent attempts need at most n rounds: the store's race loop (Table.untilWon)
 * bounds them by time, a few storage deadlines, with random backoff so the contenders spread out.
 */

const ATTEMPT_PARTITION_PREFIX = 'attempts~';
export const ATTEMPT_STATE_TTL_MS = 10 * 60_000;
/** Kept next to the count so a person reading the table can tell which request it was. */
const MAX_STORED_ID_LENGTH = 1024;

export const attemptPartitionKey = (tenantId: string): string => `${ATTEMPT_PARTITION_PREFIX}${tenantId}`;
export const attemptRowKey = (clientRequestId: string): string => createHash('sha256').update(clientRequestId, 'utf8').digest('hex');

type AttemptEntity = {
  partitionKey: string;
  rowKey: string;
  attempts: number;
  expiresOn: Date;
  clientRequestId: string;
};

export class AttemptCounter {
  constructor(
    private readonly table: Table,
    private readonly ttlMs = ATTEMPT_STATE_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records one attempt of the tenant's request and returns its number: 1 for the first. */
  record(tenantId: string, clientRequestId: string): Promise<number> {
    const partitionKey = attemptPartitionKey(tenantId);
    const rowKey = attemptRowKey(clientRequestId);
    // Each round a read and a conditional write; a round that lost to another attempt is done again.
    return this.table.untilWon(async () => {
      const existing = await this.table.find<AttemptEntity>(partitionKey, rowKey);
      const now = this.now();
      const live = existing && new Date(existing.expiresOn).getTime() > now;
      const next: AttemptEntity = {
        partitionKey,
        rowKey,
        attempts: live ? existing.attempts + 1 : 1,
        expiresOn: live ? new Date(existing.expiresOn) : new Date(now + this.ttlMs),
        clientRequestId: clientRequestId.slice(0, MAX_STORED_ID_LENGTH),
      };
      try {
        await (existing ? this.table.replace(next, existing.etag) : this.table.insert(next));
        return next.attempts;
      } catch (err) {
        if (isLostRace(err)) return LOST;
        throw err;
      }
    });
  }
}
