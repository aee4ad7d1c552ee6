import {
  odata,
  TableClient,
  type TableServiceClientOptions,
  type TableTransactionResponse,
  type TransactionAction,
} from '@azure/data-tables';
import type { TokenCredential } from '@azure/identity';
import type { StorageSettings } from '../config';
import { RequestTooLong, StorageUnavailable } from './errors';

/**
 * The one way the app talks to Table Storage: every call under a deadline, storage's failures in the
 * store's terms, the one retry loop for writes that lost an ETag race, and batched deletes. Everything
 * that keeps rows (assignments, configurations, the journal, mock state) goes through a Table.
 */

/**
 * Retries are few and short on purpose: a caller waiting on a dead storage account should get a 503
 * with Retry-After in a few seconds, and retry on its own schedule, rather than hang.
 */
const clientOptions: TableServiceClientOptions = {
  retryOptions: { maxRetries: 2, retryDelayInMs: 100, maxRetryDelayInMs: 500 },
};

/** Table Storage's limit on one entity-group transaction. */
export const MAX_TRANSACTION_OPERATIONS = 100;

/**
 * @azure/identity (with MSAL) is most of the code the app would load at start-up, and only managed
 * identity storage needs it: it is required on first use, and the deployment bundle keeps it in a file
 * of its own, so a cold start with a connection string never reads it.
 */
function identity(): typeof import('@azure/identity') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, on purpose (above)
  return require('@azure/identity') as typeof import('@azure/identity');
}

function credentialFor(storage: Extract<StorageSettings, { kind: 'identity' }>): TokenCredential {
  const { DefaultAzureCredential, ManagedIdentityCredential } = identity();
  if (storage.clientId) return new ManagedIdentityCredential({ clientId: storage.clientId });
  if (storage.managedIdentity) return new ManagedIdentityCredential();
  return new DefaultAzureCredential();
}

function endpointOf(connectionString: string): string | undefined {
  if (/UseDevelopmentStorage=true/i.test(connectionString)) return 'http://127.0.0.1:10002';
  return /TableEndpoint=([^;]+)/i.exec(connectionString)?.[1];
}

/** A client for one table: a connection string (Azurite, local) or a table service URI with a managed identity (Azure, no keys). */
export function createTableClient(storage: StorageSettings, tableName: string): TableClient {
  if (storage.kind === 'identity') return new TableClient(storage.tableServiceUri, tableName, credentialFor(storage), clientOptions);
  const insecure = endpointOf(storage.connectionString)?.startsWith('http:') ?? false;
  return TableClient.fromConnectionString(storage.connectionString, tableName, { ...clientOptions, allowInsecureConnection: insecure });
}

/**
 * The storage service's own error code. RestError.code is undefined in @azure/data-tables 13.3.2 for
 * single operations; the code is in the parsed OData error body and in the x-ms-error-code header. A
 * failed transaction does set it.
 */
export function storageErrorCode(err: unknown): string | undefined {
  const e = err as {
    response?: { parsedBody?: { odataError?: { code?: string } }; headers?: { get?(name: string): string | undefined } };
    code?: string;
  };
  return e?.response?.parsedBody?.odataError?.code ?? e?.response?.headers?.get?.('x-ms-error-code') ?? e?.code;
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
export function etagAt(response: TableTransactionResponse, index: number): string | undefined {
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

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface EntityKey {
  partitionKey: string;
  rowKey: string;
}

/**
 * One table: created once (a failed creation is forgotten, so the next call tries again), every call
 * under a deadline, and storage failures turned into the store's errors.
 */
export class Table {
  #ready: Promise<void> | undefined;

  constructor(
    readonly client: TableClient,
    readonly timeoutMs: number,
  ) {}

  #ensureCreated(): Promise<void> {
    this.#ready ??= this.client.createTable({ abortSignal: AbortSignal.timeout(this.timeoutMs) }).catch((err: unknown) => {
      this.#ready = undefined;
      throw err;
    });
    return this.#ready;
  }

  /**
   * One round trip (the SDK's own few retries included) under the deadline. Storage that cannot be
   * reached is StorageUnavailable; a request line storage refuses as too long is RequestTooLong; any
   * other refusal (a 404, a lost race) comes back as the SDK's error for the caller to read.
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
        const entity = await this.client.getEntity<T>(partitionKey, rowKey, { abortSignal });
        return entity;
      } catch (err) {
        if (storageStatus(err) === 404 && storageErrorCode(err) !== 'TableNotFound') return undefined;
        throw err;
      }
    });
  }

  /** One entity-group transaction (one partition, up to 100 operations, all or none). */
  transaction(actions: TransactionAction[]): Promise<TableTransactionResponse> {
    return this.run((abortSignal) => this.client.submitTransaction(actions, { abortSignal }));
  }

  /** One page of a query. */
  page<T extends object>(
    filter: string | undefined,
    options: { top: number; continuation?: string; select?: string[] },
  ): Promise<{ items: (T & { partitionKey: string; rowKey: string; etag: string })[]; continuation?: string }> {
    return this.run(async (abortSignal) => {
      const pages = this.client
        .listEntities<T>({ queryOptions: { filter, select: options.select }, abortSignal })
        .byPage({ maxPageSize: options.top, continuationToken: options.continuation });
      const page = await pages.next();
      const items = (page.done ? [] : page.value) as (T & { partitionKey: string; rowKey: string; etag: string })[] & {
        continuationToken?: string;
      };
      return { items: [...items], continuation: items.continuationToken || undefined };
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
      await delay(Math.random() * Math.min(MAX_RACE_BACKOFF_MS, 5 * 2 ** attempt));
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
        await this.transaction(remaining.map((k): TransactionAction => ['delete', { partitionKey: k.partitionKey, rowKey: k.rowKey }]));
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
