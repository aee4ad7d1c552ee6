import type { HttpMethod } from '@azure/functions';
import {
  assignConfiguration,
  countAssignments,
  createAssignment,
  deleteAssignment,
  getAssignment,
  listAssignments,
  updateAssignment,
} from './assignments/handlers';
import { metadataHandler } from './graph/metadata';
import { assembleModel } from './graph/model';
import { ASSIGNMENTS_MODEL } from './assignments/model';
import { health } from './health';
import { batchHandler } from './graph/batch';
import { openApiHandler } from './openapi';
import { clearRequests, listRequests, reset, seedAssignments } from './mock/admin';
import { dispatcher, type RouteDefinition } from './routing';

/**
 * The route table: every operation the app serves, in one place. Paths match Graph's (host.json sets
 * the route prefix to ""), so a Graph client only needs its base URL changed.
 *
 * How it meets the Functions host's routing rule. The host does not rank routes by specificity: it
 * sorts functions by name (ordinal, case-insensitive) and the first whose template and methods match
 * wins (../shared/functions-host/README.md; azure-functions-host#3153, #9876). With one function per
 * operation, a catch-all for Graph's 404/405 (or any `{id}` template) would shadow every function
 * whose name sorts after it, and which routes work would depend on the names. So the host gets exactly
 * one function, `graph`, on `{*path}` for every method (src/functions/graph.ts), and the app routes
 * itself (src/routing.ts): the most specific template that matches the path owns it, then the method
 * picks the operation, else 405 with Allow; a path no template matches gets Graph's error. Adding a
 * route is adding a row below; no name or order matters. test/unit/host-routing.test.ts replays every
 * row's paths through the host's own rule over the registered metadata and fails if any would not
 * reach its operation.
 *
 * What the host owns before any function: `/admin/...` (its admin API) and `/runtime/webhooks/...`.
 */

export type { RouteDefinition };

/** The path of the original document: a configuration reached through an invitation's invited user. */
export const INVITATION_ASSIGNMENTS =
  'beta/invitations/{invitationsId}/invitedUser/deviceEnrollmentConfigurations/{deviceEnrollmentConfigurationId}/assignments';
/** Intune's canonical path to the same collection. */
export const DEVICE_MANAGEMENT_CONFIGURATION = 'beta/deviceManagement/deviceEnrollmentConfigurations/{deviceEnrollmentConfigurationId}';
export const DEVICE_MANAGEMENT_ASSIGNMENTS = `${DEVICE_MANAGEMENT_CONFIGURATION}/assignments`;
const ITEM = '{enrollmentConfigurationAssignmentId}';

function collectionRoutes(collection: string, suffix: string): RouteDefinition[] {
  return [
    { name: `listAssignments${suffix}`, route: collection, methods: ['GET'], handler: listAssignments },
    { name: `createAssignment${suffix}`, route: collection, methods: ['POST'], handler: createAssignment },
    { name: `getAssignment${suffix}`, route: `${collection}/${ITEM}`, methods: ['GET'], handler: getAssignment },
    { name: `updateAssignment${suffix}`, route: `${collection}/${ITEM}`, methods: ['PATCH'], handler: updateAssignment },
    { name: `deleteAssignment${suffix}`, route: `${collection}/${ITEM}`, methods: ['DELETE'], handler: deleteAssignment },
  ];
}

export const assignmentRoutes: RouteDefinition[] = [
  ...collectionRoutes(INVITATION_ASSIGNMENTS, ''),
  ...collectionRoutes(DEVICE_MANAGEMENT_ASSIGNMENTS, 'ViaDeviceManagement'),
  { name: 'assignConfiguration', route: `${DEVICE_MANAGEMENT_CONFIGURATION}/assign`, methods: ['POST'], handler: assignConfiguration },
];

// ---- Graph's protocol around the resource (issue 13, items 1 and 5): $batch, $count ----
export const protocolRoutes: RouteDefinition[] = [
  { name: 'batch', route: 'beta/$batch', methods: ['POST'], handler: batchHandler(() => hostFunction.handler) },
  { name: 'batchV1', route: 'v1.0/$batch', methods: ['POST'], handler: batchHandler(() => hostFunction.handler) },
  { name: 'countAssignments', route: `${INVITATION_ASSIGNMENTS}/$count`, methods: ['GET'], handler: countAssignments },
  {
    name: 'countAssignmentsViaDeviceManagement',
    route: `${DEVICE_MANAGEMENT_ASSIGNMENTS}/$count`,
    methods: ['GET'],
    handler: countAssignments,
  },
];

// ---- issue 13 items 2 and 4: v1.0 and $metadata ----

/**
 * v1.0's path to the collection. Only Intune's: v1.0's user has no deviceEnrollmentConfigurations
 * navigation (v1.0-Prod.csdl), so the invitation path does not exist in v1.0 and gets Graph's
 * unknown-segment answer (docs/graph-versions.md).
 */
export const V1_DEVICE_MANAGEMENT_CONFIGURATION = 'v1.0/deviceManagement/deviceEnrollmentConfigurations/{deviceEnrollmentConfigurationId}';
export const V1_DEVICE_MANAGEMENT_ASSIGNMENTS = `${V1_DEVICE_MANAGEMENT_CONFIGURATION}/assignments`;

export const versionRoutes: RouteDefinition[] = [
  ...collectionRoutes(V1_DEVICE_MANAGEMENT_ASSIGNMENTS, 'V1'),
  { name: 'assignConfigurationV1', route: `${V1_DEVICE_MANAGEMENT_CONFIGURATION}/assign`, methods: ['POST'], handler: assignConfiguration },
  {
    name: 'metadata',
    route: 'beta/$metadata',
    methods: ['GET'],
    handler: metadataHandler(assembleModel('beta', [ASSIGNMENTS_MODEL.beta])),
  },
  {
    name: 'metadataV1',
    route: 'v1.0/$metadata',
    methods: ['GET'],
    handler: metadataHandler(assembleModel('v1.0', [ASSIGNMENTS_MODEL['v1.0']])),
  },
];

// ---- end of issue 13 items 2 and 4 ----

// ---- issue 14: test-automation controls (docs/admin.md), served only with MOCK_ADMIN=on ----
export const adminRoutes: RouteDefinition[] = [
  { name: 'adminListRequests', route: '__admin/requests', methods: ['GET'], handler: listRequests },
  { name: 'adminClearRequests', route: '__admin/requests', methods: ['DELETE'], handler: clearRequests },
  { name: 'adminReset', route: '__admin/reset', methods: ['POST'], handler: reset },
  { name: 'adminSeed', route: '__admin/seed', methods: ['POST'], handler: seedAssignments },
];

export const serviceRoutes: RouteDefinition[] = [
  { name: 'health', route: 'health', methods: ['GET'], handler: health },
  { name: 'openApi', route: 'openapi.json', methods: ['GET'], handler: openApiHandler(() => knownRoutes()) },
];

/** Every operation, for the router and the OpenAPI document. */
export function knownRoutes(): RouteDefinition[] {
  return [...assignmentRoutes, ...protocolRoutes, ...versionRoutes, ...adminRoutes, ...serviceRoutes];
}

/** The methods the host hands to the one function: everything it serves, so the app answers 405 itself. */
export const HOST_METHODS: HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

/** The one function the host sees. */
export const hostFunction = { name: 'graph', route: '{*path}', methods: HOST_METHODS, handler: dispatcher(knownRoutes()) };
