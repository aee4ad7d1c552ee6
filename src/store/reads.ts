import { CountTooExpensive, InvalidContinuation } from './errors';
import type { Scope, Tenancy } from './keys';
import {
  bookkeepingFilter,
  FIRST_GENERATION,
  MARKER_ROW_KEY,
  markerOf,
  type MarkerEntity,
  type PartitionCache,
  type PartitionState,
} from './partition';
import { fromEntity, hasFilter, type AssignmentEntity, type AssignmentFilter, type StoredAssignment } from './rows';
import { partitionRange, storageStatus, type Table, odata } from './table';

/**
 * Reading a configuration's current set: a page of it and its size, each one wait whatever the set's
 * size (docs/consistency.md).
 */

/** $count with $filter scans; beyond this many assignments it is refused up front. */
export const MAX_FILTERED_COUNT = 10_000;

export interface ListPage {
  items: StoredAssignment[];
  /** The table's opaque continuation token for the next page; undefined on the last page. */
  continuation?: string;
}

export function setFilter(partitionKey: string, gen: string, filter: AssignmentFilter): string {
  // Every value goes through the odata tagged template, which quotes and escapes it.
  const clauses = [odata`PartitionKey eq ${partitionKey}`, odata`gen eq ${gen}`];
  if (filter.source !== undefined) clauses.push(odata`source eq ${filter.source}`);
  if (filter.sourceId !== undefined) clauses.push(odata`sourceId eq ${filter.sourceId}`);
  if (filter.groupId !== undefined) clauses.push(odata`targetGroupId eq ${filter.groupId}`);
  return clauses.join(' and ');
}

/**
 * The configurations that hold assignments, or did (a reset leaves a partition's marker), of one tenant
 * or of every tenant: one query of the markers, for the admin page. A partition an earlier release
 * wrote (no marker yet) is not among them until a request reads or writes it.
 */
export async function configurationScopes(table: Table, tenancy: Tenancy, tenantId?: string): Promise<Scope[]> {
  const ranges = tenantId === undefined ? [undefined] : tenancy.rangesOf(tenantId).map((r) => partitionRange(r.from, r.to));
  const scopes: Scope[] = [];
  for (const range of ranges) {
    const marker = odata`RowKey eq ${MARKER_ROW_KEY}`;
    const rows = await table.all<object>(range === undefined ? marker : `${range} and ${marker}`, ['PartitionKey']);
    scopes.push(...rows.map((r) => tenancy.scopeOf(r.partitionKey)));
  }
  return scopes;
}

export class AssignmentReads {
  constructor(
    private readonly table: Table,
    private readonly partitions: PartitionCache,
    private readonly tenancy: Tenancy,
  ) {}

  /**
   * One page of the current set: the query (on the generation this instance believes current, the first
   * one for a partition it does not know) and a point read of the marker, at once; with `count`, the
   * query of the marker and counter slots instead of the point read. Only when the marker names another
   * generation is the page read again. A partition this instance does not know is also probed for rows
   * of a release that kept no marker, in the same wait.
   */
  async list(
    pk: string,
    options: { top: number; continuation?: string; filter: AssignmentFilter; count?: boolean },
  ): Promise<ListPage & { count?: number }> {
    const guess = this.partitions.peek(pk)?.marker.current ?? FIRST_GENERATION;
    if (options.count) {
      const [bookkeeping, page] = await Promise.all([this.#bookkeeping(pk), this.#page(pk, guess, options)]);
      const current = bookkeeping.state?.marker.current ?? FIRST_GENERATION;
      const [count, again] = await Promise.all([
        this.#counted(pk, bookkeeping.state, options.filter),
        bookkeeping.adopted || current !== guess ? this.#page(pk, current, options) : page,
      ]);
      return { ...again, count };
    }
    const known = this.partitions.peek(pk) !== undefined;
    const [marker, page, first] = await Promise.all([
      this.table.find<MarkerEntity>(pk, MARKER_ROW_KEY),
      this.#page(pk, guess, options),
      known ? undefined : this.partitions.firstRow(pk),
    ]);
    if (!marker) {
      // A partition never written, or one an earlier release wrote: its rows join the first generation.
      if (first === undefined || first.gen !== undefined) return page;
      await this.partitions.load(pk);
      return this.#page(pk, FIRST_GENERATION, options);
    }
    const current = markerOf(marker).current;
    return current === guess ? page : this.#page(pk, current, options);
  }

  async #page(pk: string, gen: string, options: { top: number; continuation?: string; filter: AssignmentFilter }): Promise<ListPage> {
    const configurationId = this.tenancy.scopeOf(pk).configurationId;
    let continuation = options.continuation;
    for (let attempt = 0; ; attempt++) {
      let page;
      try {
        page = await this.table.page<AssignmentEntity>(setFilter(pk, gen, options.filter), { top: options.top, continuation });
      } catch (err) {
        // A continuation token that storage refuses came from a tampered $skiptoken.
        if (continuation !== undefined && storageStatus(err) === 400) throw new InvalidContinuation('The $skiptoken is not valid.');
        throw err;
      }
      if (page.items.length > 0 || page.continuation === undefined || attempt >= 4) {
        return { items: page.items.map((e) => fromEntity(configurationId, e)), continuation: page.continuation };
      }
      continuation = page.continuation;
    }
  }

  /**
   * How many assignments match. Without a filter: the marker's base plus the counter slots, one query of
   * at most 65 rows whatever the set's size. With one: a key-only scan, page by page, refused up front
   * beyond MAX_FILTERED_COUNT.
   */
  async count(pk: string, filter: AssignmentFilter): Promise<number> {
    return this.#counted(pk, (await this.#bookkeeping(pk)).state, filter);
  }

  /**
   * The partition's marker and counter slots, read afresh in one query (a partition this instance does
   * not know is probed for rows of an earlier release at the same time). `state` is undefined for a
   * partition never written; `adopted` says rows of an earlier release were just given a generation.
   */
  async #bookkeeping(pk: string): Promise<{ state?: PartitionState; adopted: boolean }> {
    const known = this.partitions.peek(pk) !== undefined;
    const [rows, first] = await Promise.all([
      this.table.page<Record<string, unknown>>(bookkeepingFilter(pk), { top: 1000 }),
      known ? undefined : this.partitions.firstRow(pk),
    ]);
    const state = this.partitions.remember(pk, rows.items);
    if (state) return { state, adopted: false };
    if (rows.items.some((r) => r.rowKey === MARKER_ROW_KEY) || known) return { state: await this.partitions.load(pk), adopted: false };
    if (first === undefined) return { adopted: false };
    return { state: await this.partitions.load(pk), adopted: first.gen === undefined };
  }

  async #counted(pk: string, state: PartitionState | undefined, filter: AssignmentFilter): Promise<number> {
    const total = state?.count ?? 0;
    if (!hasFilter(filter)) return total;
    if (total > MAX_FILTERED_COUNT) throw new CountTooExpensive(total, MAX_FILTERED_COUNT);
    let n = 0;
    let continuation: string | undefined;
    do {
      const page = await this.table.page<object>(setFilter(pk, state?.marker.current ?? FIRST_GENERATION, filter), {
        top: 1000,
        continuation,
        select: ['RowKey'],
      });
      n += page.items.length;
      continuation = page.continuation;
    } while (continuation !== undefined);
    return n;
  }
}
