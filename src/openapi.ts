// A namespace import lets esbuild tree-shake zod; `import { z }` keeps all of it (every locale) in the bundle.
import * as z from 'zod';
import type { GraphVersion } from './graph/model';
import { schemasFor } from './assignments/schema';
import { odataErrorSchema } from './graph/errors';
import { graphHandler } from './graph/handler';
import type { RouteDefinition } from './routes';
import { isAdminRoute } from './mock/admin';
import { MAX_BODY_CHARS } from './mock/journal';
import { MAX_SEED_ITEMS } from './mock/seed';

/**
 * An OpenAPI 3.1 description of every route, generated from the route table and the same zod schemas
 * the handlers validate with (zod's JSON Schema output is draft 2020-12, OpenAPI 3.1's dialect), so
 * the document cannot drift from what the API does.
 */

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

/** Beta's components keep their plain names; v1.0's (its own schema: target only) carry a suffix. */
const componentName = (name: string, version: GraphVersion) => (version === 'beta' ? name : `${name}.v1.0`);
const vref = (name: string, version: GraphVersion) => ref(componentName(name, version));

/** Each schema under its component name; references between them point into components. */
function componentSchemas(io: 'input' | 'output', schemas: Record<string, z.ZodType>): Record<string, Schema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const { schemas: out } = z.toJSONSchema(registry, {
    io,
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  }) as { schemas: Record<string, Schema> };
  // zod names each schema by its URI in $id; a fragment-only $id is not allowed in 2020-12, and the
  // component's place already names it.
  for (const schema of Object.values(out)) {
    delete schema.$schema;
    delete schema.$id;
  }
  return out;
}

export const EXAMPLE_CREATE = {
  '@odata.type': '#microsoft.graph.enrollmentConfigurationAssignment',
  target: { '@odata.type': 'microsoft.graph.groupAssignmentTarget', groupId: '00000000-0000-0000-0000-000000000001' },
  source: 'direct',
  sourceId: 'Source Id value',
};

export const EXAMPLE_ASSIGNMENT = {
  '@odata.context':
    "https://example.net/beta/$metadata#deviceManagement/deviceEnrollmentConfigurations('demo-configuration')/assignments/$entity",
  '@odata.type': '#microsoft.graph.enrollmentConfigurationAssignment',
  '@odata.etag': 'W/"datetime\'2026-11-28T10%3A27%3A23.1234567Z\'"',
  id: '1f0c7f5e-3b0e-4a53-9d0b-8d1f1c2f3a4b',
  target: {
    '@odata.type': '#microsoft.graph.groupAssignmentTarget',
    deviceAndAppManagementAssignmentFilterId: null,
    deviceAndAppManagementAssignmentFilterType: 'none',
    groupId: '00000000-0000-0000-0000-000000000001',
  },
  source: 'direct',
  sourceId: 'Source Id value',
};

export const EXAMPLE_PATCH = { source: 'policySets' };

export const EXAMPLE_ASSIGN = {
  enrollmentConfigurationAssignments: [
    { target: { '@odata.type': '#microsoft.graph.allLicensedUsersAssignmentTarget' } },
    { target: { '@odata.type': '#microsoft.graph.exclusionGroupAssignmentTarget', groupId: '00000000-0000-0000-0000-000000000002' } },
  ],
};

export const EXAMPLE_ERROR = {
  error: {
    code: 'BadRequest',
    message: "Invalid value 'String' for property 'source'. It must be one of: 'direct', 'policySets'.",
    innerError: {
      date: '2026-11-28T10:27:23',
      'request-id': '8f2cc182-f6bb-4fe2-ae9f-d91fb8f44654',
      'client-request-id': '8f2cc182-f6bb-4fe2-ae9f-d91fb8f44654',
    },
  },
};

const errorResponses = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((s) => [
      String(s),
      {
        description: 'Graph error envelope',
        content: { 'application/json': { schema: ref('ODataError'), ...(s === 400 ? { example: EXAMPLE_ERROR } : {}) } },
      },
    ]),
  );

const json = (schema: Schema, example?: unknown) => ({ 'application/json': { schema, ...(example === undefined ? {} : { example }) } });

const queryParameter = (name: string, description: string, schema: Schema) => ({ name, in: 'query', required: false, description, schema });

const collectionQuery = [
  queryParameter('$top', 'Page size, 1-999 (default 100).', { type: 'integer', minimum: 1, maximum: 999 }),
  queryParameter('$skiptoken', 'Opaque; use @odata.nextLink as it is.', { type: 'string' }),
  queryParameter('$select', 'Comma-separated: target, source, sourceId (id is always returned).', { type: 'string' }),
  queryParameter('$count', 'true adds @odata.count.', { type: 'boolean' }),
  queryParameter('$filter', "eq comparisons joined by and, on source, sourceId, target/groupId: target/groupId eq 'x'.", {
    type: 'string',
  }),
];

