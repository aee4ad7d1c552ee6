import { createHash, randomBytes } from 'node:crypto';
import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import type { AssignmentFields, AssignmentTarget } from '../assignments/schema';
import { badRequest, GraphError, notFound, preconditionFailed, serviceUnavailable } from '../graph/errors';
import { StorageTable, storageErrorCode, storageStatus } from './tables';

/**
 * Assignments in Azure Table Storage: PartitionKey = the deviceEnrollmentConfigurationId, RowKey = the
 * assignment id (a GUID the server made). The target is kept as JSON text because Table Storage has no
 * nested values.
 *
 * Every configuration's partition also holds bookkeeping rows whose RowKeys start with `~`, which no
 * server-made id does; an id starting with `~` in a request path is answered as not found, never read
 * (docs/consistency.md):
 * - `~m`, the marker: the current generation of the set, its size when it became current, the
 *   generations being written by assign actions in progress and those retired and not yet removed;
 * - `~n00`..`~n3f`, 64 counter shards: how the set's size changed since it became current;
 * - `~r<sha256 of client-request-id>`, idempotency records of creates.
 * Each assignment row carries its generation (`gen`); only rows of the current one exist for readers.
 * The assign action writes a whole new generation and then makes it current with one conditional write
 * of the marker: that write is the commit point, so concurrent assign actions end in exactly one set.
 */

export interface StoredAssignment extends AssignmentFields {
  configurationId: string;
  id: string;
  invitationId: string | null;
  createdDateTime: string;
  etag: string;
}

type NewAssignment = Omit<StoredAssignment, 'etag'>;

type AssignmentEntity = {
  partitionKey: string;
  rowKey: string;
  /** The generation the row belongs to: visible while it is the marker's current one. */
  gen: string;
  invitationId?: string;
  target: string;
  /** Copies of target fields that $filter can reach (the target itself is JSON text). */
  targetType: string;
  targetGroupId?: string;
  source: string;
  sourceId?: string;
  createdDateTime: string;
  etag?: string;
};

type MarkerEntity = {
  partitionKey: string;
  rowKey: string;
  current: string;
  base: number;
  /** JSON arrays of generations. */
  pending: string;
  retired: string;
  etag?: string;
};

type ShardEntity = { partitionKey: string; rowKey: string; counted: string; n: number; etag?: string };

type RecordEntity = {
  partitionKey: string;
  rowKey: string;
  fingerprint: string;
  /** The assignment the first attempt stored, as JSON, to answer retries with. */
  assignment: string;
  expiresOn: Date;
  etag?: string;
};

/** `eq` conditions of a $filter, on the properties that support it. */
export interface AssignmentFilter {
  source?: string;
  sourceId?: string;
  groupId?: string;
}

export interface ListPage {
  items: StoredAssignment[];
  /** The table's opaque continuation token for the next page; undefined on the last page. */
  continuation?: string;
}

/** A create that carries a client-request-id: retries of it answer what the first attempt stored. */
export interface Idempotency {
  clientRequestId: string;
  /** Identifies the request's content: the same id with another fingerprint is a conflict. */
  fingerprint: string;
}

/** Table Storage's limit on one entity group transaction. */
export const MAX_BATCH_OPERATIONS = 100;

/** The start of every bookkeeping RowKey; server-made ids are GUIDs, which never start with it. */
export const RESERVED_PREFIX = '~';
export const MARKER_ROW_KEY = '~m';
const SHARD_PREFIX = '~n';
const SHARDS = 64;
const RECORD_PREFIX = '~r';
/** A partition with no marker has never had an assign action: its rows are in this generation. */
const FIRST_GENERATION = 'g0';
/** The generation of a deleted row not yet removed: never current, removed by the sweep if left behind. */
const TOMBSTONE = 'x';

/** How long a create's client-request-id is remembered (docs/consistency.md). */
export const IDEMPOTENCY_RETENTION_MS = 24 * 60 * 60_000;
/** An assign action that has not committed this long after it started gives up (503, retry). */
const COMMIT_WITHIN_MS = 5 * 60_000;
/** A generation still pending this long is from an assign action that died: its rows are removed. */
const ABANDONED_AFTER_MS = 15 * 60_000;
/** $count with $filter scans; beyond this many assignments it is refused up front. */
export const MAX_FILTERED_COUNT = 10_000;

