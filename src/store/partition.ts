import { randomBytes } from 'node:crypto';
import { isReservedKey } from './keys';
import { etagAt, MAX_TRANSACTION_OPERATIONS, type Table, odata, type TableAction, type TransactionResult } from './table';

/**
 * A configuration's partition keeps, besides its assignments, the rows that make each operation one
 * round trip (docs/consistency.md):
 *
 * - `~m`, the marker: the set's current generation, the set's size when that generation became current,
 *   the generations assign actions are writing (`pending`) and those replaced and not yet removed (`retired`);
 * - `~n00`..`~n3f`, 64 counter slots: each how the set's size changed since the generation it names became
 *   current. An instance writes a slot under the ETag it last saw, kept from the sub-responses of its own
 *   transactions, so a create is one transaction: the row, the slot, and its idempotency record.
 *
 * The slots are also the fence that keeps a create from landing in a replaced set without reading the
 * marker: every transaction that makes another generation current (an assign action's commit, a reset)
 * rewrites all 64 slots with the marker, creating those that do not exist yet. So a write whose slot ETag
 * still holds knows the generation it read is still current; and a slot that does not exist means no
 * generation but the first was ever made current, which a write that creates the slot then cannot miss.
 */

export const MARKER_ROW_KEY = '~m';
export const SLOT_PREFIX = '~n';
export const SLOTS = 64;
/** A partition without a marker has never had a set replaced by a large assign: its rows are in this generation. */
export const FIRST_GENERATION = 'g0';
/** The generation of a row deleted under an If-Match and not yet removed: never current. */
export const TOMBSTONE = 'x';

export type MarkerEntity = {
  partitionKey: string;
  rowKey: string;
  current: string;
  base: number;
  /** JSON arrays of generations. */
  pending: string;
  retired: string;
  etag?: string;
};

type SlotEntity = { partitionKey: string; rowKey: string; counted: string; n: number; etag?: string };

export interface Marker {
  current: string;
  base: number;
  pending: string[];
  retired: string[];
  /** undefined: there is no marker row. */
  etag?: string;
}

export interface Slot {
  rowKey: string;
  /** undefined: this instance believes the row does not exist. */
  etag?: string;
  counted: string;
  n: number;
}

const jsonList = (text: string | undefined): string[] => {
  try {
    const v: unknown = JSON.parse(text ?? '[]');
    return Array.isArray(v) ? v.filter((g): g is string => typeof g === 'string') : [];
  } catch {
    return [];
  }
};

export function markerOf(e: MarkerEntity | undefined): Marker {
  if (!e) return { current: FIRST_GENERATION, base: 0, pending: [], retired: [] };
  return { current: e.current, base: Number(e.base) || 0, pending: jsonList(e.pending), retired: jsonList(e.retired), etag: e.etag };
}

export function markerEntity(partitionKey: string, m: Marker): MarkerEntity {
  return {
    partitionKey,
    rowKey: MARKER_ROW_KEY,
    current: m.current,
    base: m.base,
    pending: JSON.stringify(m.pending),
    retired: JSON.stringify(m.retired),
  };
}

/** Generation ids start with the time they were made (base 36), so their age and order can be told. */
export function newGeneration(now = Date.now()): string {
  return `${now.toString(36).padStart(9, '0')}.${randomBytes(6).toString('hex')}`;
}
export function generationTime(gen: string): number {
  if (gen === FIRST_GENERATION) return 0;
  const made = parseInt(gen.split('.')[0] ?? '', 36);
  return Number.isFinite(made) ? made : 0;
}

export const slotKey = (i: number): string => `${SLOT_PREFIX}${i.toString(16).padStart(2, '0')}`;

/** The marker and every slot: one query of at most 65 rows, whatever the set's size. */
export const bookkeepingFilter = (partitionKey: string): string =>
  odata`PartitionKey eq ${partitionKey} and RowKey ge ${MARKER_ROW_KEY} and RowKey lt ${'~o'}`;

/** What this instance knows of one partition's bookkeeping. */
export class PartitionState {
  readonly slots: Slot[];
  /** When storage last told this instance the marker (a read, or the answer to its own commit). */
  seenAt = Date.now();
  readonly #busy = new Set<number>();
  readonly #waiting: Array<() => void> = [];

