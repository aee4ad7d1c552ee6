import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import { getConfig, type AppConfig } from '../config';
import { badRequest, GraphError, notFound, preconditionFailed, serviceUnavailable } from '../graph/errors';
import { createTableClient, StorageTable, storageErrorCode, storageStatus } from '../storage/tables';
import type { AssignmentFields, AssignmentTarget } from './schema';

/**
 * Assignments in Azure Table Storage: PartitionKey = the deviceEnrollmentConfigurationId, RowKey = the
 * assignment id. The target is kept as JSON text because Table Storage has no nested values.
 */

export interface StoredAssignment extends AssignmentFields {
  configurationId: string;
  id: string;
  invitationId: string | null;
  createdDateTime: string;
  etag: string;
}

type AssignmentEntity = {
  partitionKey: string;
  rowKey: string;
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

/** Table Storage's limit on one entity group transaction. */
export const MAX_BATCH_OPERATIONS = 100;

/**
 * Bounds on re-applying an unconditional update that lost a race. Losing means storage answers and others
 * make progress, so the time budget is a few storage deadlines, not one: with 20 writers on one entity,
 * a loaded emulator and a 3 s deadline, 5 of the 20 ran out of time in a full test run.
 */
const MAX_UPDATE_ATTEMPTS = 50;
const UPDATE_BUDGET_IN_DEADLINES = 3;
const MAX_UPDATE_BACKOFF_MS = 100;

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function toEntity(a: Omit<StoredAssignment, 'etag'>): AssignmentEntity {
  const entity: AssignmentEntity = {
    partitionKey: a.configurationId,
    rowKey: a.id,
    target: JSON.stringify(a.target),
    targetType: a.target['@odata.type'],
    source: a.source,
    createdDateTime: a.createdDateTime,
  };
  if (a.invitationId !== null) entity.invitationId = a.invitationId;
  if (a.sourceId !== null) entity.sourceId = a.sourceId;
  if (a.target.groupId !== undefined) entity.targetGroupId = a.target.groupId;
  return entity;
}

const ENTITY_PROPERTIES = ['invitationId', 'target', 'targetType', 'targetGroupId', 'source', 'sourceId', 'createdDateTime'] as const;

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

function filterExpression(configurationId: string, filter: AssignmentFilter): string {
  // Every value goes through the odata tagged template, which quotes and escapes it.
  const clauses = [odata`PartitionKey eq ${configurationId}`];
  if (filter.source !== undefined) clauses.push(odata`source eq ${filter.source}`);
  if (filter.sourceId !== undefined) clauses.push(odata`sourceId eq ${filter.sourceId}`);
  if (filter.groupId !== undefined) clauses.push(odata`targetGroupId eq ${filter.groupId}`);
  return clauses.join(' and ');
}

export const invalidContinuation = (): GraphError =>
  badRequest('The $skiptoken value is not valid. Use the @odata.nextLink of the previous page as it is.');

/** Storage refused the request line itself (414, or 431 from Azurite's 16 KiB header limit): the caller's ids and values, once URL-encoded. */
const tooLongForStorage = (): GraphError =>
  badRequest('The request is too long for storage once encoded: shorten the ids in the path or the values in $filter.');

export class AssignmentStore {
  readonly #table: StorageTable;

  constructor(
    private readonly client: TableClient,
    timeoutMs: number,
  ) {
    this.#table = new StorageTable(client, timeoutMs);
  }

  /** One storage operation under the deadline; storage's own refusals in Graph's words. */
  #run<T>(operation: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    return this.#table.run(operation, (err) => {
      if (storageErrorCode(err) === 'UpdateConditionNotSatisfied' || storageStatus(err) === 412) return preconditionFailed();
      if (storageStatus(err) === 414 || storageStatus(err) === 431) return tooLongForStorage();
      return undefined;
    });
  }

  async create(a: Omit<StoredAssignment, 'etag'>): Promise<StoredAssignment> {
    const entity = toEntity(a);
    const etag = await this.#run(async (abortSignal) => {
      try {
        return (await this.client.createEntity(entity, { abortSignal })).etag;
      } catch (err) {
        // The SDK retries an insert whose response was lost (a connection reset after storage applied it);
        // the retry then finds the row. The id is a fresh GUID, so a row holding exactly this write is this
        // write, stored: answer it as created instead of a 500.
        if (storageErrorCode(err) !== 'EntityAlreadyExists') throw err;
        const stored = await this.client.getEntity<AssignmentEntity>(a.configurationId, a.id, { abortSignal });
        if (!holdsSameWrite(stored, entity)) throw err;
        return stored.etag;
      }
    });
    return { ...a, etag: etag ?? '' };
  }

  async get(configurationId: string, id: string): Promise<StoredAssignment | undefined> {
    return this.#run(async (abortSignal) => {
      const entity = await this.#table.find<AssignmentEntity>(configurationId, id, abortSignal);
      return entity && fromEntity(entity);
    });
  }

  /**
   * One page of a configuration's assignments. Table Storage may answer a filtered query with an empty
   * page that still has a continuation; those are followed (a few times) so a caller rarely sees one.
   */
  async list(configurationId: string, options: { top: number; continuation?: string; filter: AssignmentFilter }): Promise<ListPage> {
    return this.#run(async (abortSignal) => {
      let continuation = options.continuation;
      for (let attempt = 0; ; attempt++) {
        const pages = this.client
          .listEntities<AssignmentEntity>({ queryOptions: { filter: filterExpression(configurationId, options.filter) }, abortSignal })
          .byPage({ maxPageSize: options.top, continuationToken: continuation });
        let entities: AssignmentEntity[] & { continuationToken?: string };
        try {
          const page = await pages.next();
          entities = page.done ? [] : page.value;
        } catch (err) {
          // A continuation token that storage refuses came from a tampered $skiptoken.
          if (continuation !== undefined && storageStatus(err) === 400) throw invalidContinuation();
          throw err;
        }
        const next = entities.continuationToken || undefined;
        if (entities.length > 0 || next === undefined || attempt >= 4) return { items: entities.map(fromEntity), continuation: next };
        continuation = next;
      }
    });
  }

  /** How many assignments match, for $count=true. Reads only the keys. */
  async count(configurationId: string, filter: AssignmentFilter): Promise<number> {
    return this.#run(async (abortSignal) => {
      let n = 0;
      const entities = this.client.listEntities({
        queryOptions: { filter: filterExpression(configurationId, filter), select: ['RowKey'] },
        abortSignal,
      });
      for await (const page of entities.byPage({ maxPageSize: 1000 })) n += page.length;
      return n;
    });
  }

  /**
   * Read-modify-write under the entity's ETag, so concurrent updates never lose each other's changes.
   * With If-Match the client's ETag is the condition (a mismatch is 412). Without it, or with `*`, the
   * caller set no condition on the version, so a concurrent write is not its failure: the change is
   * re-read and reapplied, with random backoff so contenders spread out, for up to 50 attempts within
   * three storage deadlines; if contention outlasts that, the answer is a 503 to retry, never a 412.
   */
  async update(
    configurationId: string,
    id: string,
    change: (current: StoredAssignment) => StoredAssignment,
    ifMatch?: string,
  ): Promise<StoredAssignment> {
    const conditional = ifMatch !== undefined && ifMatch !== '*';
    const deadline = Date.now() + UPDATE_BUDGET_IN_DEADLINES * this.#table.timeoutMs;
    for (let attempt = 1; ; attempt++) {
      const current = await this.get(configurationId, id);
      if (!current) throw notFound(`No assignment with id '${id}' exists in this configuration.`);
      if (conditional && ifMatch !== current.etag) throw preconditionFailed();
      const next = change(current);
      try {
        const response = await this.#run((abortSignal) =>
          this.client.updateEntity(toEntity(next), 'Replace', { etag: conditional ? ifMatch : current.etag, abortSignal }),
        );
        return { ...next, etag: response.etag ?? '' };
      } catch (err) {
        const conflict = err instanceof GraphError && err.status === 412;
        if (!conflict || conditional) throw err;
        if (attempt >= MAX_UPDATE_ATTEMPTS || Date.now() >= deadline) throw serviceUnavailable(1);
        await delay(Math.random() * Math.min(MAX_UPDATE_BACKOFF_MS, 5 * 2 ** attempt));
      }
    }
  }

  /** Removes one assignment; false when there was none. */
  async delete(configurationId: string, id: string, ifMatch?: string): Promise<boolean> {
    return this.#run(async (abortSignal) => {
      try {
        await this.client.deleteEntity(configurationId, id, { etag: ifMatch ?? '*', abortSignal });
        return true;
      } catch (err) {
        if (storageStatus(err) === 404 && storageErrorCode(err) !== 'TableNotFound') return false;
        // Storage refuses an If-Match that is not an ETag at all (400 InvalidInput); such a value cannot
        // match the entity's ETag, which is what PATCH answers for it too.
        if (storageStatus(err) === 400 && ifMatch !== undefined) throw preconditionFailed();
        throw err;
      }
    });
  }

  /**
   * Replaces a configuration's whole assignment set (the assign action) with entity group transactions.
   * New assignments are written first and the old ones deleted after, so an interrupted multi-batch
   * replacement leaves the old set and part of the new one side by side, never fewer assignments than
   * before; repeating the same call converges. Up to 100 operations in all is one transaction: atomic.
   */
  async replaceAll(configurationId: string, replacements: Array<Omit<StoredAssignment, 'etag'>>): Promise<void> {
    const existing: string[] = [];
    await this.#run(async (abortSignal) => {
      const entities = this.client.listEntities({
        queryOptions: { filter: odata`PartitionKey eq ${configurationId}`, select: ['RowKey'] },
        abortSignal,
      });
      for await (const page of entities.byPage({ maxPageSize: 1000 })) for (const e of page) existing.push(e.rowKey as string);
    });
    const actions: TransactionAction[] = [
      ...replacements.map((a): TransactionAction => ['create', toEntity(a)]),
      ...existing.map((rowKey): TransactionAction => ['delete', { partitionKey: configurationId, rowKey }]),
    ];
    for (let i = 0; i < actions.length; i += MAX_BATCH_OPERATIONS) {
      const batch = actions.slice(i, i + MAX_BATCH_OPERATIONS);
      await this.#run(async (abortSignal) => {
        try {
          await this.client.submitTransaction(batch, { abortSignal });
        } catch (err) {
          // A transaction is atomic, and the SDK retries one whose response was lost; that retry then fails
          // on what the first attempt did (its rows exist, its deletes are gone). If storage holds exactly
          // the transaction's outcome, it was applied.
          if (!(await this.#holdsOutcome(configurationId, batch, abortSignal).catch(() => false))) throw err;
        }
      });
    }
  }

  /** Whether a configuration's rows show a transaction's outcome: each create stored as written, each delete gone. */
  async #holdsOutcome(configurationId: string, batch: TransactionAction[], abortSignal: AbortSignal): Promise<boolean> {
    const rows = new Map<string, AssignmentEntity>();
    const entities = this.client.listEntities<AssignmentEntity>({ queryOptions: { filter: odata`PartitionKey eq ${configurationId}` }, abortSignal });
    for await (const page of entities.byPage({ maxPageSize: 1000 })) for (const e of page) rows.set(e.rowKey, e);
    return batch.every(([kind, entity]) => {
      const row = rows.get(entity.rowKey);
      return kind === 'create' ? row !== undefined && holdsSameWrite(row, entity as AssignmentEntity) : row === undefined;
    });
  }

  /** Answers when the table can be reached: for /health. */
  async ping(): Promise<void> {
    await this.#run(async (abortSignal) => {
      const pages = this.client.listEntities({ abortSignal }).byPage({ maxPageSize: 1 });
      await pages.next();
    });
  }
}

let store: AssignmentStore | undefined;

/** The process's one store and TableClient, created on first use. */
export function getStore(config: AppConfig = getConfig()): AssignmentStore {
  store ??= new AssignmentStore(createTableClient(config), config.storageTimeoutMs);
  return store;
}