/** With MOCK_ADMIN_KEY set the admin endpoints need it as a bearer token; without, nothing. */
const adminSecurity = [{ adminKey: [] }, {}];

export const EXAMPLE_SEED = {
  assignments: [
    {
      configurationId: 'demo-configuration',
      id: 'seeded-1',
      target: { '@odata.type': '#microsoft.graph.allLicensedUsersAssignmentTarget' },
    },
  ],
};

/** The admin endpoints' own shapes (docs/admin.md); the seed's items are creates plus configurationId and id. */
const adminComponents = (): Record<string, Schema> => ({
  mockSeed: {
    type: 'object',
    required: ['assignments'],
    additionalProperties: false,
    properties: {
      assignments: {
        type: 'array',
        maxItems: MAX_SEED_ITEMS,
        items: {
          allOf: [
            ref('enrollmentConfigurationAssignmentCreate'),
            {
              type: 'object',
              required: ['configurationId'],
              properties: { configurationId: { type: 'string', minLength: 1, maxLength: 1024 }, id: { type: 'string', minLength: 1 } },
            },
          ],
        },
      },
    },
  },
  mockJournalEntry: {
    type: 'object',
    properties: {
      receivedDateTime: { type: 'string', format: 'date-time' },
      method: { type: 'string' },
      url: { type: 'string' },
      headers: {
        type: 'object',
        additionalProperties: { type: 'string' },
        description: 'Authorization as <scheme> sha256:<12 hex>; values holding a key of the app as [redacted]',
      },
      body: { description: `Parsed JSON, else text; past ${MAX_BODY_CHARS} characters, its start as text` },
      bodyTruncated: { type: 'boolean' },
      response: {
        type: 'object',
        properties: { status: { type: 'integer' }, headers: { type: 'object', additionalProperties: { type: 'string' } } },
      },
      durationMs: { type: 'integer' },
      requestId: { type: ['string', 'null'] },
      clientRequestId: { type: ['string', 'null'] },
      principal: { type: ['object', 'null'], properties: { kind: { type: 'string' }, callerId: { type: 'string' } } },
      attempt: { type: 'integer', minimum: 1, description: 'The nth request carrying this client-request-id' },
      retryAfterViolation: { type: 'boolean', description: "A retry that came before the previous answer's Retry-After elapsed" },
    },
  },
});

const ifMatch = {
  name: 'If-Match',
  in: 'header',
  required: false,
  description: 'The ETag to match; * matches any.',
  schema: { type: 'string' },
};

