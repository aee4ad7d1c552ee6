import { isReservedKey, type Tenancy } from './keys';
import { MARKER_ROW_KEY, MAX_ROWS_PER_COUNTED_TRANSACTION, SLOT_PREFIX, type PartitionCache } from './partition';
import type { Replacer } from './replace';
import { toEntity, type NewAssignment, type StoredAssignment } from './rows';
import {
  etagAt,
  failedOperation,
  isLostRace,
  LOST,
  partitionRange,
  type Table,
  odata,
  type TableAction,
  type TransactionResult,
} from './table';

/** The admin's bulk writes: seeding many assignments, and emptying configurations (a reset). */

/**
 * Stores assignments with the ids they carry (the admin seed), as many per transaction as fit, each
 * counted; one whose id exists is answered as stored and not written again.
 */
export async function seedAssignments(
  table: Table,
  partitions: PartitionCache,
  pk: string,
  items: NewAssignment[],
  get: (id: string) => Promise<StoredAssignment | undefined>,
): Promise<StoredAssignment[]> {
  const unique = [...new Map(items.map((a) => [a.id, a])).values()].filter((a) => !isReservedKey(a.id));
  const stored = new Map<string, StoredAssignment>();
  const existing: string[] = [];
  for (let i = 0; i < unique.length; i += MAX_ROWS_PER_COUNTED_TRANSACTION) {
    let batch = unique.slice(i, i + MAX_ROWS_PER_COUNTED_TRANSACTION);
    await table.untilWon(async () => {
      if (batch.length === 0) return true;
      const state = await partitions.get(pk);
      const { slot, release } = await state.acquire(partitions.preference);
      try {
        const ops: TableAction[] = [...batch.map((a): TableAction => ['create', toEntity(pk, a, state.marker.current)])];
        const countAt = ops.length;
        ops.push(...state.countOps(slot, batch.length));
        let response: TransactionResult;
        try {
          response = await table.transaction(ops);
        } catch (err) {
          if (!isLostRace(err)) throw err;
          const index = failedOperation(err);
          if (index !== undefined && index < batch.length) {
            // Some ids exist: find them all at once rather than one failed transaction each.
            const found = await Promise.all(batch.map((a) => table.find<object>(pk, a.id)));
            existing.push(...batch.filter((_, j) => found[j] !== undefined).map((a) => a.id));
            batch = batch.filter((_, j) => found[j] === undefined);
          } else partitions.forget(pk);
          return LOST;
        }
        state.counted(slot, batch.length, response, countAt);
        batch.forEach((a, j) => stored.set(a.id, { ...a, etag: etagAt(response, j) ?? '' }));
        return true;
      } finally {
        release();
      }
    });
  }
  const found = await Promise.all(existing.map((id) => get(id)));
  for (const a of found) if (a) stored.set(a.id, a);
  return unique.flatMap((a) => stored.get(a.id) ?? []);
}

/**
 * Empties one configuration, one tenant's configurations, or everything (the admin reset). Each
 * partition is first fenced (an empty generation made current, as an assign action commits), so readers
 * see it empty at once and no write that had not committed can land in it afterwards; then its rows go:
 * assignments, idempotency records, tombstones. The marker and counter slots stay, counting nothing.
 */
export async function purgePartitions(
  table: Table,
  partitions: PartitionCache,
  replacer: Replacer,
  tenancy: Tenancy,
  which: { tenantId?: string; configurationId?: string },
): Promise<void> {
  let filters: Array<string | undefined>;
  if (which.configurationId !== undefined) {
    const tenantId = which.tenantId ?? tenancy.defaultTenantId;
    filters = [odata`PartitionKey eq ${tenancy.partitionOf({ tenantId, configurationId: which.configurationId })}`];
  } else if (which.tenantId !== undefined) {
    filters = tenancy.rangesOf(which.tenantId).map((r) => partitionRange(r.from, r.to));
  } else {
    filters = [undefined];
  }
  const byPartition = new Map<string, Array<{ rowKey: string; gen?: string }>>();
  for (const filter of filters) {
    for (const row of await table.all<{ gen?: string }>(filter, ['PartitionKey', 'RowKey', 'gen'])) {
      byPartition.set(row.partitionKey, [...(byPartition.get(row.partitionKey) ?? []), row]);
    }
  }
  const queue = [...byPartition.entries()];
  const next = async (): Promise<void> => {
    for (let p = queue.shift(); p; p = queue.shift()) {
      const [pk, rows] = p;
      const gen = await replacer.fence(pk);
      const doomed = rows.filter((r) => r.rowKey !== MARKER_ROW_KEY && !r.rowKey.startsWith(SLOT_PREFIX) && r.gen !== gen);
      await table.deleteAll(doomed.map((r) => ({ partitionKey: pk, rowKey: r.rowKey })));
      // Rows written after the listing and before the fence belong to a retired generation: the sweep removes them.
      replacer.later(() => replacer.sweep(pk));
    }
  };
  await Promise.all(Array.from({ length: 4 }, next));
  partitions.forget();
}
