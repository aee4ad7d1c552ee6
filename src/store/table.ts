import { setTimeout as sleep } from 'node:timers/promises';
import { RequestTooLong, StorageUnavailable } from './errors';
import { odata, TableAccount, TableRest, type Entity, type EntityKey, type TableAction, type TransactionResult } from './rest';

export { odata, StorageError, TableAccount, type Entity, type EntityKey, type TableAction, type TransactionResult } from './rest';

/**
 * The one way the app talks to Table Storage: every call under a deadline, storage's failures in the
 * store's terms, the one retry loop for writes that lost an ETag race, and batched deletes. Everything
 * that keeps rows (assignments, configurations, the journal, mock state) goes through a Table; the
 * requests themselves are rest.ts's.
 */

/** Table Storage's limit on one entity-group transaction. */
export const MAX_TRANSACTION_OPERATIONS = 100;

/** The storage service's own error code (`EntityAlreadyExists`, `TableNotFound`, ...). */
export function storageErrorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' ? code : undefined;
}

export function storageStatus(err: unknown): number | undefined {
  const status = (err as { statusCode?: unknown })?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** Errors that mean "storage is not there right now": the caller should retry later. */
export function isTransientStorageError(err: unknown): boolean {
  const status = storageStatus(err);
  if (status === undefined) return true; // connection refused, reset, DNS, aborted by our deadline
  return status === 408 || status === 429 || status >= 500;
}

/** A write that lost to another: an insert of a key that exists, an ETag that changed, a row deleted meanwhile. */
export function isLostRace(err: unknown): boolean {
  const status = storageStatus(err);
  return status === 409 || status === 412 || (status === 404 && storageErrorCode(err) !== 'TableNotFound');
}

/**
 * Which operation of a failed transaction failed: the service (and Azurite) start the error message
 * with its index, as in `1:The specified entity already exists.`
 */
export function failedOperation(err: unknown): number | undefined {
  const message = (err as { message?: unknown })?.message;
  const m = typeof message === 'string' ? /^(\d+):/.exec(message) : null;
  return m ? Number(m[1]) : undefined;
}

/**
 * The ETag storage gave the operation at `index` of a committed transaction. By position: the service
 * answers a transaction's operations in order, and names the row only for inserts.
 */
export function etagAt(response: TransactionResult, index: number): string | undefined {
  return response.subResponses[index]?.etag;
}

/** What a step of `untilWon` returns when it lost a race and should be tried again on fresh reads. */
export const LOST = Symbol('lost a race');
export type Lost = typeof LOST;

/**
 * Bounds on re-trying a write that lost a race on a row's ETag. Losing means storage answers and others
 * make progress, so the time budget is a few storage deadlines, not one.
 */
const MAX_RACE_ATTEMPTS = 100;
const RACE_BUDGET_IN_DEADLINES = 3;
const MAX_RACE_BACKOFF_MS = 100;

/**
 * What one transaction of grouped inserts may carry, by an estimate of its payload: the service takes
 * 4 MiB. Each string counts six bytes a character (the most one UTF-16 unit takes in the JSON body, as
 * a `\u0001` escape), and each entity a kilobyte of framing and headers.
 */
const GROUP_PAYLOAD_BYTES = 3.5 * 1024 * 1024;
const payloadEstimate = (entity: Entity): number =>
  Object.values(entity).reduce<number>((bytes, v) => bytes + (typeof v === 'string' ? 6 * v.length : 16), 1024);

interface GroupedInsert {
  entity: Entity;
  done: (err?: Error) => void;
}

/**
 * One table: created once (a failed creation is forgotten, so the next call tries again), every call
 * under a deadline, and storage failures turned into the store's errors.
 */
export class Table {
  #ready: Promise<void> | undefined;
  readonly rest: TableRest;
  /** insertGrouped's entities waiting for the end of this turn of the event loop, by partition. */
  #grouped = new Map<string, GroupedInsert[]>();

  constructor(
    account: TableAccount,
    readonly name: string,
    readonly timeoutMs: number,
  ) {
    this.rest = new TableRest(account, name);
  }

  #ensureCreated(): Promise<void> {
    this.#ready ??= this.rest.createTable(AbortSignal.timeout(this.timeoutMs)).catch((err: unknown) => {
      this.#ready = undefined;
      throw err;
    });
    return this.#ready;
  }

  /**
   * One round trip (with rest.ts's few retries) under the deadline. Storage that cannot be reached is
   * StorageUnavailable; a request line storage refuses as too long is RequestTooLong; any other refusal
   * (a 404, a lost race) comes back as storage's error for the caller to read.
   */
  async run<T>(operation: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    try {
      await this.#ensureCreated();
      return await operation(AbortSignal.timeout(this.timeoutMs));
    } catch (err) {
      if (storageErrorCode(err) === 'TableNotFound') {
        // Someone deleted the table under us: create it again on the next call.
        this.#ready = undefined;
        throw new StorageUnavailable(1, { cause: err });
      }
      const status = storageStatus(err);
      if (status === 414 || status === 431) throw new RequestTooLong('The request is too long for storage once encoded.', { cause: err });
      if (isTransientStorageError(err)) throw new StorageUnavailable(10, { cause: err });
      throw err;
    }
  }

  /** An entity, or undefined when there is none. */
  find<T extends object>(partitionKey: string, rowKey: string): Promise<(T & { etag: string }) | undefined> {
    return this.run(async (abortSignal) => {
      try {
        return (await this.rest.getEntity({ partitionKey, rowKey }, abortSignal)) as unknown as T & { etag: string };
      } catch (err) {
        if (storageStatus(err) === 404 && storageErrorCode(err) !== 'TableNotFound') return undefined;
        throw err;
      }
    });
  }

  /** Inserts a row that must not exist yet; its ETag. */
  insert(entity: Entity): Promise<{ etag: string | undefined }> {
    return this.run((abortSignal) => this.rest.insert(entity, abortSignal));
  }

  /**
   * Inserts a row that nothing reads back before it is stored (a journal entry), together with the
   * others of its partition given in the same turn of the event loop: one round trip for all of them,
   * as one transaction (a lone row is a plain insert). Settles when its own row is stored, or with the
   * error that kept it out; a row storage refuses (too large, say) fails alone, the rest are stored.
   */
  insertGrouped(entity: Entity): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.#grouped.size === 0) setImmediate(() => this.#flushGrouped());
      const group = this.#grouped.get(entity.partitionKey) ?? [];
      if (group.length === 0) this.#grouped.set(entity.partitionKey, group);
      group.push({ entity, done: (err) => (err === undefined ? resolve() : reject(err)) });
    });
  }

  #flushGrouped(): void {
    const groups = this.#grouped;
    this.#grouped = new Map();
    for (const group of groups.values()) {
      let batch: GroupedInsert[] = [];
      let bytes = 0;
      for (const insert of group) {
        const size = payloadEstimate(insert.entity);
        if (batch.length === MAX_TRANSACTION_OPERATIONS || (batch.length > 0 && bytes + size > GROUP_PAYLOAD_BYTES)) {
          void this.#insertBatch(batch);
          batch = [];
          bytes = 0;
        }
        batch.push(insert);
        bytes += size;
      }
      void this.#insertBatch(batch);
    }
  }

  /** Never rejects: each row's own promise settles instead. */
  async #insertBatch(batch: GroupedInsert[]): Promise<void> {
    let remaining = batch;
    while (remaining.length > 0) {
      try {
        if (remaining.length === 1) await this.insert(remaining[0]!.entity);
        else await this.transaction(remaining.map((g): TableAction => ['create', g.entity]));
        for (const g of remaining) g.done();
        return;
      } catch (err) {
        const failure = err instanceof Error ? err : new Error(String(err));
        const index = remaining.length > 1 && !isTransientStorageError(err) ? failedOperation(err) : undefined;
        if (index === undefined || index >= remaining.length) {
          for (const g of remaining) g.done(failure);
          return;
        }
        // Storage refused one row of the transaction: that row fails, the others are sent again.
        remaining[index]!.done(failure);
        remaining = remaining.filter((_, i) => i !== index);
      }
    }
  }

  /** Replaces a row under its ETag; the new ETag. */
  replace(entity: Entity, etag: string): Promise<{ etag: string | undefined }> {
    return this.run((abortSignal) => this.rest.replace(entity, etag, abortSignal));
  }

  /** One entity-group transaction (one partition, up to 100 operations, all or none). */
  transaction(actions: readonly TableAction[]): Promise<TransactionResult> {
    return this.run((abortSignal) => this.rest.transaction(actions, abortSignal));
  }

  /** One page of a query. */
  page<T extends object>(
    filter: string | undefined,
    options: { top: number; continuation?: string; select?: string[] },
  ): Promise<{ items: (T & { partitionKey: string; rowKey: string; etag: string })[]; continuation?: string }> {
    return this.run(async (abortSignal) => {
      const page = await this.rest.query(
        { filter, select: options.select, top: options.top, continuation: options.continuation },
        abortSignal,
      );
      return page as { items: (T & { partitionKey: string; rowKey: string; etag: string })[]; continuation?: string };
    });
  }

  /** Every entity a query matches, page by page (each page its own round trip under the deadline). */
  async all<T extends object>(
    filter: string | undefined,
    select?: string[],
  ): Promise<(T & { partitionKey: string; rowKey: string; etag: string })[]> {
    const out: (T & { partitionKey: string; rowKey: string; etag: string })[] = [];
    let continuation: string | undefined;
    do {
      const page = await this.page<T>(filter, { top: 1000, continuation, select });
      out.push(...page.items);
      continuation = page.continuation;
    } while (continuation !== undefined);
    return out;
  }

  /**
   * Re-runs `step` while it loses races (returns LOST), with random backoff, within a few storage
   * deadlines; past that, StorageUnavailable (the caller retries later). No caller fails because
   * another one won: it tries again on what the winner wrote.
   */
  async untilWon<T>(step: (attempt: number) => Promise<T | Lost>): Promise<T> {
    const deadline = Date.now() + RACE_BUDGET_IN_DEADLINES * this.timeoutMs;
    for (let attempt = 1; ; attempt++) {
      const result = await step(attempt);
      if (result !== LOST) return result;
      if (attempt >= MAX_RACE_ATTEMPTS || Date.now() >= deadline) throw new StorageUnavailable(1);
      await sleep(Math.random() * Math.min(MAX_RACE_BACKOFF_MS, 5 * 2 ** attempt));
    }
  }

  /**
   * Deletes entities, 100 per transaction, partition by partition, a few transactions at a time. One
   * already gone is no error: a transaction that fails on it is done again without it.
   */
  async deleteAll(keys: readonly EntityKey[], parallel = 4): Promise<void> {
    const batches: EntityKey[][] = [];
    const byPartition = new Map<string, EntityKey[]>();
    for (const k of keys) byPartition.set(k.partitionKey, [...(byPartition.get(k.partitionKey) ?? []), k]);
    for (const group of byPartition.values()) {
      for (let i = 0; i < group.length; i += MAX_TRANSACTION_OPERATIONS) batches.push(group.slice(i, i + MAX_TRANSACTION_OPERATIONS));
    }
    const next = async (): Promise<void> => {
      for (let batch = batches.shift(); batch; batch = batches.shift()) await this.#deleteBatch(batch);
    };
    await Promise.all(Array.from({ length: Math.min(parallel, batches.length) }, next));
  }

  async #deleteBatch(batch: EntityKey[]): Promise<void> {
    let remaining = batch;
    while (remaining.length > 0) {
      try {
        await this.transaction(remaining.map((k): TableAction => ['delete', { partitionKey: k.partitionKey, rowKey: k.rowKey }]));
        return;
      } catch (err) {
        const index = failedOperation(err);
        if (storageStatus(err) !== 404 || index === undefined) throw err;
        remaining = remaining.filter((_, i) => i !== index);
      }
    }
  }

  /** The keys of every entity a filter matches (undefined: the whole table). */
  async keys(filter?: string): Promise<EntityKey[]> {
    const rows = await this.all<object>(filter, ['PartitionKey', 'RowKey']);
    return rows.map((e) => ({ partitionKey: e.partitionKey, rowKey: e.rowKey }));
  }
}

/** A filter for PartitionKey in [from, to). */
export function partitionRange(from: string, to: string | undefined): string {
  if (to === undefined) return odata`PartitionKey ge ${from}`;
  return from === '' ? odata`PartitionKey lt ${to}` : odata`PartitionKey ge ${from} and PartitionKey lt ${to}`;
}
