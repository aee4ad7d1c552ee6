import { createHash } from 'node:crypto';
import { v4 as uuidv4, v5 as uuidv5 } from 'uuid';
import { purgePartitions, seedAssignments } from './bulk';
import { IdempotencyConflict, NotStored, VersionMismatch } from './errors';
import { isReservedKey, Tenancy, type Scope } from './keys';
import { adoptLegacyPartition } from './legacy';
import { FIRST_GENERATION, PartitionCache, TOMBSTONE, type PartitionState } from './partition';
import { AssignmentReads, configurationScopes, type ListPage } from './reads';
import { Replacer } from './replace';
import {
  fromEntity,
  holdsSameWrite,
  toEntity,
  type AssignmentEntity,
  type AssignmentFilter,
  type NewAssignment,
  type StoredAssignment,
} from './rows';
import { etagAt, failedOperation, isLostRace, LOST, type Lost, type Table, type TableAction, type TransactionResult } from './table';

/**
 * Assignments in Table Storage, each operation in the fewest sequential round trips Table Storage's
 * guarantees allow (docs/consistency.md has the table): a create is one transaction; a GET one point
 * read; a list page one query (with the marker read beside it); PATCH and DELETE a read and a write.
 */

/** How long a create's client-request-id is remembered. */
export const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60_000;
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

/** How old this instance's view of a partition's marker may be for a point read to trust it. */
const MARKER_MAX_AGE_MS = 60_000;

/** A row a reader may see: not deleted, and not of a generation replaced or still being written. */
function isVisible(row: AssignmentEntity, state: PartitionState): boolean {
  const gen = row.gen ?? FIRST_GENERATION;
  return gen !== TOMBSTONE && !state.marker.retired.includes(gen) && !state.marker.pending.includes(gen);
}

export type AssignmentInput = Omit<NewAssignment, 'id'> & { id?: string };

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

export class AssignmentStore {
  readonly partitions: PartitionCache;
  readonly #replacer: Replacer;
  readonly #reads: AssignmentReads;

  constructor(
    readonly table: Table,
    readonly tenancy: Tenancy = new Tenancy(),
  ) {
    this.partitions = new PartitionCache(
      table,
      (pk) => adoptLegacyPartition(table, pk),
      (pk, marker) => this.#replacer.sweepSoon(pk, marker),
    );
    this.#replacer = new Replacer(table, this.partitions);
    this.#reads = new AssignmentReads(table, this.partitions, tenancy);
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
        const ops: TableAction[] = [['create', entity]];
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
        let response: TransactionResult;
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
  /**
   * One point read of the row, once this instance knows the partition's marker (within the last minute):
   * the read alone says whether the row exists. The marker is read beside it otherwise (the same wait),
   * so that a row of a replaced set that is not removed yet (an assign action interrupted between its
   * commit and the end of its removal, or rows an earlier release left for its sweep) is not answered.
   */
  async get(scope: Scope, id: string): Promise<StoredAssignment | undefined> {
    if (isReservedKey(id)) return undefined;
    const pk = this.#partition(scope);
    const [row, state] = await Promise.all([this.table.find<AssignmentEntity>(pk, id), this.partitions.recent(pk, MARKER_MAX_AGE_MS)]);
    return row && isVisible(row, state) ? fromEntity(scope.configurationId, row) : undefined;
  }

  /** One page of the current set (reads.ts). */
  list(
    scope: Scope,
    options: { top: number; continuation?: string; filter: AssignmentFilter; count?: boolean },
  ): Promise<ListPage & { count?: number }> {
    return this.#reads.list(this.#partition(scope), options);
  }

  /** How many assignments match (reads.ts). */
  count(scope: Scope, filter: AssignmentFilter): Promise<number> {
    return this.#reads.count(this.#partition(scope), filter);
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
      if (isReservedKey(id)) throw new NotStored(`No assignment '${id}'.`);
      const [row, state] = await Promise.all([this.table.find<AssignmentEntity>(pk, id), this.partitions.recent(pk, MARKER_MAX_AGE_MS)]);
      if (!row || !isVisible(row, state)) throw new NotStored(`No assignment '${id}'.`);
      if (conditional && ifMatch !== row.etag) throw new VersionMismatch('If-Match does not name the stored version.');
      const next = change(fromEntity(scope.configurationId, row));
      try {
        const response = await this.table.replace(toEntity(pk, next, row.gen), row.etag);
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
        const rowOp: TableAction = conditional
          ? ['update', { partitionKey: pk, rowKey: id, gen: TOMBSTONE }, 'Replace', { etag: row.etag }]
          : ['delete', { partitionKey: pk, rowKey: id }];
        let response: TransactionResult;
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

  /** Stores assignments with the ids they carry (the admin seed), many per transaction (bulk.ts). */
  seed(scope: Scope, items: NewAssignment[]): Promise<StoredAssignment[]> {
    return seedAssignments(this.table, this.partitions, this.#partition(scope), items, (id) => this.get(scope, id));
  }

  /** Empties one configuration, one tenant's configurations, or everything: the admin reset (bulk.ts). */
  purge(which: { tenantId?: string; configurationId?: string } = {}): Promise<void> {
    return purgePartitions(this.table, this.partitions, this.#replacer, this.tenancy, which);
  }

  /** The configurations that hold assignments, or did, of one tenant or of every tenant (reads.ts): for the admin page. */
  scopes(tenantId?: string): Promise<Scope[]> {
    return configurationScopes(this.table, this.tenancy, tenantId);
  }

  /** Answers when the table can be reached: for /health. */
  async ping(): Promise<void> {
    await this.table.page<object>(undefined, { top: 1, select: ['PartitionKey'] });
  }

  /** Work still running after answers (removing replaced rows and tombstones): tests and benchmarks wait for it. */
  idle(): Promise<void> {
    return this.#replacer.idle();
  }
}
