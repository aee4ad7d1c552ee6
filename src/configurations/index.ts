import type { ConfigurationGate } from '../assignments/gate';
import { VERSIONS, type GraphVersion, type ModelContribution } from '../graph/model';
import type { Resource } from '../resource';
import type { AssignmentStore, ConfigurationStore } from '../store';
import { configurationGate } from './gate';
import { configurationHandlers } from './handlers';
import { configurationsModelContribution } from './model';
import { configurationsOpenApi } from './openapi';
import { configurationRoutes } from './routes';
import type { ConfigurationSettings } from './settings';

export { defaultRows } from './plans';

/** The resource's part of each version's model: what $metadata serves, the same model validation reads. */
export const CONFIGURATIONS_MODEL = Object.fromEntries(VERSIONS.map((v) => [v, configurationsModelContribution(v)])) as Record<
  GraphVersion,
  ModelContribution
>;

/**
 * The deviceEnrollmentConfiguration resource, as the composition root mounts it, and the gate it gives
 * the assignments resource (each assignment collection belongs to a configuration). Deleting a
 * configuration empties its assignments, so the resource is handed the assignments store too.
 */
export function configurationsResource(
  stores: { configurations: ConfigurationStore; assignments: AssignmentStore },
  settings: ConfigurationSettings,
): Resource & { gate: ConfigurationGate } {
  return {
    model: CONFIGURATIONS_MODEL,
    routes: configurationRoutes(configurationHandlers(stores.configurations, stores.assignments)),
    openapi: configurationsOpenApi,
    gate: configurationGate(stores.configurations, settings),
  };
}