/** What each operation (by function name, without the path and version suffixes) says about itself. */
const operations: Record<string, (version: GraphVersion) => Schema> = {
  listAssignments: (v) => ({
    summary: 'List assignments',
    parameters: collectionQuery,
    responses: {
      '200': { description: 'A page of assignments', content: json(vref('enrollmentConfigurationAssignmentCollectionResponse', v)) },
      ...errorResponses(400, 401, 503),
    },
  }),
  createAssignment: (v) => ({
    summary: 'Create an assignment',
    requestBody: {
      required: true,
      content: json(vref('enrollmentConfigurationAssignmentCreate', v), v === 'beta' ? EXAMPLE_CREATE : undefined),
    },
    responses: {
      '201': {
        description: 'Created; Location names the new assignment',
        headers: { Location: { schema: { type: 'string' } }, ETag: { schema: { type: 'string' } } },
        content: json(vref('enrollmentConfigurationAssignment', v), v === 'beta' ? EXAMPLE_ASSIGNMENT : undefined),
      },
      ...errorResponses(400, 401, 413, 415, 503),
    },
  }),
  getAssignment: (v) => ({
    summary: 'Get an assignment',
    parameters: [queryParameter('$select', v === 'beta' ? 'Comma-separated: target, source, sourceId.' : 'target', { type: 'string' })],
    responses: {
      '200': {
        description: 'The assignment',
        content: json(vref('enrollmentConfigurationAssignment', v), v === 'beta' ? EXAMPLE_ASSIGNMENT : undefined),
      },
      ...errorResponses(400, 401, 404, 503),
    },
  }),
  updateAssignment: (v) => ({
    summary: 'Update an assignment (merge)',
    parameters: [ifMatch],
    requestBody: {
      required: true,
      content: json(vref('enrollmentConfigurationAssignmentUpdate', v), v === 'beta' ? EXAMPLE_PATCH : undefined),
    },
    responses: {
      '200': { description: 'The updated assignment', content: json(vref('enrollmentConfigurationAssignment', v)) },
      ...errorResponses(400, 401, 404, 412, 413, 415, 503),
    },
  }),
  deleteAssignment: () => ({
    summary: 'Delete an assignment',
    parameters: [ifMatch],
    responses: { '204': { description: 'Deleted' }, ...errorResponses(401, 404, 412, 503) },
  }),
  assignConfiguration: (v) => ({
    summary: "Replace the configuration's whole assignment set",
    requestBody: { required: true, content: json(vref('assignActionParameters', v), v === 'beta' ? EXAMPLE_ASSIGN : undefined) },
    responses: { '204': { description: 'Replaced' }, ...errorResponses(400, 401, 413, 415, 503) },
  }),
  countAssignments: () => ({
    summary: 'Count assignments ($count segment), as text/plain',
    parameters: [queryParameter('$filter', 'eq on source, sourceId, target/groupId, joined by and.', { type: 'string' })],
    responses: {
      '200': { description: 'The number of assignments', content: { 'text/plain': { schema: { type: 'string', pattern: '^[0-9]+$' } } } },
      ...errorResponses(400, 401, 503),
    },
  }),
  batch: () => ({
    summary: 'JSON batching: up to 20 requests, each answered as if sent alone',
    requestBody: {
      required: true,
      content: json({
        type: 'object',
        required: ['requests'],
        properties: {
          requests: {
            type: 'array',
            maxItems: 20,
            items: {
              type: 'object',
              required: ['id', 'method', 'url'],
              properties: {
                id: { type: 'string' },
                method: { type: 'string', enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] },
                url: { type: 'string', description: "Relative to the batch's version, e.g. /deviceManagement/..." },
                headers: { type: 'object', additionalProperties: { type: 'string' } },
                body: {},
                dependsOn: { type: 'array', items: { type: 'string' } },
              },
            },
          },
        },
      }),
    },
    responses: {
      '200': {
        description: "Every item's answer (a failed dependency is a 424 item)",
        content: json({
          type: 'object',
          properties: {
            responses: {
              type: 'array',
              items: {
                type: 'object',
                required: ['id', 'status'],
                properties: {
                  id: { type: 'string' },
                  status: { type: 'integer' },
                  headers: { type: 'object', additionalProperties: { type: 'string' } },
                  body: {},
                },
              },
            },
          },
        }),
      },
      ...errorResponses(400, 401, 413, 415),
    },
  }),
  health: () => ({
    summary: 'Health: the table answers',
    security: [],
    responses: {
      '200': { description: 'Healthy', content: json({ type: 'object', properties: { status: { const: 'ok' } } }) },
      ...errorResponses(503),
    },
  }),
  metadata: () => ({
    summary: 'The CSDL ($metadata) of the types this API serves; @odata.context links point into it',
    security: [],
    responses: { '200': { description: 'OData 4.0 CSDL XML', content: { 'application/xml': { schema: { type: 'string' } } } } },
  }),
  openApi: () => ({ summary: 'This document', security: [], responses: { '200': { description: 'OpenAPI 3.1 document' } } }),
  // Issue 14's test-automation controls (docs/admin.md), listed only while MOCK_ADMIN=on serves them.
  adminListRequests: () => ({
    summary: 'The request journal, newest first',
    security: adminSecurity,
    parameters: [
      queryParameter('clientRequestId', 'Only requests with this client-request-id.', { type: 'string', maxLength: 1024 }),
      queryParameter('method', 'Only this HTTP method.', { type: 'string', maxLength: 1024 }),
      queryParameter('path', 'Only URL paths starting with this, case-insensitive, e.g. /beta/deviceManagement.', {
        type: 'string',
        maxLength: 1024,
      }),
      queryParameter('since', 'Only requests received at or after this ISO 8601 time.', { type: 'string', format: 'date-time' }),
      queryParameter('$top', 'At most this many entries (default 100).', { type: 'integer', minimum: 1, maximum: 1000 }),
    ],
    responses: {
      '200': {
        description: 'Journal entries',
        content: json({ type: 'object', required: ['value'], properties: { value: { type: 'array', items: ref('mockJournalEntry') } } }),
      },
      ...errorResponses(400, 401, 503),
    },
  }),
  adminClearRequests: () => ({
    summary: 'Empty the request journal',
    security: adminSecurity,
    responses: { '204': { description: 'Emptied' }, ...errorResponses(401, 503) },
  }),
  adminReset: () => ({
    summary: "Remove every assignment, the journal and the mock state; or, with configurationId, one configuration's assignments",
    security: adminSecurity,
    parameters: [
      queryParameter('configurationId', "Only this configuration's assignments.", { type: 'string', minLength: 1, maxLength: 1024 }),
    ],
    responses: { '204': { description: 'Reset' }, ...errorResponses(400, 401, 503) },
  }),
  adminSeed: () => ({
    summary: 'Store assignments, each validated as a create; an id may be given, and an existing id is not written again',
    security: adminSecurity,
    requestBody: { required: true, content: json(ref('mockSeed'), EXAMPLE_SEED) },
    responses: {
      '200': {
        description: 'What is stored, in the order given',
        content: json({
          type: 'object',
          properties: {
            assignments: {
              type: 'array',
              items: {
                allOf: [ref('enrollmentConfigurationAssignment'), { type: 'object', properties: { configurationId: { type: 'string' } } }],
              },
            },
          },
        }),
      },
      ...errorResponses(400, 401, 413, 415, 503),
    },
  }),
};

