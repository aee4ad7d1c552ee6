import type { HttpHandler, HttpMethod } from '@azure/functions';
import {
  assignConfiguration,
  createAssignment,
  deleteAssignment,
  getAssignment,
  listAssignments,
  updateAssignment,
} from './assignments/handlers';
import { methodNotAllowed, notFound } from './graph/errors';
import { graphHandler } from './graph/handler';
import { health } from './health';
import { openApiHandler } from './openapi';
import { matchRoute } from './routing';

/**
 * The route table: every function the app registers, in one place. Paths match Graph's (host.json
 * sets the route prefix to ""), so a Graph client only needs its base URL changed.
 */

export interface RouteDefinition {
  name: string;
  route: string;
  methods: HttpMethod[];
  handler: HttpHandler;
}

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

export const serviceRoutes: RouteDefinition[] = [
  { name: 'health', route: 'health', methods: ['GET'], handler: health },
  { name: 'openApi', route: 'openapi.json', methods: ['GET'], handler: openApiHandler(() => knownRoutes()) },
];

const ALL_METHODS: HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

/** Known routes, for telling a wrong method (405) from an unknown path (404). */
function knownRoutes(): RouteDefinition[] {
  return [...assignmentRoutes, ...serviceRoutes];
}

/**
 * Everything no other function matched: Graph's 404 for an unknown path, or 405 with Allow when the
 * path is known but the method is not.
 */
export const fallback = graphHandler(async (g) => {
  const pathname = new URL(g.request.url).pathname;
  const allowed = knownRoutes()
    .filter((r) => matchRoute(r.route, pathname) !== undefined)
    .flatMap((r) => r.methods);
  if (allowed.length > 0) throw methodNotAllowed(g.request.method, [...new Set(allowed)]);
  throw notFound(`Resource not found for the segment '${pathname.split('/').filter(Boolean).pop() ?? ''}'.`);
});

export const fallbackRoutes: RouteDefinition[] = [
  { name: 'fallback', route: '{*path}', methods: ALL_METHODS, handler: fallback },
];
