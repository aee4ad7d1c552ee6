// A namespace import lets esbuild tree-shake zod; `import { z }` keeps all of it (every locale) in the bundle.
import * as z from 'zod';
import type { GraphVersion } from '../graph/model';
import {
  componentSchemas,
  errorResponses,
  json,
  queryParameter,
  versionedName,
  versionedRef,
  type OpenApiContribution,
  type OperationDoc,
  type Schema,
} from '../graph/openapi';
import { createConfiguration, representation } from './entity';
import { configurationSchemasFor, parseCreate } from './schema';
import { qualified } from './types';

/** The configurations' operations in the OpenAPI document, each for the version its route serves. */

const tagOf = (version: GraphVersion) => (version === 'beta' ? 'configurations' : 'configurations (v1.0)');

export const EXAMPLE_CREATE = {
  '@odata.type': '#microsoft.graph.windows10EnrollmentCompletionPageConfiguration',
  displayName: 'Autopilot Enrollment Status Page',
  description: 'Blocks the desktop until the required apps are installed',
  showInstallationProgress: true,
  blockDeviceSetupRetryByUser: false,
  installProgressTimeoutInMinutes: 60,
};

export const EXAMPLE_PATCH = {
  '@odata.type': '#microsoft.graph.windows10EnrollmentCompletionPageConfiguration',
  installProgressTimeoutInMinutes: 90,
};

export const EXAMPLE_SET_PRIORITY = { priority: 1 };

/** What the create above answers, made by the code that answers it, so the example cannot drift. */
function exampleConfiguration(): Record<string, unknown> {
  const parsed = parseCreate('beta', EXAMPLE_CREATE);
  const stored = createConfiguration(parsed, {
    id: '4998ae20-fa77-4f5c-9f7f-a5956b42dd6c_Windows10EnrollmentCompletionPageConfiguration',
    now: new Date('2026-11-28T10:27:23.123Z'),
    priority: 1,
  });
  const { '@odata.type': type, ...rest } = representation(stored, 'beta')!;
  return {
    '@odata.context': 'https://example.net/beta/$metadata#deviceManagement/deviceEnrollmentConfigurations/$entity',
    '@odata.type': type,
    '@odata.etag': 'W/"datetime\'2026-11-28T10%3A27%3A23.1234567Z\'"',
    ...rest,
  };
}

/** Beta's examples only: they are beta bodies. */
const example = <T>(v: GraphVersion, value: () => T): T | undefined => (v === 'beta' ? value() : undefined);

/**
 * A configuration in a response, with (in beta) exampleConfiguration as its example. The example runs
 * the configurations' schemas, so it is made when the OpenAPI document is (the route table is built at
 * import), not before.
 */
function configurationContent(v: GraphVersion): ReturnType<typeof json> {
  const content = json(versionedRef('deviceEnrollmentConfiguration', v));
  if (v === 'beta') Object.defineProperty(content['application/json'], 'example', { enumerable: true, get: exampleConfiguration });
  return content;
}

const ifMatch = {
  name: 'If-Match',
  in: 'header',
  required: false,
  description: 'The ETag to match; * matches any.',
  schema: { type: 'string' },
};

const FILTER =
  "eq on displayName, deviceEnrollmentConfigurationType (beta) and id; startswith(displayName,'x'); isof('microsoft.graph.type'); and, or, parentheses.";

const collectionQuery = (what: string) => [
  queryParameter('$filter', FILTER, { type: 'string' }),
  queryParameter('$select', `Comma-separated properties of ${what}; id and @odata.type are always returned.`, { type: 'string' }),
  queryParameter('$orderby', 'priority or displayName, each with asc or desc; ties by id.', { type: 'string' }),
  queryParameter('$top', 'Page size, 1-999 (default 100).', { type: 'integer', minimum: 1, maximum: 999 }),
  queryParameter('$skiptoken', 'Opaque; use @odata.nextLink as it is.', { type: 'string' }),
  queryParameter('$count', 'true adds @odata.count.', { type: 'boolean' }),
  queryParameter('$expand', 'assignments: each configuration with its assignments.', { type: 'string', enum: ['assignments'] }),
];

const countResponse = {
  '200': { description: 'The number of configurations', content: { 'text/plain': { schema: { type: 'string', pattern: '^[0-9]+$' } } } },
  ...errorResponses(400, 401, 503),
};

export const listDoc = (v: GraphVersion): OperationDoc => ({
  tag: tagOf(v),
  summary: "List the tenant's enrollment configurations (its defaults included)",
  parameters: collectionQuery('deviceEnrollmentConfiguration'),
  responses: {
    '200': { description: 'A page of configurations', content: json(versionedRef('deviceEnrollmentConfigurationCollectionResponse', v)) },
    ...errorResponses(400, 401, 503),
  },
});

