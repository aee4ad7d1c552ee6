import { errorComponents, type OpenApiContribution, type Schema } from '../graph/openapi';
import type { Route } from '../pipeline/context';

/**
 * The OpenAPI 3.1 document of the routes an app serves: each route's own description (Route.openapi)
 * under its path and method, and the components, tags and security schemes each mounted part
 * contributes. The admin's appear only when MOCK_ADMIN=on mounts it, because only then are its routes
 * and contribution handed in.
 */

/** `beta/x/{id}` → `/beta/x/{id}` and the path parameters it declares. */
function pathOf(route: string): { path: string; parameters: Schema[] } {
  const names = [...route.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  return {
    path: `/${route}`,
    parameters: names.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string', maxLength: 512 } })),
  };
}

export function buildOpenApiDocument(routes: readonly Route[], contributions: readonly OpenApiContribution[], serverUrl?: string): Schema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    if (!r.openapi) continue;
    const { tag, ...operation } = r.openapi;
    const { path, parameters } = pathOf(r.route);
    const item = (paths[path] ??= parameters.length > 0 ? { parameters } : {});
    for (const method of r.methods) item[method.toLowerCase()] = { operationId: r.name, tags: [tag], ...operation };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Graph enrollment configuration assignments mock',
      version: '1.0.0',
      description: 'Microsoft Graph beta and v1.0 enrollmentConfigurationAssignment endpoints, answered as Graph does.',
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    tags: contributions.flatMap((c) => c.tags ?? []),
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        ...Object.fromEntries(contributions.flatMap((c) => Object.entries(c.securitySchemes ?? {}))),
      },
      schemas: { ...Object.fromEntries(contributions.flatMap((c) => Object.entries(c.schemas ?? {}))), ...errorComponents() },
    },
  };
}
