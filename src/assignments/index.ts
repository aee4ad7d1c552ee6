import type { Resource } from '../resource';
import type { AssignmentStore } from '../store';
import type { ConfigurationGate } from './gate';
import { assignmentHandlers } from './handlers';
import { ASSIGNMENTS_MODEL } from './model';
import { assignmentsOpenApi } from './openapi';
import { assignmentRoutes } from './routes';

/** The enrollmentConfigurationAssignment resource, as the composition root mounts it, each collection under its configuration. */
export function assignmentsResource(store: AssignmentStore, configurations?: ConfigurationGate): Resource {
  return { model: ASSIGNMENTS_MODEL, routes: assignmentRoutes(assignmentHandlers(store, configurations)), openapi: assignmentsOpenApi };
}
