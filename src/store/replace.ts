import { StorageUnavailable } from './errors';
import {
  COUNT_OPERATIONS,
  generationTime,
  markerEntity,
  newGeneration,
  TOMBSTONE,
  type Marker,
  type PartitionCache,
  type PartitionState,
} from './partition';
import { toEntity, type NewAssignment } from './rows';
import {
  etagAt,
  isLostRace,
  LOST,
  MAX_TRANSACTION_OPERATIONS,
  storageErrorCode,
  type Table,
  odata,
  type TableAction,
  type TransactionResult,
} from './table';

/**
 * The assign action: a configuration's whole set replaced, atomically for every reader.
 *
 * - **Small** (the old set, the new set and the counter fit in one transaction): one query of the old
 *   set's keys, then one transaction that deletes them, inserts the new rows, counts the difference
 *   under the counter slot's ETag and rewrites the marker under its ETag. Two round trips.
 * - **Large**: the new set is written as a new generation that readers do not see, in transactions of
 *   100 rows (four at a time), and made current by one transaction that replaces the marker and resets
 *   every counter slot under their ETags: the commit point. Then the replaced generation's rows are
 *   deleted before the answer, because a GET reads an assignment's row alone; the bookkeeping of what was
 *   removed is finished after the answer.
 */

/** An assign action that has not committed this long after it started gives up (503, retry). */
const COMMIT_WITHIN_MS = 5 * 60_000;
/** A generation still pending this long is from an assign action that died: its rows are removed. */
export const ABANDONED_AFTER_MS = 15 * 60_000;
/** How often one instance sweeps one partition at most, when reads find something left to remove. */
const SWEEP_EVERY_MS = 30_000;
/** Transactions of one large assign action in flight at once. */
const PARALLEL_TRANSACTIONS = 4;

async function inParallel(tasks: Array<() => Promise<unknown>>, limit: number): Promise<void> {
  const queue = [...tasks];
  const worker = async (): Promise<void> => {
    for (let task = queue.shift(); task; task = queue.shift()) await task();
  };
  await Promise.all(Array.from({ length: Math.min(limit, queue.length) }, worker));
}

export class Replacer {
  readonly #background = new Set<Promise<unknown>>();
  readonly #lastSweep = new Map<string, number>();

  constructor(
    private readonly table: Table,
    private readonly partitions: PartitionCache,
  ) {}

