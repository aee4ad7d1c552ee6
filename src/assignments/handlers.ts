import { v4 as uuidv4 } from 'uuid';
import { readJsonObject } from '../graph/body';
import { graphHandler, type GraphRequest } from '../graph/handler';
import { keyLiteral, keySegment } from './paths';
import { ASSIGNMENT_TYPE, createAssignmentSchema, normaliseTarget, parseWith } from './schema';
import { getStore, type StoredAssignment } from './store';

/**
 * The assignments resource: plain handlers that the registration files hand to app.http and that
 * tests call directly with real HttpRequest objects.
 */

interface CollectionAddress {
  configurationId: string;
  invitationId: string | null;
  /** The collection's path in an @odata.context URL, as Graph writes it for the path the client used. */
  contextPath: string;
}

function collectionAddress(g: GraphRequest): CollectionAddress {
  const params = g.request.params;
  const configurationId = keySegment(params, 'deviceEnrollmentConfigurationId');
  if (params.invitationsId !== undefined) {
    const invitationId = keySegment(params, 'invitationsId');
    return {
      configurationId,
      invitationId,
      contextPath: `invitations${keyLiteral(invitationId)}/invitedUser/deviceEnrollmentConfigurations${keyLiteral(configurationId)}/assignments`,
    };
  }
  return {
    configurationId,
    invitationId: null,
    contextPath: `deviceManagement/deviceEnrollmentConfigurations${keyLiteral(configurationId)}/assignments`,
  };
}

/** The URL of the collection the request addressed, as the client wrote it (for Location and links). */
function collectionUrl(g: GraphRequest, itemSegments = 0): string {
  const url = new URL(g.request.url);
  const segments = url.pathname.split('/').filter((s) => s.length > 0);
  return `${url.origin}/${segments.slice(0, segments.length - itemSegments).join('/')}`;
}

export function representation(a: StoredAssignment): Record<string, unknown> {
  return {
    '@odata.type': `#${ASSIGNMENT_TYPE}`,
    id: a.id,
    target: a.target,
    source: a.source,
    sourceId: a.sourceId,
  };
}

export const createAssignment = graphHandler(
  async (g) => {
    const address = collectionAddress(g);
    const input = parseWith(createAssignmentSchema, await readJsonObject(g.request));
    const stored = await getStore(g.config).create({
      configurationId: address.configurationId,
      id: uuidv4(),
      invitationId: address.invitationId,
      target: normaliseTarget(input.target),
      source: input.source ?? 'direct',
      sourceId: input.sourceId ?? null,
      createdDateTime: new Date().toISOString(),
    });
    return {
      status: 201,
      headers: { Location: `${collectionUrl(g)}/${encodeURIComponent(stored.id)}` },
      body: {
        '@odata.context': `${g.serviceRoot}/$metadata#${address.contextPath}/$entity`,
        ...representation(stored),
      },
    };
  },
  { access: 'write' },
);
