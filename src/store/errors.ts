/**
 * What the store reports, in its own terms: it knows no HTTP. The Graph layer turns each into Graph's
 * answer (503 with Retry-After, 400, 404, 409, 412).
 */

export class StoreError extends Error {
  override name = 'StoreError';
}

/** Storage could not be reached, timed out, or is busy: the caller should retry after `retryAfterSeconds`. */
export class StorageUnavailable extends StoreError {
  override name = 'StorageUnavailable';
  constructor(
    readonly retryAfterSeconds = 10,
    options?: { cause?: unknown },
  ) {
    super('Storage is unavailable', options);
  }
}

/** Storage refused the request line (414, or 431 from Azurite's 16 KiB header limit): the caller's ids or values are too long. */
export class RequestTooLong extends StoreError {
  override name = 'RequestTooLong';
}

/** A `$skiptoken` that storage does not take: tampered with, or from another query. */
export class InvalidContinuation extends StoreError {
  override name = 'InvalidContinuation';
}

/** An If-Match that does not name the stored version. */
export class VersionMismatch extends StoreError {
  override name = 'VersionMismatch';
}

/** A create's client-request-id was used before with a different body. */
export class IdempotencyConflict extends StoreError {
  override name = 'IdempotencyConflict';
}

/** The thing the operation acts on does not exist (an update of a missing assignment). */
export class NotStored extends StoreError {
  override name = 'NotStored';
}

/** `$count` with `$filter` on a set larger than the scan bound. */
export class CountTooExpensive extends StoreError {
  override name = 'CountTooExpensive';
  constructor(
    readonly total: number,
    readonly bound: number,
  ) {
    super(`A filtered count scans; this set has ${total} items, more than ${bound}.`);
  }
}
