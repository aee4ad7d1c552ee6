import type { TableClient, TransactionAction } from '@azure/data-tables';
import { odata } from '@azure/data-tables';
import { StorageTable } from '../store/tables';
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
  readonly #table: StorageTable;

  constructor(settings: MockSettings, client: TableClient, timeoutMs: number) {
    this.#table = new StorageTable(client, timeoutMs);
    this.attempts = new AttemptCounter(client, timeoutMs);
    this.rateLimiter =
      settings.rateLimit.mode === 'off' ? undefined : new RateLimiter(settings.rateLimit, new TableHitLogs(client, timeoutMs));
    this.random = seededRandom(settings.seed);
  }

  /** Forgets every count and window (POST /__admin/reset), or one tenant's. */
  async clear(tenantId?: string): Promise<void> {
    const partitions = tenantId === undefined ? undefined : [attemptPartitionKey(tenantId), rateLimitPartitionKey(tenantId)];
    const filter = partitions && partitions.map((p) => odata`PartitionKey eq ${p}`).join(' or ');
    const client = this.#table.client;
    const keys = await this.#table.run(async (abortSignal) => {
      const out = new Map<string, string[]>();
      for await (const e of client.listEntities({ queryOptions: { filter, select: ['PartitionKey', 'RowKey'] }, abortSignal })) {
        out.set(e.partitionKey!, [...(out.get(e.partitionKey!) ?? []), e.rowKey!]);
      }
      return out;
    });
    for (const [partitionKey, rowKeys] of keys) {
      for (let i = 0; i < rowKeys.length; i += 100) {
        const batch = rowKeys.slice(i, i + 100).map((rowKey): TransactionAction => ['delete', { partitionKey, rowKey }]);
        // A count or window removed meanwhile (another reset) fails the batch: remove the rest one by one.
        await this.#table
          .run((abortSignal) => client.submitTransaction(batch, { abortSignal }))
          .catch(async () => {
            for (const [, { rowKey }] of batch as Array<[string, { rowKey: string }]>) {
              await this.#table.run((abortSignal) => client.deleteEntity(partitionKey, rowKey, { abortSignal })).catch(() => undefined);
            }
          });
      }
    }
  }
}