  constructor(
    readonly partitionKey: string,
    public marker: Marker,
    slots: Map<string, Slot>,
  ) {
    this.slots = Array.from({ length: SLOTS }, (_, i) => slots.get(slotKey(i)) ?? { rowKey: slotKey(i), counted: marker.current, n: 0 });
  }

  /** The set's size: the base plus what the slots counting for the current generation add. */
  get count(): number {
    return this.slots.reduce((total, s) => total + (s.etag !== undefined && s.counted === this.marker.current ? s.n : 0), this.marker.base);
  }

  /**
   * A slot no other write of this instance is using, in this instance's own order of preference (so
   * instances rarely write the same slot); waits when every slot is in use.
   */
  async acquire(preference: readonly number[]): Promise<{ slot: Slot; release: () => void }> {
    for (;;) {
      const index = preference.find((i) => !this.#busy.has(i));
      if (index !== undefined) {
        this.#busy.add(index);
        return { slot: this.slots[index]!, release: () => this.#release(index) };
      }
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
  }

  #release(index: number): void {
    this.#busy.delete(index);
    this.#waiting.shift()?.();
  }

  /**
   * The operations that count `delta` in `slot` for the current generation and fence the write: the slot
   * under its ETag, or its creation where this instance believes it missing; and the marker's creation
   * for a partition that has none.
   */
  countOps(slot: Slot, delta: number): TableAction[] {
    const current = this.marker.current;
    const n = (slot.etag !== undefined && slot.counted === current ? slot.n : 0) + delta;
    const entity: SlotEntity = { partitionKey: this.partitionKey, rowKey: slot.rowKey, counted: current, n };
    const ops: TableAction[] = [slot.etag !== undefined ? ['update', entity, 'Replace', { etag: slot.etag }] : ['create', entity]];
    if (this.marker.etag === undefined) ops.push(['create', markerEntity(this.partitionKey, this.marker)]);
    return ops;
  }

  /**
   * After a transaction that carried `countOps(slot, delta)` from operation `at` on committed: the count
   * it wrote and the ETags storage gave the slot (and the marker).
   */
  counted(slot: Slot, delta: number, response: TransactionResult, at: number): void {
    const current = this.marker.current;
    const wroteMarker = this.marker.etag === undefined;
    slot.n = (slot.etag !== undefined && slot.counted === current ? slot.n : 0) + delta;
    slot.counted = current;
    slot.etag = etagAt(response, at);
    if (wroteMarker) this.marker.etag = etagAt(response, at + 1);
  }
}

/** The most partitions an instance keeps bookkeeping for: the rest is read again when next written. */
const MAX_CACHED_PARTITIONS = 10_000;

export interface LegacyRow {
  rowKey: string;
  gen?: string;
}

/**
 * The bookkeeping of the partitions this instance writes, read once and then kept current from its
 * own transactions' sub-responses. Anything stale is found out by storage (an ETag that no longer holds)
 * and costs one reload; nothing here is trusted without such a check.
 */
export class PartitionCache {
  readonly #states = new Map<string, PartitionState>();
  readonly #loading = new Map<string, Promise<PartitionState>>();
  /** This instance's order of preference among the slots. */
  readonly preference: readonly number[];

  constructor(
    private readonly table: Table,
    private readonly adopt: (partitionKey: string) => Promise<void>,
    /** Told of every marker read, so that leftovers of replaced sets are swept soon. */
    private readonly noticed: (partitionKey: string, marker: Marker) => void = () => undefined,
  ) {
    const order = Array.from({ length: SLOTS }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = randomBytes(1)[0]! % (i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    this.preference = order;
  }

  peek(partitionKey: string): PartitionState | undefined {
    return this.#states.get(partitionKey);
  }

  /**
   * The partition's bookkeeping as this instance saw it within `maxAgeMs`, else read afresh. For reads
   * that only need to know which generations are no longer current.
   */
  recent(partitionKey: string, maxAgeMs: number): Promise<PartitionState> {
    const known = this.#states.get(partitionKey);
    return known && Date.now() - known.seenAt <= maxAgeMs ? Promise.resolve(known) : this.load(partitionKey);
  }

  /** The partition's bookkeeping: as this instance knows it, or read (one round trip) if it knows none. */
  async get(partitionKey: string): Promise<PartitionState> {
    return this.#states.get(partitionKey) ?? this.load(partitionKey);
  }

  /** Reads the partition's bookkeeping afresh (one round trip; two for a partition without a marker). */
  load(partitionKey: string): Promise<PartitionState> {
    let loading = this.#loading.get(partitionKey);
    if (!loading) {
      loading = this.#read(partitionKey).finally(() => this.#loading.delete(partitionKey));
      this.#loading.set(partitionKey, loading);
    }
    return loading;
  }

  forget(partitionKey?: string): void {
    if (partitionKey === undefined) this.#states.clear();
    else this.#states.delete(partitionKey);
  }

  /** Keeps what a query of the marker and slots returned (a $count reads exactly that). */
  remember(
    partitionKey: string,
    rows: ReadonlyArray<{ rowKey: string; etag: string } & Record<string, unknown>>,
  ): PartitionState | undefined {
    const marker = rows.find((r) => r.rowKey === MARKER_ROW_KEY) as (MarkerEntity & { etag: string }) | undefined;
    if (!marker) return undefined;
    const m = markerOf(marker);
    const slots = new Map<string, Slot>();
    for (const r of rows) {
      if (!r.rowKey.startsWith(SLOT_PREFIX)) continue;
      const s = r as unknown as SlotEntity & { etag: string };
      // Read in the middle of an assign action's commit: the slot is newer than the marker. Not kept.
      if (generationTime(s.counted) > generationTime(m.current)) return undefined;
      slots.set(s.rowKey, { rowKey: s.rowKey, etag: s.etag, counted: s.counted, n: Number(s.n) || 0 });
    }
    this.noticed(partitionKey, m);
    const state = new PartitionState(partitionKey, m, slots);
    if (this.#states.size >= MAX_CACHED_PARTITIONS) this.#states.delete(this.#states.keys().next().value!);
    this.#states.set(partitionKey, state);
    return state;
  }

  async #read(partitionKey: string): Promise<PartitionState> {
    for (let attempt = 0; ; attempt++) {
      const probe = !this.#states.has(partitionKey) && attempt === 0;
      const [rows, legacy] = await Promise.all([
        this.table.page<Record<string, unknown>>(bookkeepingFilter(partitionKey), { top: 1000 }),
        // Only matters when there is no marker: rows of a release that kept none.
        probe ? this.firstRow(partitionKey) : Promise.resolve(undefined),
      ]);
      const state = this.remember(partitionKey, rows.items);
      if (state) return state;
      const hasMarker = rows.items.some((r) => r.rowKey === MARKER_ROW_KEY);
      if (hasMarker) {
        if (attempt < 3) continue; // torn read during a commit: read again
        throw new Error(`The bookkeeping of partition ${partitionKey} kept changing while it was read.`);
      }
      const first = probe ? legacy : await this.firstRow(partitionKey);
      if (first !== undefined && !isReservedKey(first.rowKey)) {
        await this.adopt(partitionKey);
        continue;
      }
      // A partition that has never been written: a marker is created by its first write.
      const state2 = new PartitionState(partitionKey, markerOf(undefined), new Map());
      this.#states.set(partitionKey, state2);
      return state2;
    }
  }

  /** Any assignment row of the partition, if there is one. */
  async firstRow(partitionKey: string): Promise<LegacyRow | undefined> {
    const page = await this.table.page<{ gen?: string }>(odata`PartitionKey eq ${partitionKey} and RowKey lt ${'~'}`, {
      top: 1,
      select: ['RowKey', 'gen'],
    });
    const row = page.items[0];
    return row && { rowKey: row.rowKey, gen: row.gen };
  }
}

/** How many operations besides rows a counted transaction may need (a slot, the marker's creation). */
export const COUNT_OPERATIONS = 2;
/** The most rows one counted transaction can carry. */
export const MAX_ROWS_PER_COUNTED_TRANSACTION = MAX_TRANSACTION_OPERATIONS - COUNT_OPERATIONS;
