import type { Resource } from '../resource';
import type { AssignmentStore } from '../store';
import { assignmentHandlers } from './handlers';
import { ASSIGNMENTS_MODEL } from './model';
import { assignmentsOpenApi } from './openapi';
import { assignmentRoutes } from './routes';

/** The enrollmentConfigurationAssignment resource, as the composition root mounts it. */
export function assignmentsResource(store: AssignmentStore): Resource {
  return { model: ASSIGNMENTS_MODEL, routes: assignmentRoutes(assignmentHandlers(store)), openapi: assignmentsOpenApi() };
}
