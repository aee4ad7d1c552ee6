import { getConfig, type AppConfig } from '../config';
import { badRequest, GraphError, notFound, preconditionFailed, serviceUnavailable } from '../graph/errors';
import {
  CountTooExpensive,
  createStores,
  DEFAULT_TENANT_ID,
  IdempotencyConflict,
  InvalidContinuation,
  NotStored,
  RequestTooLong,
  StorageUnavailable,
  VersionMismatch,
  type Stores,
} from '../store';

export type { AssignmentFilter, StoredAssignment } from '../store';

export const invalidContinuation = (): GraphError =>
  badRequest('The $skiptoken value is not valid. Use the @odata.nextLink of the previous page as it is.');

/** The store's errors in Graph's words. */
export function graphErrorOf(err: unknown): unknown {
  if (err instanceof StorageUnavailable) return serviceUnavailable(err.retryAfterSeconds);
  if (err instanceof RequestTooLong) {
    return badRequest('The request is too long for storage once encoded: shorten the ids in the path or the values in $filter.');
  }
  if (err instanceof InvalidContinuation) return invalidContinuation();
  if (err instanceof VersionMismatch) return preconditionFailed();
  if (err instanceof NotStored) return notFound('No enrollmentConfigurationAssignment with this id exists in this configuration.');
  if (err instanceof IdempotencyConflict) {
    return new GraphError(
      409,
      'Conflict',
      "A create with this 'client-request-id' was already made with a different body. Use a new 'client-request-id' for a different request.",
    );
  }
  if (err instanceof CountTooExpensive) {
    return badRequest(
      `$count=true with $filter is supported on configurations of up to ${err.bound} assignments; this one has ${err.total}. Use $count=true without $filter, or page through the filtered list.`,
    );
  }
  return err;
}

let stores: Stores | undefined;

/** The process's stores, created on first use. */
export function getStores(config: AppConfig = getConfig()): Stores {
  stores ??= createStores({ storage: config.storage, tableName: config.tableName, storageTimeoutMs: config.storageTimeoutMs });
  return stores;
}

export function getStore(config: AppConfig = getConfig()) {
  return getStores(config).assignments;
}

export const scopeOf = (configurationId: string) => ({ tenantId: DEFAULT_TENANT_ID, configurationId });
