import { createHash } from 'node:crypto';
import { odata, type TableTransactionResponse, type TransactionAction } from '@azure/data-tables';
import { v4 as uuidv4, v5 as uuidv5 } from 'uuid';
import { CountTooExpensive, IdempotencyConflict, InvalidContinuation, NotStored, VersionMismatch } from './errors';
import { isReservedKey, Tenancy, type Scope } from './keys';
import {
  bookkeepingFilter,
  FIRST_GENERATION,
  MARKER_ROW_KEY,
  markerOf,
  MAX_ROWS_PER_COUNTED_TRANSACTION,
  PartitionCache,
  SLOT_PREFIX,
  TOMBSTONE,
  type MarkerEntity,
  type PartitionState,
} from './partition';
import { Replacer } from './replace';
import {
  fromEntity,
  hasFilter,
  holdsSameWrite,
  toEntity,
  type AssignmentEntity,
  type AssignmentFilter,
  type NewAssignment,
  type StoredAssignment,
} from './rows';
import { etagAt, failedOperation, isLostRace, LOST, partitionRange, storageStatus, type Lost, type Table } from './table';

/**
 * Assignments in Table Storage, each operation in the fewest sequential round trips Table Storage's
 * guarantees allow (docs/consistency.md has the table): a create is one transaction; a GET one point
 * read; a list page one query (with the marker read beside it); PATCH and DELETE a read and a write.
 */

/** How long a create's client-request-id is remembered. */
export const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60_000;
/** $count with $filter scans; beyond this many assignments it is refused up front. */
export const MAX_FILTERED_COUNT = 10_000;
const RECORD_PREFIX = '~r';
/** Namespace of the ids of creates that carry a client-request-id (RFC 4122 v5). */
const IDEMPOTENT_ID_NAMESPACE = '8f0c5a52-6c1e-4f55-9a52-3f7e2d1c0b9a';

/** A create that carries a client-request-id: retries of it answer what the first attempt stored. */
export interface Idempotency {
  clientRequestId: string;
  /** Identifies the request's content: the same id with another fingerprint is a conflict. */
  fingerprint: string;
}

type RecordEntity = {
  partitionKey: string;
  rowKey: string;
  fingerprint: string;
  /** The assignment the first attempt stored, as JSON, to answer retries with. */
  assignment: string;
  expiresOn: Date;
  /** How many times the client-request-id's record expired and was used again. */
  serial?: number;
  etag?: string;
};

export interface ListPage {
  items: StoredAssignment[];
  /** The table's opaque continuation token for the next page; undefined on the last page. */
  continuation?: string;
}

export type AssignmentInput = Omit<NewAssignment, 'id'> & { id?: string };

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

function setFilter(partitionKey: string, gen: string, filter: AssignmentFilter): string {
  // Every value goes through the odata tagged template, which quotes and escapes it.
  const clauses = [odata`PartitionKey eq ${partitionKey}`, odata`gen eq ${gen}`];
  if (filter.source !== undefined) clauses.push(odata`source eq ${filter.source}`);
  if (filter.sourceId !== undefined) clauses.push(odata`sourceId eq ${filter.sourceId}`);
  if (filter.groupId !== undefined) clauses.push(odata`targetGroupId eq ${filter.groupId}`);
  return clauses.join(' and ');
}

export class AssignmentStore {
  readonly partitions: PartitionCache;
  readonly #replacer: Replacer;

  constructor(
    readonly table: Table,
    readonly tenancy: Tenancy = new Tenancy(),
  ) {
    this.partitions = new PartitionCache(
      table,
      (pk) => this.#adopt(pk),
      (pk, marker) => this.#replacer.sweepSoon(pk, marker),
    );
    this.#replacer = new Replacer(table, this.partitions);
  }

