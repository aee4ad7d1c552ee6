import type { GraphVersion, ModelContribution } from './graph/model';
import type { OpenApiContribution } from './graph/openapi';
import type { Route } from './pipeline/context';

/**
 * What a resource (a folder: src/assignments/, src/configurations/) brings to the app: its rows of the
 * route table, its part of each version's model (for $metadata) and its part of the OpenAPI document.
 * The composition root (src/createApp.ts) lists the resources; nothing else needs to know them.
 */
export interface Resource {
  routes: Route[];
  model: Record<GraphVersion, ModelContribution>;
  /** Built when /openapi.json is first asked for: turning zod schemas into JSON Schema is most of an import otherwise. */
  openapi: () => OpenApiContribution;
}
