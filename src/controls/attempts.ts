import { createHash } from 'node:crypto';
import type { TableClient } from '@azure/data-tables';
import { serviceUnavailable } from '../graph/errors';
import { StorageTable, storageErrorCode, storageStatus } from '../store/tables';

/**
 * x-mock-error-count needs to know how many times a request was tried. The count lives in Table
 * Storage (table `<ASSIGNMENTS_TABLE>State`), so every instance of a scaled-out app sees the same count,
 * and is kept per tenant: a client-request-id is the caller's, and two tenants may send the same one.
 * PartitionKey = `attempts~<tenantId>` (all of a tenant's counts, so a tenant's reset finds them),
 * RowKey = sha256 of the client-request-id (a header may hold characters a key may not). A count
 * expires ATTEMPT_STATE_TTL_MS after the first attempt; after that the same client-request-id starts
 * again from 1.
 */

const ATTEMPT_PARTITION_PREFIX = 'attempts~';
export const ATTEMPT_STATE_TTL_MS = 10 * 60_000;
/**
 * Read-then-write races only happen between concurrent attempts of the same request id, and each race
 * has a winner, so n concurrent attempts need at most n rounds: the bound is time (a few storage
 * deadlines), with random backoff so the contenders spread out. Five rounds used to be the bound, and
 * one attempt in five of ten concurrent ones answered a 503 of its own.
 */
const MAX_CONFLICT_ATTEMPTS = 100;
const CONFLICT_BUDGET_IN_DEADLINES = 3;
const MAX_BACKOFF_MS = 50;
/** Kept next to the count so a person reading the table can tell which request it was. */
const MAX_STORED_ID_LENGTH = 1024;

export const attemptPartitionKey = (tenantId: string): string => `${ATTEMPT_PARTITION_PREFIX}${tenantId}`;
export const attemptRowKey = (clientRequestId: string): string => createHash('sha256').update(clientRequestId, 'utf8').digest('hex');

interface AttemptEntity {
  partitionKey: string;
  rowKey: string;
  attempts: number;
  expiresOn: Date;
  clientRequestId: string;
}

function isConflict(err: unknown): boolean {
  const code = storageErrorCode(err);
  const status = storageStatus(err);
  return code === 'EntityAlreadyExists' || code === 'UpdateConditionNotSatisfied' || status === 409 || status === 412;
}

export class AttemptCounter {
  readonly #table: StorageTable;

  constructor(
    client: TableClient,
    timeoutMs: number,
    private readonly ttlMs = ATTEMPT_STATE_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {
    this.#table = new StorageTable(client, timeoutMs);
  }

  /** Records one attempt of the tenant's request and returns its number: 1 for the first. */
  async record(tenantId: string, clientRequestId: string): Promise<number> {
    const deadline = Date.now() + CONFLICT_BUDGET_IN_DEADLINES * this.#table.timeoutMs;
    for (let attempt = 1; ; attempt++) {
      // Each round (a read and a conditional write) under its own storage deadline.
      const counted = await this.#table.run((abortSignal) => this.#tryRecord(tenantId, clientRequestId, abortSignal));
      if (counted !== undefined) return counted;
      if (attempt >= MAX_CONFLICT_ATTEMPTS || Date.now() >= deadline) throw serviceUnavailable(1);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(MAX_BACKOFF_MS, 2 * 2 ** attempt)));
    }
  }

  /** One read-then-conditional-write; undefined when another attempt got there first. */
  async #tryRecord(tenantId: string, clientRequestId: string, abortSignal: AbortSignal): Promise<number | undefined> {
    const partitionKey = attemptPartitionKey(tenantId);
    const rowKey = attemptRowKey(clientRequestId);
    const existing = await this.#table.find<AttemptEntity>(partitionKey, rowKey, abortSignal);
    const now = this.now();
    const live = existing && new Date(existing.expiresOn).getTime() > now;
    const next: AttemptEntity = {
      partitionKey,
      rowKey,
      attempts: live ? existing.attempts + 1 : 1,
      expiresOn: live ? new Date(existing.expiresOn) : new Date(now + this.ttlMs),
      clientRequestId: clientRequestId.slice(0, MAX_STORED_ID_LENGTH),
    };
    const client = this.#table.client;
    try {
      if (existing) await client.updateEntity(next, 'Replace', { etag: existing.etag, abortSignal });
      else await client.createEntity(next, { abortSignal });
      return next.attempts;
    } catch (err) {
      if (isConflict(err)) return undefined;
      throw err;
    }
  }
}
