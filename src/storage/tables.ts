import { TableClient, type TableServiceClientOptions } from '@azure/data-tables';
import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import type { AppConfig } from '../config';

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

function credentialFor(storage: Extract<AppConfig['storage'], { kind: 'identity' }>): TokenCredential {
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