export const castListDoc = (v: GraphVersion, type: string): OperationDoc => ({
  tag: tagOf(v),
  summary: `List the configurations of type ${qualified(type)} (a type-cast segment)`,
  parameters: collectionQuery(qualified(type)),
  responses: {
    '200': {
      description: 'A page of configurations of the type',
      content: json(versionedRef('deviceEnrollmentConfigurationCollectionResponse', v)),
    },
    ...errorResponses(400, 401, 503),
  },
});

export const countDoc = (v: GraphVersion, type?: string): OperationDoc => ({
  tag: tagOf(v),
  summary: type
    ? `Count the configurations of type ${qualified(type)}, as text/plain`
    : 'Count the configurations ($count segment), as text/plain',
  parameters: [queryParameter('$filter', FILTER, { type: 'string' })],
  responses: countResponse,
});

export const createDoc = (v: GraphVersion): OperationDoc => ({
  tag: tagOf(v),
  summary: 'Create a configuration: @odata.type picks the type; it is placed last among its kind',
  requestBody: {
    required: true,
    content: json(
      versionedRef('deviceEnrollmentConfigurationCreate', v),
      example(v, () => EXAMPLE_CREATE),
    ),
  },
  responses: {
    '201': {
      description: 'Created; Location names the new configuration',
      headers: { Location: { schema: { type: 'string' } }, ETag: { schema: { type: 'string' } } },
      content: configurationContent(v),
    },
    ...errorResponses(400, 401, 409, 413, 415, 503),
  },
});

export const getDoc = (v: GraphVersion): OperationDoc => ({
  tag: tagOf(v),
  summary: 'Get a configuration',
  parameters: [
    queryParameter('$select', 'Comma-separated properties of the configuration.', { type: 'string' }),
    queryParameter('$expand', 'assignments: the configuration with its assignments.', { type: 'string', enum: ['assignments'] }),
  ],
  responses: {
    '200': {
      description: 'The configuration',
      content: configurationContent(v),
    },
    ...errorResponses(400, 401, 404, 503),
  },
});

export const updateDoc = (v: GraphVersion): OperationDoc => ({
  tag: tagOf(v),
  summary: 'Update a configuration (the properties sent replace the stored ones); its version goes up by one',
  parameters: [ifMatch],
  requestBody: {
    required: true,
    content: json(
      versionedRef('deviceEnrollmentConfigurationUpdate', v),
      example(v, () => EXAMPLE_PATCH),
    ),
  },
  responses: {
    '200': { description: 'The updated configuration', content: json(versionedRef('deviceEnrollmentConfiguration', v)) },
    ...errorResponses(400, 401, 404, 412, 413, 415, 503),
  },
});

export const deleteDoc = (v: GraphVersion): OperationDoc => ({
  tag: tagOf(v),
  summary: 'Delete a configuration and its assignments; the others of its kind move up (a default cannot be deleted)',
  responses: { '204': { description: 'Deleted' }, ...errorResponses(400, 401, 404, 503) },
});

export const setPriorityDoc = (v: GraphVersion): OperationDoc => ({
  tag: tagOf(v),
  summary: 'Move the configuration to a place in its kind’s priority order; the others close up (not a default)',
  requestBody: {
    required: true,
    content: json(
      versionedRef('setPriorityParameters', v),
      example(v, () => EXAMPLE_SET_PRIORITY),
    ),
  },
  responses: { '204': { description: 'Moved' }, ...errorResponses(400, 401, 404, 413, 415, 503) },
});

/** One version's component schemas, from the zod schemas its handlers validate with: one per type, and their unions. */
function versionComponents(version: GraphVersion): Record<string, Schema> {
  const s = configurationSchemasFor(version);
  const n = (name: string) => versionedName(name, version);
  const union = (schemas: z.ZodType[]) => z.union(schemas as [z.ZodType, z.ZodType, ...z.ZodType[]]);
  const perType = (suffix: string, map: Map<string, z.ZodType>) =>
    Object.fromEntries([...map].map(([type, schema]) => [n(`${type}${suffix}`), schema]));
  return {
    ...componentSchemas('input', {
      ...perType('Create', s.create),
      ...perType('Update', s.update),
      [n('deviceEnrollmentConfigurationCreate')]: union([...s.create.values()]),
      [n('deviceEnrollmentConfigurationUpdate')]: union([...s.update.values()]),
      [n('setPriorityParameters')]: s.setPriority,
    }),
    ...componentSchemas('output', {
      ...perType('', s.resources),
      [n('deviceEnrollmentConfiguration')]: s.resource,
      [n('deviceEnrollmentConfigurationCollectionResponse')]: s.collection,
    }),
  };
}

export const configurationsOpenApi = (): OpenApiContribution => ({
  tags: [
    { name: 'configurations', description: 'Graph beta: deviceEnrollmentConfigurations' },
    { name: 'configurations (v1.0)', description: 'Graph v1.0: deviceEnrollmentConfigurations (v1.0’s types only)' },
  ],
  schemas: { ...versionComponents('beta'), ...versionComponents('v1.0') },
});
