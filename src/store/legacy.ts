import { isReservedKey } from './keys';
import { FIRST_GENERATION, MARKER_ROW_KEY, SLOT_PREFIX, type MarkerEntity } from './partition';
import { isLostRace, type Table, odata, type TableAction } from './table';

/**
 * Gives a partition written by a release that kept no marker (0.1.0: rows without `gen`, no counter
 * slots) its marker: the rows join the first generation (`gen` merged in, 100 per transaction) and are
 * counted in the marker's base; then the marker is created, which is the commit point: of instances
 * doing this at once, one creates it and the others read it. Interrupted half way, it is done again.
 */
export async function adoptLegacyPartition(table: Table, pk: string): Promise<void> {
  const rows = await table.all<{ gen?: string; counted?: string; n?: number }>(odata`PartitionKey eq ${pk}`, [
    'RowKey',
    'gen',
    'counted',
    'n',
  ]);
  const assignments = rows.filter((r) => !isReservedKey(r.rowKey));
  const legacy = assignments.filter((r) => r.gen === undefined || r.gen === null);
  for (let i = 0; i < legacy.length; i += 100) {
    await table.transaction(
      legacy.slice(i, i + 100).map((r): TableAction => ['update', { partitionKey: pk, rowKey: r.rowKey, gen: FIRST_GENERATION }, 'Merge']),
    );
  }
  const inFirst = assignments.filter((r) => r.gen === undefined || r.gen === null || r.gen === FIRST_GENERATION).length;
  const counted = rows
    .filter((r) => r.rowKey.startsWith(SLOT_PREFIX) && r.counted === FIRST_GENERATION)
    .reduce((n, r) => n + (Number(r.n) || 0), 0);
  const marker: MarkerEntity = {
    partitionKey: pk,
    rowKey: MARKER_ROW_KEY,
    current: FIRST_GENERATION,
    base: inFirst - counted,
    pending: '[]',
    retired: '[]',
  };
  try {
    await table.insert(marker);
  } catch (err) {
    if (!isLostRace(err)) throw err; // another instance adopted it first
  }
}
