import { badRequest, preconditionFailed, serviceUnavailable } from '../graph/errors';
import { InvalidContinuation, RequestTooLong, StorageUnavailable, VersionMismatch } from '../store';

/**
 * The store's errors that mean the same on every route, in Graph's words: the store knows no HTTP, and
 * the pipeline's response shaping turns them into Graph's answers. A resource words its own (an
 * assignment not found: src/assignments/errors.ts).
 */
export function storeErrorAsGraph(err: unknown): unknown {
  if (err instanceof StorageUnavailable) {
    const unavailable = serviceUnavailable(err.retryAfterSeconds);
    unavailable.cause = err.cause;
    return unavailable;
  }
  if (err instanceof RequestTooLong) {
    return badRequest('The request is too long for storage once encoded: shorten the ids in the path or the values in $filter.');
  }
  if (err instanceof InvalidContinuation) {
    return badRequest('The $skiptoken value is not valid. Use the @odata.nextLink of the previous page as it is.');
  }
  if (err instanceof VersionMismatch) return preconditionFailed();
  return err;
}