/**
 * Bounds on re-trying a write that lost a race on a row's ETag. Losing means storage answers and others
 * make progress, so the time budget is a few storage deadlines, not one.
 */
const MAX_CONFLICT_ATTEMPTS = 50;
const CONFLICT_BUDGET_IN_DEADLINES = 3;
const MAX_CONFLICT_BACKOFF_MS = 100;
/** How long an assign action spends removing retired generations before it answers (at most one storage deadline). */
const SWEEP_BUDGET_MS = 4000;

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const backoff = (attempt: number) => delay(Math.random() * Math.min(MAX_CONFLICT_BACKOFF_MS, 5 * 2 ** attempt));

export const isReservedId = (id: string): boolean => id.startsWith(RESERVED_PREFIX);

/** Generation ids start with the time they were made, so an abandoned one can be told by its age. */
function newGeneration(now = Date.now()): string {
  return `${now.toString(36).padStart(9, '0')}.${randomBytes(6).toString('hex')}`;
}
function generationAge(gen: string, now = Date.now()): number {
  const made = parseInt(gen.split('.')[0] ?? '', 36);
  return Number.isFinite(made) ? now - made : 0;
}

function toEntity(a: NewAssignment, gen: string): AssignmentEntity {
  const entity: AssignmentEntity = {
    partitionKey: a.configurationId,
    rowKey: a.id,
    gen,
    target: JSON.stringify(a.target),
    targetType: a.target?.['@odata.type'] ?? '',
    source: a.source,
    createdDateTime: a.createdDateTime,
  };
  if (a.invitationId !== null) entity.invitationId = a.invitationId;
  if (a.sourceId !== null) entity.sourceId = a.sourceId;
  if (a.target?.groupId != null) entity.targetGroupId = a.target.groupId;
  return entity;
}

const ENTITY_PROPERTIES = [
  'gen',
  'invitationId',
  'target',
  'targetType',
  'targetGroupId',
  'source',
  'sourceId',
  'createdDateTime',
] as const;

/** Whether a stored row holds exactly the properties of a write (storage adds etag, timestamp and metadata). */
function holdsSameWrite(stored: AssignmentEntity, written: AssignmentEntity): boolean {
  return ENTITY_PROPERTIES.every((k) => stored[k] === written[k]);
}

function fromEntity(e: AssignmentEntity): StoredAssignment {
  return {
    configurationId: e.partitionKey,
    id: e.rowKey,
    invitationId: e.invitationId ?? null,
    target: JSON.parse(e.target) as AssignmentTarget,
    source: e.source as AssignmentFields['source'],
    sourceId: e.sourceId ?? null,
    createdDateTime: e.createdDateTime,
    etag: e.etag ?? '',
  };
}

interface Marker {
  current: string;
  base: number;
  pending: string[];
  retired: string[];
  /** undefined: there is no marker row yet. */
  etag?: string;
}

const jsonList = (text: string | undefined): string[] => {
  try {
    const v: unknown = JSON.parse(text ?? '[]');
    return Array.isArray(v) ? v.filter((g): g is string => typeof g === 'string') : [];
  } catch {
    return [];
  }
};

function markerOf(e: MarkerEntity | undefined): Marker {
  if (!e) return { current: FIRST_GENERATION, base: 0, pending: [], retired: [] };
  return { current: e.current, base: Number(e.base) || 0, pending: jsonList(e.pending), retired: jsonList(e.retired), etag: e.etag };
}

function filterExpression(configurationId: string, gen: string, filter: AssignmentFilter): string {
  // Every value goes through the odata tagged template, which quotes and escapes it.
  const clauses = [odata`PartitionKey eq ${configurationId}`, odata`gen eq ${gen}`];
  if (filter.source !== undefined) clauses.push(odata`source eq ${filter.source}`);
  if (filter.sourceId !== undefined) clauses.push(odata`sourceId eq ${filter.sourceId}`);
  if (filter.groupId !== undefined) clauses.push(odata`targetGroupId eq ${filter.groupId}`);
  return clauses.join(' and ');
}

const hasFilter = (f: AssignmentFilter) => f.source !== undefined || f.sourceId !== undefined || f.groupId !== undefined;

