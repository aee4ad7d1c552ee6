/**
 * What the bench sends and stores. The raw baseline writes exactly the entity the app writes for
 * the POST body below (same properties, same target JSON text), so both sides move the same bytes.
 */
import { randomUUID } from 'node:crypto';

export const INVITATION_ID = 'bench-invitation';
export const GROUP_ID = '3c2d8e0a-6f5b-4a9e-9d1c-2b7f4e8a1c05';

export const POST_BODY = JSON.stringify({
  '@odata.type': '#microsoft.graph.enrollmentConfigurationAssignment',
  target: { '@odata.type': 'microsoft.graph.groupAssignmentTarget', groupId: GROUP_ID },
  source: 'direct',
  sourceId: 'bench-source',
});

/** The target as the app stores it: normalised type with '#', the filter fields present. */
const STORED_TARGET = JSON.stringify({
  '@odata.type': '#microsoft.graph.groupAssignmentTarget',
  deviceAndAppManagementAssignmentFilterId: null,
  deviceAndAppManagementAssignmentFilterType: 'none',
  groupId: GROUP_ID,
});

export interface BenchEntity {
  partitionKey: string;
  rowKey: string;
  /** The set's generation (docs/consistency.md); g0 in a configuration no assign action has replaced. */
  gen: string;
  invitationId: string;
  target: string;
  source: string;
  sourceId: string;
  createdDateTime: string;
  [key: string]: unknown;
}

export function benchEntity(partitionKey: string): BenchEntity {
  return {
    partitionKey,
    rowKey: randomUUID(),
    gen: 'g0',
    invitationId: INVITATION_ID,
    target: STORED_TARGET,
    source: 'direct',
    sourceId: 'bench-source',
    createdDateTime: new Date().toISOString(),
  };
}

export function collectionPath(configurationId: string): string {
  return `/beta/invitations/${INVITATION_ID}/invitedUser/deviceEnrollmentConfigurations/${encodeURIComponent(configurationId)}/assignments`;
}