  /** Work after the answer. It never fails the process: a failure is logged, and the next sweep goes on. */
  later(work: () => Promise<unknown>): void {
    const running: Promise<unknown> = work()
      .catch((err: unknown) =>
        console.warn(`Storage housekeeping failed and will be tried again: ${err instanceof Error ? err.message : String(err)}`),
      )
      .finally(() => this.#background.delete(running));
    this.#background.add(running);
  }

  async idle(): Promise<void> {
    while (this.#background.size > 0) await Promise.allSettled([...this.#background]);
  }

  /** Sweeps a partition soon, when a read found generations left to remove (at most every 30 s per instance). */
  sweepSoon(partitionKey: string, marker: Marker): void {
    const leftovers = marker.retired.length > 0 || marker.pending.some((g) => Date.now() - generationTime(g) > ABANDONED_AFTER_MS);
    if (!leftovers) return;
    const last = this.#lastSweep.get(partitionKey) ?? 0;
    if (Date.now() - last < SWEEP_EVERY_MS) return;
    this.#lastSweep.set(partitionKey, Date.now());
    this.later(() => this.sweep(partitionKey));
  }

  async replaceAll(pk: string, rows: NewAssignment[]): Promise<void> {
    const small = await this.table.untilWon(() => this.#replaceInOne(pk, rows));
    if (small) return;
    await this.#replaceByGeneration(pk, rows);
  }

  /** The small path; false when the sets do not fit one transaction. */
  async #replaceInOne(pk: string, rows: NewAssignment[]): Promise<boolean | typeof LOST> {
    const room = MAX_TRANSACTION_OPERATIONS - COUNT_OPERATIONS - rows.length;
    if (room < 0) return false;
    const state = await this.partitions.get(pk);
    // The transaction rewrites the marker under the ETag it had before the old set was read (or creates
    // it, where there is none): of two replacements that read the same set, only one can commit, even
    // when that set was empty and they share no row, and each instance counts in a slot of its own.
    const seen = { ...state.marker };
    const old = await this.table.page<object>(odata`PartitionKey eq ${pk} and gen eq ${seen.current}`, {
      top: room + 1,
      select: ['RowKey'],
    });
    if (old.items.length > room || old.continuation !== undefined) return false;
    const { slot, release } = await state.acquire(this.partitions.preference);
    try {
      // Another replacement of this instance committed since the read: read again.
      if (state.marker.etag !== seen.etag) return LOST;
      const delta = rows.length - old.items.length;
      const ops: TableAction[] = [
        ...old.items.map((o): TableAction => ['delete', { partitionKey: pk, rowKey: o.rowKey }]),
        ...rows.map((r): TableAction => ['create', toEntity(pk, r, seen.current)]),
        ...state.countOps(slot, delta),
      ];
      const markerAt = ops.length;
      if (seen.etag !== undefined) ops.push(['update', markerEntity(pk, seen), 'Replace', { etag: seen.etag }]);
      let response: TransactionResult;
      try {
        response = await this.table.transaction(ops);
      } catch (err) {
        if (!isLostRace(err)) throw err;
        this.partitions.forget(pk);
        // The SDK retried a transaction whose response was lost, and the first try had committed: the
        // new rows (fresh ids) are there, and transactions are all or nothing.
        if (rows.length > 0 && (await this.table.find<object>(pk, rows[0]!.id)) !== undefined) return true;
        // An old row went, or the counter moved, or a larger replacement committed: read again.
        return LOST;
      }
      state.counted(slot, delta, response, old.items.length + rows.length);
      if (seen.etag !== undefined) state.marker.etag = etagAt(response, markerAt);
      return true;
    } finally {
      release();
    }
  }

  async #replaceByGeneration(pk: string, rows: NewAssignment[]): Promise<void> {
    const gen = newGeneration();
    await this.#changeMarker(pk, (m) => (m.pending.includes(gen) ? undefined : { ...m, pending: [...m.pending, gen] }));
    const tasks = [];
    for (let i = 0; i < rows.length; i += MAX_TRANSACTION_OPERATIONS) {
      const batch = rows.slice(i, i + MAX_TRANSACTION_OPERATIONS).map((r): TableAction => ['create', toEntity(pk, r, gen)]);
      tasks.push(async () => {
        try {
          await this.table.transaction(batch);
        } catch (err) {
          // Fresh ids in a fresh generation: if one exists, this transaction was applied (a retry by the
          // SDK of one whose response was lost), and transactions are all or nothing.
          if (storageErrorCode(err) !== 'EntityAlreadyExists') throw err;
        }
      });
    }
    await inParallel(tasks, PARALLEL_TRANSACTIONS);
    const retired = await this.table.untilWon(() => this.#commit(pk, gen, rows.length));
    // Committed. A GET reads an assignment's row alone, so the replaced rows go before the answer; if
    // storage fails now, the sweep goes on after it (and the assign action has taken effect all the same).
    try {
      await this.#remove(pk, retired);
    } catch {
      this.later(() => this.sweep(pk));
      return;
    }
    this.later(() => this.#forgetRemoved(pk, retired));
  }

  /** Makes `gen` current: the marker and every counter slot in one transaction. Returns the generations it retired. */
  async #commit(pk: string, gen: string, size: number): Promise<string[] | typeof LOST> {
    const state = await this.partitions.load(pk);
    const m = state.marker;
    // Committed already: a retry by the SDK of a commit whose response was lost.
    if (m.current === gen) return m.retired;
    // Swept as abandoned, or too old to be sure it will not be: the caller retries from the start.
    if (!m.pending.includes(gen) || Date.now() - generationTime(gen) > COMMIT_WITHIN_MS) throw new StorageUnavailable(1);
    const next: Marker = { current: gen, base: size, pending: m.pending.filter((g) => g !== gen), retired: [...m.retired, m.current] };
    return (await this.#makeCurrent(state, next)) ? next.retired : LOST;
  }

  /**
   * Makes an empty generation current (a reset of the partition): every reader sees an empty set at
   * once, and every write that had not committed before is fenced out; everything else is retired, for
   * the caller or the sweep to remove. Returns the new generation.
   */
  async fence(pk: string): Promise<string> {
    return this.table.untilWon(async () => {
      const state = await this.partitions.load(pk);
      const m = state.marker;
      const gen = newGeneration();
      const retired = [...new Set([...m.retired, ...m.pending, m.current])];
      return (await this.#makeCurrent(state, { current: gen, base: 0, pending: [], retired })) ? gen : LOST;
    });
  }

  /** The commit point: the marker and all 64 slots, under the ETags last read, in one transaction. */
  async #makeCurrent(state: PartitionState, next: Marker): Promise<boolean> {
    const pk = state.partitionKey;
    const ops: TableAction[] = [
      state.marker.etag === undefined
        ? ['create', markerEntity(pk, next)]
        : ['update', markerEntity(pk, next), 'Replace', { etag: state.marker.etag }],
      ...state.slots.map((s): TableAction => {
        const entity = { partitionKey: pk, rowKey: s.rowKey, counted: next.current, n: 0 };
        return s.etag !== undefined ? ['update', entity, 'Replace', { etag: s.etag }] : ['create', entity];
      }),
    ];
    let response: TransactionResult;
    try {
      response = await this.table.transaction(ops);
    } catch (err) {
      if (!isLostRace(err)) throw err;
      this.partitions.forget(pk);
      return false;
    }
    this.#rememberCommit(state, next, response);
    return true;
  }

  #rememberCommit(state: PartitionState, marker: Marker, response: TransactionResult): void {
    state.marker = { ...marker, etag: etagAt(response, 0) };
    state.seenAt = Date.now();
    state.slots.forEach((s, i) => {
      s.counted = marker.current;
      s.n = 0;
      s.etag = etagAt(response, i + 1);
    });
  }

  /** Writes the marker `change` makes of the current one, under its ETag; read again and re-applied on a lost race. */
  async #changeMarker(pk: string, change: (m: Marker) => Marker | undefined): Promise<void> {
    await this.table.untilWon(async () => {
      const state = await this.partitions.load(pk);
      const next = change(state.marker);
      if (!next) return true;
      const entity = markerEntity(pk, next);
      try {
        const written = await (state.marker.etag === undefined ? this.table.insert(entity) : this.table.replace(entity, state.marker.etag));
        state.marker = { ...next, etag: written.etag };
        return true;
      } catch (err) {
        if (!isLostRace(err)) throw err;
        this.partitions.forget(pk);
        return LOST;
      }
    });
  }

  /** Deletes every row of the generations given, page by page. */
  async #remove(pk: string, generations: readonly string[]): Promise<void> {
    for (const gen of generations) {
      for (;;) {
        const page = await this.table.page<object>(odata`PartitionKey eq ${pk} and gen eq ${gen}`, { top: 1000, select: ['RowKey'] });
        if (page.items.length === 0) break;
        await this.table.deleteAll(
          page.items.map((r) => ({ partitionKey: pk, rowKey: r.rowKey })),
          PARALLEL_TRANSACTIONS,
        );
      }
    }
  }

  async #forgetRemoved(pk: string, removed: readonly string[]): Promise<void> {
    await this.#changeMarker(pk, (m) =>
      removed.some((g) => m.retired.includes(g) || m.pending.includes(g))
        ? { ...m, retired: m.retired.filter((g) => !removed.includes(g)), pending: m.pending.filter((g) => !removed.includes(g)) }
        : undefined,
    );
  }

  /**
   * Removes what is left: rows of retired generations, of generations pending so long that their assign
   * action died, and tombstones; then takes the emptied generations out of the marker.
   */
  async sweep(pk: string): Promise<void> {
    const { marker } = await this.partitions.load(pk);
    const doomed = [...marker.retired, ...marker.pending.filter((g) => Date.now() - generationTime(g) > ABANDONED_AFTER_MS)];
    await this.#remove(pk, [...doomed, TOMBSTONE]);
    if (doomed.length > 0) await this.#forgetRemoved(pk, doomed);
  }
}