export const invalidContinuation = (): GraphError =>
  badRequest('The $skiptoken value is not valid. Use the @odata.nextLink of the previous page as it is.');

/** Storage refused the request line itself (414, or 431 from Azurite's 16 KiB header limit): the caller's ids and values, once URL-encoded. */
const tooLongForStorage = (): GraphError =>
  badRequest('The request is too long for storage once encoded: shorten the ids in the path or the values in $filter.');

export const idempotencyConflict = (): GraphError =>
  new GraphError(
    409,
    'Conflict',
    "A create with this 'client-request-id' was already made with a different body. Use a new 'client-request-id' for a different request.",
  );

/** A write lost a race on an ETag or a key: re-read and try again. */
function isConflict(err: unknown): boolean {
  const code = storageErrorCode(err);
  const status = storageStatus(err);
  return code === 'UpdateConditionNotSatisfied' || code === 'EntityAlreadyExists' || status === 409 || status === 412;
}

export class AssignmentStore {
  readonly #table: StorageTable;

  constructor(
    private readonly client: TableClient,
    timeoutMs: number,
  ) {
    this.#table = new StorageTable(client, timeoutMs);
  }

  /** One storage round trip under the deadline; storage's own refusals in Graph's words. */
  #run<T>(operation: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    return this.#table.run(operation, (err) => {
      if (storageStatus(err) === 414 || storageStatus(err) === 431) return tooLongForStorage();
      return undefined;
    });
  }

  /** A storage round trip whose lost races come back as `undefined` instead of an error. */
  async #attempt<T>(operation: (abortSignal: AbortSignal) => Promise<T>): Promise<T | typeof LOST> {
    try {
      return await this.#table.run(operation, (err) => (isConflict(err) ? new LostRace() : undefined));
    } catch (err) {
      if (err instanceof LostRace) return LOST;
      throw err;
    }
  }

  /** Re-runs `step` while it loses races, with random backoff, within a few storage deadlines. */
  async #untilWon<T>(step: (attempt: number) => Promise<T | typeof LOST>): Promise<T> {
    const deadline = Date.now() + CONFLICT_BUDGET_IN_DEADLINES * this.#table.timeoutMs;
    for (let attempt = 1; ; attempt++) {
      const result = await step(attempt);
      if (result !== LOST) return result;
      if (attempt >= MAX_CONFLICT_ATTEMPTS || Date.now() >= deadline) throw serviceUnavailable(1);
      await backoff(attempt);
    }
  }

  #find<T extends object>(partitionKey: string, rowKey: string) {
    return this.#run((abortSignal) => this.#table.find<T>(partitionKey, rowKey, abortSignal));
  }

  /** The partition's marker; a partition that has none yet gets one first (#adopt). */
  async #marker(configurationId: string): Promise<Marker> {
    const found = await this.#find<MarkerEntity>(configurationId, MARKER_ROW_KEY);
    return found ? markerOf(found) : this.#adopt(configurationId);
  }

  /**
   * Gives a partition its marker. The partition is new, or was written by a version of this app from
   * before generations (rows without `gen`, no counter shards, no marker: what the 0.1.0 release
   * stored). Such rows join the first generation (`gen` merged in, 100 per transaction) and are counted
   * in the marker's base; then the marker is created, which is the commit point: of instances doing
   * this at once, one creates it and the others read it. Every operation reads the marker before it
   * writes, so nothing else changes the partition's rows before the marker exists. Interrupted half
   * way, it is simply done again: the base counts every row of the first generation, with or without
   * `gen`, less what counter shards already count for it. Once per partition: one query and one insert
   * for a new one, about a round trip per 100 rows for an old one.
   */
  async #adopt(configurationId: string): Promise<Marker> {
    const rows = await this.#run(async (abortSignal) => {
      const out: Array<{ rowKey: string; gen?: string; counted?: string; n?: number }> = [];
      const entities = this.client.listEntities<{ gen?: string; counted?: string; n?: number }>({
        queryOptions: { filter: odata`PartitionKey eq ${configurationId}`, select: ['RowKey', 'gen', 'counted', 'n'] },
        abortSignal,
      });
      for await (const page of entities.byPage({ maxPageSize: 1000 })) for (const e of page) out.push({ ...e, rowKey: e.rowKey! });
      return out;
    });
    const assignments = rows.filter((r) => !isReservedId(r.rowKey));
    const legacy = assignments.filter((r) => r.gen === undefined || r.gen === null);
    for (let i = 0; i < legacy.length; i += MAX_BATCH_OPERATIONS) {
      const actions = legacy
        .slice(i, i + MAX_BATCH_OPERATIONS)
        .map((r): TransactionAction => ['update', { partitionKey: configurationId, rowKey: r.rowKey, gen: FIRST_GENERATION }, 'Merge']);
      await this.#run((abortSignal) => this.client.submitTransaction(actions, { abortSignal }));
    }
    const inFirst = assignments.filter((r) => r.gen === undefined || r.gen === null || r.gen === FIRST_GENERATION).length;
    const counted = rows
      .filter((r) => r.rowKey.startsWith(SHARD_PREFIX) && r.counted === FIRST_GENERATION)
      .reduce((n, r) => n + (Number(r.n) || 0), 0);
    const marker: MarkerEntity = {
      partitionKey: configurationId,
      rowKey: MARKER_ROW_KEY,
      current: FIRST_GENERATION,
      base: inFirst - counted,
      pending: '[]',
      retired: '[]',
    };
    const created = await this.#attempt((abortSignal) => this.client.createEntity(marker, { abortSignal }));
    if (created !== LOST) return markerOf({ ...marker, etag: created.etag });
    const theirs = await this.#find<MarkerEntity>(configurationId, MARKER_ROW_KEY);
    if (!theirs) throw serviceUnavailable(1);
    return markerOf(theirs);
  }

  /** A row of the current generation, with the marker it was checked against; both read at once. */
  async #readCurrent(configurationId: string, id: string): Promise<{ entity?: AssignmentEntity & { etag: string }; marker: Marker }> {
    if (isReservedId(id)) return { marker: markerOf(undefined) };
    const [entity, marker] = await Promise.all([this.#find<AssignmentEntity>(configurationId, id), this.#marker(configurationId)]);
    // A row read while #adopt was giving its partition a marker may not have its `gen` yet.
    return { entity: entity && (entity.gen ?? FIRST_GENERATION) === marker.current ? entity : undefined, marker };
  }

  /** A random counter shard, so that concurrent creates and deletes rarely write the same row. */
  #readShard(configurationId: string): { rowKey: string; read: Promise<(ShardEntity & { etag: string }) | undefined> } {
    const rowKey = `${SHARD_PREFIX}${Math.floor(Math.random() * SHARDS)
      .toString(16)
      .padStart(2, '0')}`;
    return { rowKey, read: this.#find<ShardEntity>(configurationId, rowKey) };
  }

  /**
   * The write that moves a counter shard by `delta` for the set `marker` shows. A shard last written for
   * another generation counts nothing for this one; if it was written for a newer one, the marker read
   * was stale: it is read again (and the caller's write then lands in the newer generation). The shard's
   * ETag makes the write fail if anyone wrote the shard since.
   */
  async #counterStep(
    configurationId: string,
    marker: Marker,
    rowKey: string,
    shard: (ShardEntity & { etag: string }) | undefined,
    delta: number,
  ): Promise<{ marker: Marker; action: TransactionAction }> {
    if (shard && shard.counted !== marker.current) {
      const again = await this.#marker(configurationId);
      if (again.current === shard.counted) marker = again;
    }
    const counted = marker.current;
    const next: ShardEntity = {
      partitionKey: configurationId,
      rowKey,
      counted,
      n: (shard?.counted === counted ? Number(shard.n) : 0) + delta,
    };
    return { marker, action: shard ? ['update', next, 'Replace', { etag: shard.etag }] : ['create', next] };
  }

  /** Writes the marker `change` makes of the current one, under its ETag; re-read and re-applied on a lost race. */
  async #changeMarker(configurationId: string, change: (m: Marker) => Marker | undefined): Promise<Marker> {
    return this.#untilWon(async () => {
      const m = await this.#marker(configurationId);
      const next = change(m);
      if (!next) return m;
      const entity: MarkerEntity = {
        partitionKey: configurationId,
        rowKey: MARKER_ROW_KEY,
        current: next.current,
        base: next.base,
        pending: JSON.stringify(next.pending),
        retired: JSON.stringify(next.retired),
      };
      return this.#attempt(async (abortSignal) => {
        const response = await this.client.updateEntity(entity, 'Replace', { etag: m.etag, abortSignal });
        return { ...next, etag: response.etag };
      });
    });
  }

  /**
   * Stores a new assignment in the current set and counts it, in one transaction. With `idempotency`,
   * the same transaction inserts a record of the client-request-id, so of two attempts of one request
   * (a retry, and a first attempt that storage applies late) exactly one can store anything; the other
   * finds the record and answers what it holds.
   */
  async create(a: NewAssignment, idempotency?: Idempotency): Promise<StoredAssignment> {
    const configurationId = a.configurationId;
    const recordKey = idempotency && `${RECORD_PREFIX}${createHash('sha256').update(idempotency.clientRequestId, 'utf8').digest('hex')}`;
    return this.#untilWon(async () => {
      const shardRead = this.#readShard(configurationId);
      const [first, record, shard] = await Promise.all([
        this.#marker(configurationId),
        recordKey ? this.#find<RecordEntity>(configurationId, recordKey) : Promise.resolve(undefined),
        shardRead.read,
      ]);
      const live = record && new Date(record.expiresOn).getTime() > Date.now();
      if (live) {
        if (record.fingerprint !== idempotency!.fingerprint) throw idempotencyConflict();
        return this.#replay(record);
      }
      const { marker, action: count } = await this.#counterStep(configurationId, first, shardRead.rowKey, shard, +1);
      const entity = toEntity(a, marker.current);
      const actions: TransactionAction[] = [['create', entity], count];
      if (recordKey) {
        const next: RecordEntity = {
          partitionKey: configurationId,
          rowKey: recordKey,
          fingerprint: idempotency!.fingerprint,
          assignment: JSON.stringify(a),
          expiresOn: new Date(Date.now() + IDEMPOTENCY_RETENTION_MS),
        };
        actions.push(record ? ['update', next, 'Replace', { etag: record.etag }] : ['create', next]);
      }
      return this.#attempt(async (abortSignal) => {
        try {
          const response = await this.client.submitTransaction(actions, { abortSignal });
          return { ...a, etag: response.getResponseForEntity(a.id)?.etag ?? '' };
        } catch (err) {
          // The SDK retries a transaction whose response was lost; the retry then fails on what the first
          // attempt stored. The id is a fresh GUID, so a row holding exactly this write is this write.
          if (!isConflict(err)) throw err;
          const stored = await this.#table.find<AssignmentEntity>(configurationId, a.id, abortSignal);
          if (stored && holdsSameWrite(stored, entity)) return { ...a, etag: stored.etag };
          throw err;
        }
      });
    });
  }

  /** What a retried create answers: the assignment as it is now, or as first stored if it is gone since. */
  async #replay(record: RecordEntity & { etag: string }): Promise<StoredAssignment> {
    const first = JSON.parse(record.assignment) as NewAssignment;
    const now = await this.#readCurrent(first.configurationId, first.id);
    return now.entity ? fromEntity(now.entity) : { ...first, etag: record.etag };
  }

  async get(configurationId: string, id: string): Promise<StoredAssignment | undefined> {
    const { entity } = await this.#readCurrent(configurationId, id);
    return entity && fromEntity(entity);
  }

  /**
   * One page of a configuration's current set. Table Storage may answer a filtered query with an empty
   * page that still has a continuation; those are followed (a few times) so a caller rarely sees one.
   * Each page is read from the generation current when it is asked for.
   */
  async list(configurationId: string, options: { top: number; continuation?: string; filter: AssignmentFilter }): Promise<ListPage> {
    const { current } = await this.#marker(configurationId);
    let continuation = options.continuation;
    for (let attempt = 0; ; attempt++) {
      const entities = await this.#run(async (abortSignal) => {
        const pages = this.client
          .listEntities<AssignmentEntity>({
            queryOptions: { filter: filterExpression(configurationId, current, options.filter) },
            abortSignal,
          })
          .byPage({ maxPageSize: options.top, continuationToken: continuation });
        try {
          const page = await pages.next();
          return (page.done ? [] : page.value) as AssignmentEntity[] & { continuationToken?: string };
        } catch (err) {
          // A continuation token that storage refuses came from a tampered $skiptoken.
          if (continuation !== undefined && storageStatus(err) === 400) throw invalidContinuation();
          throw err;
        }
      });
      const next = entities.continuationToken || undefined;
      if (entities.length > 0 || next === undefined || attempt >= 4) return { items: entities.map(fromEntity), continuation: next };
      continuation = next;
    }
  }

  /**
   * How many assignments match, for $count=true. Without $filter: the marker's base plus the counter
   * shards, one query of 65 rows whatever the set's size. With one: a key-only scan, page by page
   * (each page one round trip under the deadline), refused up front beyond MAX_FILTERED_COUNT.
   */
  async count(configurationId: string, filter: AssignmentFilter): Promise<number> {
    const rows = await this.#run(async (abortSignal) => {
      const out: Array<MarkerEntity | ShardEntity> = [];
      const entities = this.client.listEntities<MarkerEntity | ShardEntity>({
        queryOptions: { filter: odata`PartitionKey eq ${configurationId} and RowKey ge ${MARKER_ROW_KEY} and RowKey lt ${'~o'}` },
        abortSignal,
      });
      for await (const page of entities.byPage({ maxPageSize: 1000 })) out.push(...page);
      return out;
    });
    const found = rows.find((r) => r.rowKey === MARKER_ROW_KEY) as MarkerEntity | undefined;
    // No marker yet: give the partition one, then count what that found (the shards stay as read).
    const marker = found ? markerOf(found) : await this.#adopt(configurationId);
    let total = marker.base;
    for (const r of rows)
      if (r.rowKey.startsWith(SHARD_PREFIX) && (r as ShardEntity).counted === marker.current) total += Number((r as ShardEntity).n) || 0;
    if (!hasFilter(filter)) return total;
    if (total > MAX_FILTERED_COUNT) {
      throw badRequest(
        `$count=true with $filter is supported on configurations of up to ${MAX_FILTERED_COUNT} assignments; this one has ${total}. Use $count=true without $filter, or page through the filtered list.`,
      );
    }
    let n = 0;
    let continuation: string | undefined;
    do {
      const page = await this.#run(async (abortSignal) => {
        const pages = this.client
          .listEntities({
            queryOptions: { filter: filterExpression(configurationId, marker.current, filter), select: ['RowKey'] },
            abortSignal,
          })
          .byPage({ maxPageSize: 1000, continuationToken: continuation });
        const p = await pages.next();
        return (p.done ? [] : p.value) as unknown[] & { continuationToken?: string };
      });
      n += page.length;
      continuation = page.continuationToken || undefined;
    } while (continuation !== undefined);
    return n;
  }

  /**
   * Read-modify-write under the entity's ETag, so concurrent updates never lose each other's changes.
   * With If-Match the client's ETag is the condition (a mismatch is 412). Without it, or with `*`, the
   * caller set no condition on the version, so a concurrent write is not its failure: the change is
   * re-read and reapplied, with random backoff, within three storage deadlines; if contention outlasts
   * that, the answer is a 503 to retry, never a 412.
   */
  async update(
    configurationId: string,
    id: string,
    change: (current: StoredAssignment) => StoredAssignment,
    ifMatch?: string,
  ): Promise<StoredAssignment> {
    const conditional = ifMatch !== undefined && ifMatch !== '*';
    return this.#untilWon(async () => {
      const { entity } = await this.#readCurrent(configurationId, id);
      if (!entity) throw notFound(`No assignment with id '${id}' exists in this configuration.`);
      if (conditional && ifMatch !== entity.etag) throw preconditionFailed();
      const next = change(fromEntity(entity));
      const result = await this.#attempt((abortSignal) =>
        this.client.updateEntity(toEntity(next, entity.gen), 'Replace', { etag: entity.etag, abortSignal }),
      );
      if (result === LOST && conditional) throw preconditionFailed();
      return result === LOST ? LOST : { ...next, etag: result.etag ?? '' };
    });
  }

  /** Removes one assignment of the current set and counts it gone, in one transaction; false when there was none. */
  async delete(configurationId: string, id: string, ifMatch?: string): Promise<boolean> {
    const conditional = ifMatch !== undefined && ifMatch !== '*';
    return this.#untilWon(async () => {
      const shardRead = this.#readShard(configurationId);
      const [{ entity, marker }, shard] = await Promise.all([this.#readCurrent(configurationId, id), shardRead.read]);
      if (!entity) return false;
      if (conditional && ifMatch !== entity.etag) throw preconditionFailed();
      const { marker: counted, action } = await this.#counterStep(configurationId, marker, shardRead.rowKey, shard, -1);
      // The row's generation was current when read; a newer marker means the set was replaced since.
      if (counted.current !== entity.gen) return LOST;
      // A transaction's delete takes no ETag, so the row is first replaced, under its ETag, by a tombstone
      // (a generation no set has): that and the count are the atomic step; removing the tombstone follows.
      const tombstone = { partitionKey: configurationId, rowKey: id, gen: TOMBSTONE };
      const result = await this.#attempt((abortSignal) =>
        this.client.submitTransaction([['update', tombstone, 'Replace', { etag: entity.etag }], action], { abortSignal }),
      );
      if (result !== LOST) {
        const etag = result.getResponseForEntity(id)?.etag ?? '*';
        await this.#run((abortSignal) => this.client.deleteEntity(configurationId, id, { etag, abortSignal })).catch(() => undefined);
      }
      if (result === LOST && conditional) {
        const again = await this.#readCurrent(configurationId, id);
        if (again.entity && again.entity.etag !== ifMatch) throw preconditionFailed();
      }
      return result === LOST ? LOST : true;
    });
  }

  /**
   * Replaces a configuration's whole assignment set (the assign action). The new set is written as a
   * new generation, invisible to readers, in transactions of up to 100 rows (each its own round trip);
   * then one conditional write of the marker makes it current. If another assign action committed in
   * between, this one commits after it (the last to commit wins); either way the set is exactly one
   * call's. Retired generations are then removed for up to 4 s (or a storage deadline, if shorter); whatever is left, the
   * next assign action on the configuration goes on removing.
   */
  async replaceAll(configurationId: string, replacements: NewAssignment[]): Promise<void> {
    const gen = newGeneration();
    await this.#changeMarker(configurationId, (m) => ({ ...m, pending: [...m.pending, gen] }));
    const rows = replacements.map((a) => toEntity(a, gen));
    for (let i = 0; i < rows.length; i += MAX_BATCH_OPERATIONS) {
      const batch = rows.slice(i, i + MAX_BATCH_OPERATIONS).map((e): TransactionAction => ['create', e]);
      await this.#run(async (abortSignal) => {
        try {
          await this.client.submitTransaction(batch, { abortSignal });
        } catch (err) {
          // The rows are fresh GUIDs in a fresh generation: if one exists, this transaction was applied
          // (a retry by the SDK of one whose response was lost), and transactions are all or nothing.
          if (storageErrorCode(err) !== 'EntityAlreadyExists') throw err;
        }
      });
    }
    await this.#changeMarker(configurationId, (m) => {
      // Swept as abandoned, or too old to be sure it will not be: write it again from the start.
      if (!m.pending.includes(gen) || generationAge(gen) > COMMIT_WITHIN_MS) throw serviceUnavailable(1);
      return {
        current: gen,
        base: rows.length,
        pending: m.pending.filter((g) => g !== gen),
        retired: [...m.retired, m.current],
        etag: m.etag,
      };
    });
    // Committed: removing what it replaced is housekeeping, which a later call resumes if storage fails now.
    await this.sweep(configurationId, Math.min(SWEEP_BUDGET_MS, this.#table.timeoutMs)).catch(() => undefined);
  }

  /**
   * Removes rows of retired generations, and of generations pending so long that their assign action
   * died, for up to `budgetMs`; each query page and each delete transaction is its own round trip.
   * Returns whether nothing is left to remove.
   */
  async sweep(configurationId: string, budgetMs: number): Promise<boolean> {
    const until = Date.now() + budgetMs;
    const m = await this.#marker(configurationId);
    const doomed = [...m.retired, ...m.pending.filter((g) => generationAge(g) > ABANDONED_AFTER_MS), TOMBSTONE];
    const emptied: string[] = [];
    for (const gen of doomed) {
      for (;;) {
        if (Date.now() >= until) break;
        const keys = await this.#run(async (abortSignal) => {
          const pages = this.client
            .listEntities({
              queryOptions: { filter: odata`PartitionKey eq ${configurationId} and gen eq ${gen}`, select: ['RowKey'] },
              abortSignal,
            })
            .byPage({ maxPageSize: 1000 });
          const p = await pages.next();
          return p.done ? [] : p.value.map((e) => e.rowKey as string);
        });
        if (keys.length === 0) {
          emptied.push(gen);
          break;
        }
        for (let i = 0; i < keys.length && Date.now() < until; i += MAX_BATCH_OPERATIONS) {
          const batch = keys
            .slice(i, i + MAX_BATCH_OPERATIONS)
            .map((rowKey): TransactionAction => ['delete', { partitionKey: configurationId, rowKey }]);
          // Another sweeper may have removed some of them (the transaction then fails): the next query shows what is left.
          await this.#run((abortSignal) =>
            this.client.submitTransaction(batch, { abortSignal }).catch((err: unknown) => {
              if (storageStatus(err) !== 404 || storageErrorCode(err) === 'TableNotFound') throw err;
            }),
          );
        }
      }
      if (Date.now() >= until) break;
    }
    if (emptied.length > 0) {
      await this.#changeMarker(configurationId, (now) =>
        emptied.some((g) => now.retired.includes(g) || now.pending.includes(g))
          ? { ...now, retired: now.retired.filter((g) => !emptied.includes(g)), pending: now.pending.filter((g) => !emptied.includes(g)) }
          : undefined,
      );
    }
    return emptied.length === doomed.length;
  }

  /**
   * Removes every row of one configuration's partition (or of every partition): assignments of every
   * generation, the marker, the counter shards and the idempotency records, so the partition is as if
   * it had never been written (the next operation gives it a fresh marker). For POST /__admin/reset;
   * an assign action in flight on the partition at that moment may leave its rows (docs/admin.md).
   */
  async purge(configurationId?: string): Promise<void> {
    const filter = configurationId === undefined ? undefined : odata`PartitionKey eq ${configurationId}`;
    const keys = await this.#run(async (abortSignal) => {
      const out: Array<{ partitionKey: string; rowKey: string }> = [];
      const entities = this.client.listEntities({ queryOptions: { filter, select: ['PartitionKey', 'RowKey'] }, abortSignal });
      for await (const page of entities.byPage({ maxPageSize: 1000 }))
        for (const e of page) out.push({ partitionKey: e.partitionKey!, rowKey: e.rowKey! });
      return out;
    });
    const byPartition = new Map<string, string[]>();
    for (const k of keys) byPartition.set(k.partitionKey, [...(byPartition.get(k.partitionKey) ?? []), k.rowKey]);
    for (const [partitionKey, rowKeys] of byPartition) {
      for (let i = 0; i < rowKeys.length; i += MAX_BATCH_OPERATIONS) {
        const batch = rowKeys.slice(i, i + MAX_BATCH_OPERATIONS).map((rowKey): TransactionAction => ['delete', { partitionKey, rowKey }]);
        await this.#run((abortSignal) =>
          this.client.submitTransaction(batch, { abortSignal }).catch(async (err: unknown) => {
            if (storageStatus(err) !== 404 || storageErrorCode(err) === 'TableNotFound') throw err;
            // Some were removed meanwhile: remove the rest one by one.
            for (const [, { rowKey }] of batch as Array<[string, { rowKey: string }]>) {
              await this.client.deleteEntity(partitionKey, rowKey, { abortSignal }).catch(() => undefined);
            }
          }),
        );
      }
    }
  }

  /** Answers when the table can be reached: for /health. */
  async ping(): Promise<void> {
    await this.#run(async (abortSignal) => {
      const pages = this.client.listEntities({ abortSignal }).byPage({ maxPageSize: 1 });
      await pages.next();
    });
  }
}

const LOST = Symbol('lost race');
class LostRace extends GraphError {
  constructor() {
    super(409, 'LostRace', 'lost a race on storage');
  }
}