/** `beta/x/{id}` → `/beta/x/{id}` and the path parameters it declares. */
function pathOf(route: string): { path: string; parameters: Schema[] } {
  const names = [...route.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  return {
    path: `/${route}`,
    parameters: names.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string', maxLength: 512 } })),
  };
}

/** One version's component schemas, from the zod schemas its handlers validate with. */
function versionComponents(version: GraphVersion): Record<string, Schema> {
  const s = schemasFor(version);
  const n = (name: string) => componentName(name, version);
  return {
    ...componentSchemas('input', {
      [n('enrollmentConfigurationAssignmentCreate')]: s.create,
      [n('enrollmentConfigurationAssignmentUpdate')]: s.update,
      [n('assignActionParameters')]: s.assign,
    }),
    ...componentSchemas('output', {
      [n('enrollmentConfigurationAssignment')]: s.resource,
      [n('deviceAndAppManagementAssignmentTarget')]: s.targetResource,
      [n('enrollmentConfigurationAssignmentCollectionResponse')]: s.collection,
    }),
  };
}

/** The document for these routes; the admin rows, their tag and shapes only where the routes include them. */
export function buildOpenApiDocument(routes: RouteDefinition[], serverUrl?: string): Schema {
  const paths: Record<string, Record<string, unknown>> = {};
  const admin = routes.some((r) => isAdminRoute(r.route));
  for (const r of routes) {
    const version: GraphVersion = /V1$/.test(r.name) || r.route.startsWith('v1.0/') ? 'v1.0' : 'beta';
    const describe = operations[r.name.replace(/V1$/, '').replace(/ViaDeviceManagement$/, '')];
    if (!describe) continue; // the catch-all is not an operation
    const { path, parameters } = pathOf(r.route);
    const item = (paths[path] ??= parameters.length > 0 ? { parameters } : {});
    for (const method of r.methods) {
      const op = describe(version);
      const tag = isAdminRoute(r.route)
        ? 'admin'
        : ['health', 'openApi', 'metadata', 'metadataV1'].includes(r.name)
          ? 'service'
          : version === 'beta'
            ? 'assignments'
            : 'assignments (v1.0)';
      item[method.toLowerCase()] = { operationId: r.name, tags: [tag], ...op };
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Graph enrollment configuration assignments mock',
      version: '1.0.0',
      description: 'Microsoft Graph beta and v1.0 enrollmentConfigurationAssignment endpoints, answered as Graph does.',
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    tags: [
      { name: 'assignments', description: 'Graph beta' },
      { name: 'assignments (v1.0)', description: 'Graph v1.0' },
      { name: 'service', description: 'Health, $metadata and this document' },
      ...(admin ? [{ name: 'admin', description: 'Test-automation controls of the mock, not Graph (MOCK_ADMIN=on; docs/admin.md)' }] : []),
    ],
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        ...(admin ? { adminKey: { type: 'http', scheme: 'bearer', description: 'MOCK_ADMIN_KEY, when set' } } : {}),
      },
      schemas: {
        ...(admin ? adminComponents() : {}),
        ...versionComponents('beta'),
        ...versionComponents('v1.0'),
        ...componentSchemas('output', { ODataError: odataErrorSchema }),
      },
    },
  };
}

/**
 * GET /openapi.json: no token needed; the server URL is the request's own origin. The admin endpoints
 * are described only while MOCK_ADMIN=on serves them.
 */
export function openApiHandler(routes: () => RouteDefinition[]) {
  let cached: string | undefined;
  return graphHandler(async (g) => {
    cached ??= JSON.stringify(buildOpenApiDocument(routes().filter((r) => g.config.admin.enabled || !isAdminRoute(r.route))));
    const document = JSON.parse(cached) as Schema;
    document.servers = [{ url: new URL(g.request.url).origin }];
    return { status: 200, body: document };
  });
}
