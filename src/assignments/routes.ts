import type { GraphVersion } from '../graph/model';
import { operationRow, type Route } from '../pipeline/context';
import type { AssignmentHandlers } from './handlers';
import { assignDoc, countDoc, createDoc, deleteDoc, getDoc, listDoc, updateDoc } from './openapi';

/**
 * The assignments' rows of the route table. Paths match Graph's (host.json sets the route prefix to
 * ""), so a Graph client only needs its base URL changed. Adding an operation is adding a row here;
 * no name or order matters (src/pipeline/router.ts picks the most specific template).
 */

/** The path of the original document: a configuration reached through an invitation's invited user. */
export const INVITATION_ASSIGNMENTS =
  'beta/invitations/{invitationsId}/invitedUser/deviceEnrollmentConfigurations/{deviceEnrollmentConfigurationId}/assignments';
/** Intune's canonical path to the same collection. */
export const DEVICE_MANAGEMENT_CONFIGURATION = 'beta/deviceManagement/deviceEnrollmentConfigurations/{deviceEnrollmentConfigurationId}';
export const DEVICE_MANAGEMENT_ASSIGNMENTS = `${DEVICE_MANAGEMENT_CONFIGURATION}/assignments`;
/**
 * v1.0's path to the collection. Only Intune's: v1.0's user has no deviceEnrollmentConfigurations
 * navigation (v1.0-Prod.csdl), so the invitation path does not exist in v1.0 and gets Graph's
 * unknown-segment answer (docs/graph-versions.md).
 */
export const V1_DEVICE_MANAGEMENT_CONFIGURATION = 'v1.0/deviceManagement/deviceEnrollmentConfigurations/{deviceEnrollmentConfigurationId}';
export const V1_DEVICE_MANAGEMENT_ASSIGNMENTS = `${V1_DEVICE_MANAGEMENT_CONFIGURATION}/assignments`;
const ITEM = '{enrollmentConfigurationAssignmentId}';

const row = operationRow;

function collectionRoutes(h: AssignmentHandlers, collection: string, suffix: string, v: GraphVersion): Route[] {
  return [
    row(`listAssignments${suffix}`, collection, 'GET', 'read', h.list, listDoc(v)),
    row(`createAssignment${suffix}`, collection, 'POST', 'write', h.create, createDoc(v)),
    row(`getAssignment${suffix}`, `${collection}/${ITEM}`, 'GET', 'read', h.get, getDoc(v)),
    row(`updateAssignment${suffix}`, `${collection}/${ITEM}`, 'PATCH', 'write', h.update, updateDoc(v)),
    row(`deleteAssignment${suffix}`, `${collection}/${ITEM}`, 'DELETE', 'write', h.delete, deleteDoc(v)),
  ];
}

export function assignmentRoutes(h: AssignmentHandlers): Route[] {
  return [
    ...collectionRoutes(h, INVITATION_ASSIGNMENTS, '', 'beta'),
    ...collectionRoutes(h, DEVICE_MANAGEMENT_ASSIGNMENTS, 'ViaDeviceManagement', 'beta'),
    row('assignConfiguration', `${DEVICE_MANAGEMENT_CONFIGURATION}/assign`, 'POST', 'write', h.assign, assignDoc('beta')),
    row('countAssignments', `${INVITATION_ASSIGNMENTS}/$count`, 'GET', 'read', h.count, countDoc('beta')),
    row('countAssignmentsViaDeviceManagement', `${DEVICE_MANAGEMENT_ASSIGNMENTS}/$count`, 'GET', 'read', h.count, countDoc('beta')),
    ...collectionRoutes(h, V1_DEVICE_MANAGEMENT_ASSIGNMENTS, 'V1', 'v1.0'),
    row('countAssignmentsV1', `${V1_DEVICE_MANAGEMENT_ASSIGNMENTS}/$count`, 'GET', 'read', h.count, countDoc('v1.0')),
    row('assignConfigurationV1', `${V1_DEVICE_MANAGEMENT_CONFIGURATION}/assign`, 'POST', 'write', h.assign, assignDoc('v1.0')),
  ];
}
