import { TableClient, type TableServiceClientOptions } from '@azure/data-tables';
import type { TokenCredential } from '@azure/identity';
import type { AppConfig } from '../config';
import { GraphError, serviceUnavailable } from '../graph/errors';

/**
 * Builds the process's TableClients (one per table, each created once) from the settings: a
 * connection string (Azurite, local) or a table service URI with a managed identity (Azure, no keys).
 *
 * Retries are few and short on purpose: a caller waiting on a dead storage account should get a 503
 * with Retry-After in a few seconds, and retry on its own schedule, rather than hang.
 */
const clientOptions: TableServiceClientOptions = {
  retryOptions: { maxRetries: 2, retryDelayInMs: 100, maxRetryDelayInMs: 500 },
};

/**
 * @azure/identity (with MSAL) is most of the code the app would load at start-up, and only managed
 * identity storage needs it: it is required here, on first use, and the deployment bundle keeps it in a
 * file of its own (scripts/bundle.js), so a cold start with a connection string never reads it.
 */
function identity(): typeof import('@azure/identity') {
  return require('@azure/identity') as typeof import('@azure/identity');
}

function credentialFor(storage: Extract<AppConfig['storage'], { kind: 'identity' }>): TokenCredential {
  const { DefaultAzureCredential, ManagedIdentityCredential } = identity();
  if (storage.clientId) return new ManagedIdentityCredential({ clientId: storage.clientId });
  if (storage.managedIdentity) return new ManagedIdentityCredential();
  return new DefaultAzureCredential();
}

function endpointOf(connectionString: string): string | undefined {
  if (/UseDevelopmentStorage=true/i.test(connectionString)) return 'http://127.0.0.1:10002';
  return /TableEndpoint=([^;]+)/i.exec(connectionString)?.[1];
}

/** A client for `tableName` (the assignments table unless another is named) with the process's credentials. */
export function createTableClient(config: AppConfig, tableName: string = config.tableName): TableClient {
  const { storage } = config;
  if (storage.kind === 'identity') {
    return new TableClient(storage.tableServiceUri, tableName, credentialFor(storage), clientOptions);
  }
  const insecure = endpointOf(storage.connectionString)?.startsWith('http:') ?? false;
  return TableClient.fromConnectionString(storage.connectionString, tableName, {
    ...clientOptions,
    allowInsecureConnection: insecure,
  });
}

/**
 * The storage service's own error code. RestError.code is undefined in @azure/data-tables 13.3.2;
 * the code is in the parsed OData error body and in the x-ms-error-code header.
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

/**
 * One table of the process: created once (a failed creation is forgotten, so the next request tries
 * again), every operation under a deadline, and storage failures turned into Graph's 503 with
 * Retry-After. Errors that mean something else (a 404, a 412) are the caller's to map, through
 * `mapError`, before the generic rules apply.
 */
export class StorageTable {
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

  async run<T>(operation: (abortSignal: AbortSignal) => Promise<T>, mapError?: (err: unknown) => GraphError | undefined): Promise<T> {
    try {
      await this.#ensureCreated();
      return await operation(AbortSignal.timeout(this.timeoutMs));
    } catch (err) {
      if (err instanceof GraphError) throw err;
      if (storageErrorCode(err) === 'TableNotFound') {
        // Someone deleted the table under us: create it again on the next request.
        this.#ready = undefined;
        throw serviceUnavailable(1);
      }
      const mapped = mapError?.(err);
      if (mapped) throw mapped;
      if (isTransientStorageError(err)) throw serviceUnavailable();
      throw err;
    }
  }

  /** An entity, or undefined when there is none (a missing table is still an error). */
  async find<T extends object>(
    partitionKey: string,
    rowKey: string,
    abortSignal: AbortSignal,
  ): Promise<(T & { etag: string }) | undefined> {
    try {
      return (await this.client.getEntity<T>(partitionKey, rowKey, { abortSignal })) as T & { etag: string };
    } catch (err) {
      if (storageStatus(err) === 404 && storageErrorCode(err) !== 'TableNotFound') return undefined;
      throw err;
    }
  }
}
