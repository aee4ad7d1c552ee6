/**
 * What the bench sends and stores. The raw baselines write exactly the rows the app writes for the POST
 * body below (the same properties, the same target JSON text, the same counter slot and idempotency
 * record: compared with rows the app wrote into Azurite), so both sides move the same bytes.
 */
import { createHash, randomUUID } from 'node:crypto';

export const INVITATION_ID = 'bench-invitation';
export const GROUP_ID = '3c2d8e0a-6f5b-4a9e-9d1c-2b7f4e8a1c05';

export const POST_BODY = JSON.stringify({
  '@odata.type': '#microsoft.graph.enrollmentConfigurationAssignment',
  target: { '@odata.type': 'microsoft.graph.groupAssignmentTarget', groupId: GROUP_ID },
  source: 'direct',
  sourceId: 'bench-source',
});

/** The target as the app stores it: normalised type with '#', the filter fields present. */
const TARGET = {
  '@odata.type': '#microsoft.graph.groupAssignmentTarget',
  deviceAndAppManagementAssignmentFilterId: null,
  deviceAndAppManagementAssignmentFilterType: 'none',
  groupId: GROUP_ID,
};
const STORED_TARGET = JSON.stringify(TARGET);

export interface BenchEntity {
  partitionKey: string;
  rowKey: string;
  /** The set's generation (docs/consistency.md); g0 in a configuration no assign action has replaced. */
  gen: string;
  target: string;
  targetType: string;
  source: string;
  createdDateTime: string;
  invitationId: string;
  sourceId: string;
  targetGroupId: string;
  [key: string]: unknown;
}

/** The assignment row the app writes for POST_BODY, property for property. */
export function benchEntity(partitionKey: string, rowKey: string = randomUUID()): BenchEntity {
  return {
    partitionKey,
    rowKey,
    gen: 'g0',
    target: STORED_TARGET,
    targetType: TARGET['@odata.type'],
    source: 'direct',
    createdDateTime: new Date().toISOString(),
    invitationId: INVITATION_ID,
    sourceId: 'bench-source',
    targetGroupId: GROUP_ID,
  };
}

/** A counter slot row (`~n00`..`~n3f`): how much the set grew in generation `counted`. */
export function slotEntity(
  partitionKey: string,
  slot: number,
  n: number,
): Record<string, unknown> & { partitionKey: string; rowKey: string } {
  return { partitionKey, rowKey: `~n${slot.toString(16).padStart(2, '0')}`, counted: 'g0', n };
}

const sha256 = (text: string, encoding: 'hex' | 'base64') => createHash('sha256').update(text, 'utf8').digest(encoding);
const FINGERPRINT = sha256(JSON.stringify([INVITATION_ID, TARGET, 'direct', 'bench-source']), 'base64');

/** The idempotency record of a create that carried `clientRequestId`, as the app writes it beside `row`. */
export function recordEntity(
  row: BenchEntity,
  clientRequestId: string,
): Record<string, unknown> & { partitionKey: string; rowKey: string } {
  return {
    partitionKey: row.partitionKey,
    rowKey: `~r${sha256(clientRequestId, 'hex')}`,
    fingerprint: FINGERPRINT,
    assignment: JSON.stringify({
      configurationId: row.partitionKey,
      id: row.rowKey,
      invitationId: INVITATION_ID,
      target: TARGET,
      source: 'direct',
      sourceId: 'bench-source',
      createdDateTime: row.createdDateTime,
    }),
    expiresOn: new Date(Date.now() + 24 * 60 * 60_000),
    serial: 0,
  };
}

export function collectionPath(configurationId: string): string {
  return `/beta/invitations/${INVITATION_ID}/invitedUser/deviceEnrollmentConfigurations/${encodeURIComponent(configurationId)}/assignments`;
}
