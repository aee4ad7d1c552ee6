import { keyLiteral, keySegment } from '../assignments/paths';
import { representation as assignmentRepresentation } from '../assignments/handlers';
import { unknownSegment } from '../graph/errors';
import type { GraphVersion } from '../graph/model';
import { applySelect } from '../graph/query';
import type { RequestContext } from '../pipeline/context';
import { isReservedKey, type StoredAssignment } from '../store';
import { representation, type StoredConfiguration } from './entity';
import { missingConfiguration } from './plans';
import { localTypeName, qualified } from './types';

/**
 * How the configurations resource addresses what it answers: the id in the path, the `@odata.context`
 * URLs Graph writes for a configuration, a list, a type-cast list and an expanded one, and each
 * configuration as the request's version shows it.
 */

export const COLLECTION_PATH = 'deviceManagement/deviceEnrollmentConfigurations';

/**
 * The configuration id in the path. A segment of the form `microsoft.graph.x` after the collection is a
 * type cast, not an id: those the version has are routes of their own, any other is Graph's unknown
 * segment. An id starting with `~` names nothing a client can address.
 */
export function configurationIdOf(ctx: RequestContext): string {
  const id = keySegment(ctx.params, 'deviceEnrollmentConfigurationId');
  if (/^microsoft\.graph\./i.test(id)) throw unknownSegment(id);
  if (isReservedKey(id)) throw missingConfiguration(id);
  return id;
}

/** `(displayName,assignments())`: what a context URL says of $select and $expand, or nothing. */
function projection(select: string[] | undefined, expanded: boolean): string {
  const parts = [...(select ?? []), ...(expanded ? ['assignments()'] : [])];
  return parts.length === 0 ? '' : `(${parts.join(',')})`;
}

export function entityContext(ctx: RequestContext, select?: string[], expanded = false): string {
  return `${ctx.serviceRoot}/$metadata#${COLLECTION_PATH}${projection(select, expanded)}/$entity`;
}

export function collectionContext(ctx: RequestContext, castType: string | undefined, select?: string[], expanded = false): string {
  const cast = castType === undefined ? '' : `/${qualified(castType)}`;
  return `${ctx.serviceRoot}/$metadata#${COLLECTION_PATH}${cast}${projection(select, expanded)}`;
}

/**
 * A stored configuration as the version shows it, with its ETag, the properties $select keeps and, when
 * expanded, its assignments with the context Graph gives them (the configuration's own type cast in it).
 */
export function shaped(
  ctx: RequestContext,
  stored: StoredConfiguration,
  etag: string,
  options: { select?: string[]; assignments?: StoredAssignment[] } = {},
): Record<string, unknown> {
  const version: GraphVersion = ctx.version;
  const { '@odata.type': type, ...rest } = representation(stored, version)!;
  const body = applySelect({ '@odata.type': type, '@odata.etag': etag, ...rest }, options.select);
  if (options.assignments) {
    body['assignments@odata.context'] =
      `${ctx.serviceRoot}/$metadata#${COLLECTION_PATH}${keyLiteral(stored.id)}/${qualified(localTypeName(stored['@odata.type']))}/assignments`;
    body.assignments = options.assignments.map((a) => assignmentRepresentation(a, version));
  }
  return body;
}