  #partition(scope: Scope): string {
    return this.tenancy.partitionOf(scope);
  }

  /**
   * Stores a new assignment and counts it, in one transaction: the row, the instance's counter slot
   * under its ETag, and with `idempotency` a record of the client-request-id. The record's key and the
   * assignment's id both follow from the client-request-id, so of two attempts of one request exactly one
   * stores anything, and the other finds both in one more round trip and answers what the first stored.
   */
  async create(scope: Scope, input: AssignmentInput, idempotency?: Idempotency): Promise<StoredAssignment> {
    const pk = this.#partition(scope);
    const recordKey = idempotency && `${RECORD_PREFIX}${sha256(idempotency.clientRequestId)}`;
    let expired: (RecordEntity & { etag: string }) | undefined;
    return this.table.untilWon(async () => {
      const serial = expired ? (Number(expired.serial) || 0) + 1 : 0;
      const id = input.id ?? (idempotency ? uuidv5(`${pk}\n${idempotency.clientRequestId}\n${serial}`, IDEMPOTENT_ID_NAMESPACE) : uuidv4());
      const a: NewAssignment = { ...input, id };
      const state = await this.partitions.get(pk);
      const { slot, release } = await state.acquire(this.partitions.preference);
      try {
        const entity = toEntity(pk, a, state.marker.current);
        const ops: TransactionAction[] = [['create', entity]];
        if (recordKey && idempotency) {
          const record: RecordEntity = {
            partitionKey: pk,
            rowKey: recordKey,
            fingerprint: idempotency.fingerprint,
            assignment: JSON.stringify(a),
            expiresOn: new Date(Date.now() + IDEMPOTENCY_RETENTION_MS),
            serial,
          };
          ops.push(expired ? ['update', record, 'Replace', { etag: expired.etag }] : ['create', record]);
        }
        const rowsEnd = ops.length;
        ops.push(...state.countOps(slot, +1));
        let response: TableTransactionResponse;
        try {
          response = await this.table.transaction(ops);
        } catch (err) {
          if (!isLostRace(err)) throw err;
          const index = failedOperation(err);
          if (index === undefined || index >= rowsEnd) {
            this.partitions.forget(pk);
            return LOST;
          }
          // The row or the record exists: an earlier attempt of this request, or a record that expired.
          const settled = await this.#afterConflict(scope, pk, entity, recordKey, idempotency);
          if (settled === 'expired') {
            expired = await this.table.find<RecordEntity>(pk, recordKey!);
            return LOST;
          }
          return settled;
        }
        state.counted(slot, +1, response, rowsEnd);
        return { ...a, etag: etagAt(response, 0) ?? '' };
      } finally {
        release();
      }
    });
  }

  /** A create whose row or record already existed: what to answer (or LOST to try again). */
  async #afterConflict(
    scope: Scope,
    pk: string,
    entity: AssignmentEntity,
    recordKey: string | undefined,
    idempotency: Idempotency | undefined,
  ): Promise<StoredAssignment | Lost | 'expired'> {
    const [record, row] = await Promise.all([
      recordKey ? this.table.find<RecordEntity>(pk, recordKey) : Promise.resolve(undefined),
      this.table.find<AssignmentEntity>(pk, entity.rowKey),
    ]);
    if (!recordKey) {
      // The SDK retried a transaction whose response was lost: the row holding exactly this write is this write.
      return row && holdsSameWrite(row, entity) ? fromEntity(scope.configurationId, row) : LOST;
    }
    // This request's row (its id follows from the client-request-id) whose record a reset removed.
    if (!record) return row && row.gen !== TOMBSTONE ? fromEntity(scope.configurationId, row) : LOST;
    if (new Date(record.expiresOn).getTime() <= Date.now()) return 'expired';
    if (record.fingerprint !== idempotency!.fingerprint) throw new IdempotencyConflict('client-request-id used with another body');
    const first = JSON.parse(record.assignment) as NewAssignment;
    // The assignment as it is now, or as first stored if it has been deleted since.
    const now = first.id === row?.rowKey && row.gen !== TOMBSTONE ? fromEntity(scope.configurationId, row) : undefined;
    return now ?? { ...first, configurationId: scope.configurationId, etag: record.etag };
  }

  /** One point read. */
  async get(scope: Scope, id: string): Promise<StoredAssignment | undefined> {
    if (isReservedKey(id)) return undefined;
    const row = await this.table.find<AssignmentEntity>(this.#partition(scope), id);
    return row && row.gen !== TOMBSTONE ? fromEntity(scope.configurationId, row) : undefined;
  }

  /**
   * One page of the current set: the query (on the generation this instance believes current, the first
   * one for a partition it does not know) and a point read of the marker, at once; with `count`, the
   * query of the marker and counter slots instead of the point read. Only when the marker names another
   * generation is the page read again. A partition this instance does not know is also probed for rows
   * of a release that kept no marker, in the same wait.
   */
  async list(
    scope: Scope,
    options: { top: number; continuation?: string; filter: AssignmentFilter; count?: boolean },
  ): Promise<ListPage & { count?: number }> {
    const pk = this.#partition(scope);
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
  async count(scope: Scope, filter: AssignmentFilter): Promise<number> {
    const pk = this.#partition(scope);
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

  /**
   * Read-modify-write under the row's ETag, so concurrent updates never lose each other's changes. With
   * If-Match the client's ETag is the condition (a mismatch is VersionMismatch). Without it, or with `*`,
   * a concurrent write is not the caller's failure: the change is read again and re-applied.
   */
  async update(
    scope: Scope,
    id: string,
    change: (current: StoredAssignment) => StoredAssignment,
    ifMatch?: string,
  ): Promise<StoredAssignment> {
    const pk = this.#partition(scope);
    const conditional = ifMatch !== undefined && ifMatch !== '*';
    return this.table.untilWon(async () => {
      const row = isReservedKey(id) ? undefined : await this.table.find<AssignmentEntity>(pk, id);
      if (!row || row.gen === TOMBSTONE) throw new NotStored(`No assignment '${id}'.`);
      if (conditional && ifMatch !== row.etag) throw new VersionMismatch('If-Match does not name the stored version.');
      const next = change(fromEntity(scope.configurationId, row));
      try {
        const response = await this.table.run((abortSignal) =>
          this.table.client.updateEntity(toEntity(pk, next, row.gen), 'Replace', { etag: row.etag, abortSignal }),
        );
        return { ...next, etag: response.etag ?? '' };
      } catch (err) {
        if (!isLostRace(err)) throw err;
        if (conditional) throw new VersionMismatch('If-Match does not name the stored version.');
        return LOST;
      }
    });
  }

  /**
   * Removes one assignment of the current set and counts it gone, in one transaction after the read:
   * the row (replaced under its ETag by a tombstone when If-Match is given, since a transaction's delete
   * takes no ETag) and the counter slot. False when there was none. A tombstone is removed afterwards.
   */
  async delete(scope: Scope, id: string, ifMatch?: string): Promise<boolean> {
    if (isReservedKey(id)) return false;
    const pk = this.#partition(scope);
    const conditional = ifMatch !== undefined && ifMatch !== '*';
    return this.table.untilWon(async () => {
      const [row, state] = await Promise.all([this.table.find<AssignmentEntity>(pk, id), this.partitions.get(pk)]);
      if (!row || row.gen === TOMBSTONE) return false;
      if (conditional && ifMatch !== row.etag) throw new VersionMismatch('If-Match does not name the stored version.');
      if ((row.gen ?? FIRST_GENERATION) !== state.marker.current) {
        // Of a set an assign action replaced (and is removing), or this instance's view is old: read again.
        const fresh = await this.partitions.load(pk);
        if ((row.gen ?? FIRST_GENERATION) !== fresh.marker.current) return false;
        return LOST;
      }
      const { slot, release } = await state.acquire(this.partitions.preference);
      try {
        const rowOp: TransactionAction = conditional
          ? ['update', { partitionKey: pk, rowKey: id, gen: TOMBSTONE }, 'Replace', { etag: row.etag }]
          : ['delete', { partitionKey: pk, rowKey: id }];
        let response: TableTransactionResponse;
        try {
          response = await this.table.transaction([rowOp, ...state.countOps(slot, -1)]);
        } catch (err) {
          if (!isLostRace(err)) throw err;
          if (failedOperation(err) !== 0) {
            this.partitions.forget(pk);
            return LOST;
          }
          // The row changed or went: gone is a 404; changed under an If-Match is a mismatch.
          const again = await this.table.find<AssignmentEntity>(pk, id);
          if (!again || again.gen === TOMBSTONE) return false;
          if (conditional) throw new VersionMismatch('If-Match does not name the stored version.');
          return LOST;
        }
        state.counted(slot, -1, response, 1);
        if (conditional) this.#replacer.later(() => this.table.deleteAll([{ partitionKey: pk, rowKey: id }]));
        return true;
      } finally {
        release();
      }
    });
  }

  /**
   * Replaces a configuration's whole set (the assign action): in one transaction when the old and new
   * sets fit in one, else as a new generation made current by one conditional write (replace.ts).
   */
  async replaceAll(scope: Scope, items: AssignmentInput[]): Promise<void> {
    const rows = items.map((i) => ({ ...i, id: i.id ?? uuidv4() }));
    await this.#replacer.replaceAll(this.#partition(scope), rows);
  }

  /**
   * Stores assignments with the ids they carry (the admin seed), as many per transaction as fit, each
   * counted; one whose id exists is answered as stored and not written again.
   */
  async seed(scope: Scope, items: NewAssignment[]): Promise<StoredAssignment[]> {
    const pk = this.#partition(scope);
    const unique = [...new Map(items.map((a) => [a.id, a])).values()].filter((a) => !isReservedKey(a.id));
    const stored = new Map<string, StoredAssignment>();
    const existing: string[] = [];
    for (let i = 0; i < unique.length; i += MAX_ROWS_PER_COUNTED_TRANSACTION) {
      let batch = unique.slice(i, i + MAX_ROWS_PER_COUNTED_TRANSACTION);
      await this.table.untilWon(async () => {
        if (batch.length === 0) return true;
        const state = await this.partitions.get(pk);
        const { slot, release } = await state.acquire(this.partitions.preference);
        try {
          const ops: TransactionAction[] = [...batch.map((a): TransactionAction => ['create', toEntity(pk, a, state.marker.current)])];
          const countAt = ops.length;
          ops.push(...state.countOps(slot, batch.length));
          let response: TableTransactionResponse;
          try {
            response = await this.table.transaction(ops);
          } catch (err) {
            if (!isLostRace(err)) throw err;
            const index = failedOperation(err);
            if (index !== undefined && index < batch.length) {
              // Some ids exist: find them all at once rather than one failed transaction each.
              const found = await Promise.all(batch.map((a) => this.table.find<object>(pk, a.id)));
              existing.push(...batch.filter((_, j) => found[j] !== undefined).map((a) => a.id));
              batch = batch.filter((_, j) => found[j] === undefined);
            } else this.partitions.forget(pk);
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
    const found = await Promise.all(existing.map((id) => this.get(scope, id)));
    for (const a of found) if (a) stored.set(a.id, a);
    return unique.flatMap((a) => stored.get(a.id) ?? []);
  }

  /**
   * Empties one configuration, one tenant's configurations, or everything (the admin reset). Each
   * partition is first fenced (an empty generation made current, as an assign action commits), so readers
   * see it empty at once and no write that had not committed can land in it afterwards; then its rows go:
   * assignments, idempotency records, tombstones. The marker and counter slots stay, counting nothing.
   */
  async purge(which: { tenantId?: string; configurationId?: string } = {}): Promise<void> {
    let filters: Array<string | undefined>;
    if (which.configurationId !== undefined) {
      const tenantId = which.tenantId ?? this.tenancy.defaultTenantId;
      filters = [odata`PartitionKey eq ${this.tenancy.partitionOf({ tenantId, configurationId: which.configurationId })}`];
    } else if (which.tenantId !== undefined) {
      filters = this.tenancy.rangesOf(which.tenantId).map((r) => partitionRange(r.from, r.to));
    } else {
      filters = [undefined];
    }
    const byPartition = new Map<string, Array<{ rowKey: string; gen?: string }>>();
    for (const filter of filters) {
      for (const row of await this.table.all<{ gen?: string }>(filter, ['PartitionKey', 'RowKey', 'gen'])) {
        byPartition.set(row.partitionKey, [...(byPartition.get(row.partitionKey) ?? []), row]);
      }
    }
    const partitions = [...byPartition.entries()];
    const next = async (): Promise<void> => {
      for (let p = partitions.shift(); p; p = partitions.shift()) {
        const [pk, rows] = p;
        const gen = await this.#replacer.fence(pk);
        const doomed = rows.filter((r) => r.rowKey !== MARKER_ROW_KEY && !r.rowKey.startsWith(SLOT_PREFIX) && r.gen !== gen);
        await this.table.deleteAll(doomed.map((r) => ({ partitionKey: pk, rowKey: r.rowKey })));
        // Rows written after the listing and before the fence belong to a retired generation: the sweep removes them.
        this.#replacer.later(() => this.#replacer.sweep(pk));
      }
    };
    await Promise.all(Array.from({ length: 4 }, next));
  }

  /**
   * The configurations that hold assignments, or did (a reset leaves a partition's marker), of one tenant
   * or of every tenant: one query of the markers, for the admin page. A partition an earlier release
   * wrote (no marker yet) is not among them until a request reads or writes it.
   */
  async scopes(tenantId?: string): Promise<Scope[]> {
    const ranges = tenantId === undefined ? [undefined] : this.tenancy.rangesOf(tenantId).map((r) => partitionRange(r.from, r.to));
    const scopes: Scope[] = [];
    for (const range of ranges) {
      const marker = odata`RowKey eq ${MARKER_ROW_KEY}`;
      const rows = await this.table.all<object>(range === undefined ? marker : `${range} and ${marker}`, ['PartitionKey']);
      scopes.push(...rows.map((r) => this.tenancy.scopeOf(r.partitionKey)));
    }
    return scopes;
  }

  /** Answers when the table can be reached: for /health. */
  async ping(): Promise<void> {
    await this.table.page<object>(undefined, { top: 1, select: ['PartitionKey'] });
  }

  /** Work still running after answers (removing replaced rows and tombstones): tests and benchmarks wait for it. */
  idle(): Promise<void> {
    return this.#replacer.idle();
  }

  /**
   * Gives a partition written by a release that kept no marker (0.1.0: rows without `gen`, no counter
   * slots) its marker: the rows join the first generation (`gen` merged in, 100 per transaction) and are
   * counted in the marker's base; then the marker is created, which is the commit point: of instances
   * doing this at once, one creates it and the others read it. Interrupted half way, it is done again.
   */
  async #adopt(pk: string): Promise<void> {
    const rows = await this.table.all<{ gen?: string; counted?: string; n?: number }>(odata`PartitionKey eq ${pk}`, [
      'RowKey',
      'gen',
      'counted',
      'n',
    ]);
    const assignments = rows.filter((r) => !isReservedKey(r.rowKey));
    const legacy = assignments.filter((r) => r.gen === undefined || r.gen === null);
    for (let i = 0; i < legacy.length; i += 100) {
      await this.table.transaction(
        legacy
          .slice(i, i + 100)
          .map((r): TransactionAction => ['update', { partitionKey: pk, rowKey: r.rowKey, gen: FIRST_GENERATION }, 'Merge']),
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
      await this.table.run((abortSignal) => this.table.client.createEntity(marker, { abortSignal }));
    } catch (err) {
      if (!isLostRace(err)) throw err; // another instance adopted it first
    }
  }
}
