import { badRequest, GraphError, notFound } from '../graph/errors';
import { CountTooExpensive, IdempotencyConflict, NotStored } from '../store';

/** The store's answers that only this resource can word, in Graph's words (the rest: src/pipeline/storeErrors.ts). */

export const invalidContinuation = (): GraphError =>
  badRequest('The $skiptoken value is not valid. Use the @odata.nextLink of the previous page as it is.');

export const missingAssignment = (id: string): GraphError =>
  notFound(`No enrollmentConfigurationAssignment with id '${id}' exists in this configuration.`);

export function assignmentErrors(err: unknown): unknown {
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
