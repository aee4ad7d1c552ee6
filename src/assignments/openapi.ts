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
import { schemasFor } from './schema';

/** The assignments' operations in the OpenAPI document, each for the version its route serves. */

const tagOf = (version: GraphVersion) => (version === 'beta' ? 'assignments' : 'assignments (v1.0)');

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

const collectionQuery = [
  queryParameter('$top', 'Page size, 1-999 (default 100).', { type: 'integer', minimum: 1, maximum: 999 }),
  queryParameter('$skiptoken', 'Opaque; use @odata.nextLink as it is.', { type: 'string' }),
  queryParameter('$select', 'Comma-separated: target, source, sourceId (id is always returned).', { type: 'string' }),
  queryParameter('$count', 'true adds @odata.count.', { type: 'boolean' }),
  queryParameter('$filter', "eq comparisons joined by and, on source, sourceId, target/groupId: target/groupId eq 'x'.", {
    type: 'string',
  }),
];

const ifMatch = {
  name: 'If-Match',
  in: 'header',
  required: false,
  description: 'The ETag to match; * matches any.',
  schema: { type: 'string' },
};

/** Beta's examples only: they are beta bodies. */
const example = <T>(v: GraphVersion, value: T): T | undefined => (v === 'beta' ? value : undefined);

export const listDoc = (v: GraphVersion): OperationDoc => ({
  tag: tagOf(v),
  summary: 'List assignments',
  parameters: collectionQuery,
  responses: {
    '200': { description: 'A page of assignments', content: json(versionedRef('enrollmentConfigurationAssignmentCollectionResponse', v)) },
    ...errorResponses(400, 401, 503),
  },
});

export const createDoc = (v: GraphVersion): OperationDoc => ({
  tag: tagOf(v),
  summary: 'Create an assignment',
  requestBody: { required: true, content: json(versionedRef('enrollmentConfigurationAssignmentCreate', v), example(v, EXAMPLE_CREATE)) },
  responses: {
    '201': {
      description: 'Created; Location names the new assignment',
      headers: { Location: { schema: { type: 'string' } }, ETag: { schema: { type: 'string' } } },
      content: json(versionedRef('enrollmentConfigurationAssignment', v), example(v, EXAMPLE_ASSIGNMENT)),
    },
    ...errorResponses(400, 401, 404, 413, 415, 503),
  },
});

export const getDoc = (v: GraphVersion): OperationDoc => ({
  tag: tagOf(v),
  summary: 'Get an assignment',
  parameters: [queryParameter('$select', v === 'beta' ? 'Comma-separated: target, source, sourceId.' : 'target', { type: 'string' })],
  responses: {
    '200': {
      description: 'The assignment',
      content: json(versionedRef('enrollmentConfigurationAssignment', v), example(v, EXAMPLE_ASSIGNMENT)),
    },
    ...errorResponses(400, 401, 404, 503),
  },
});

export const updateDoc = (v: GraphVersion): OperationDoc => ({
  tag: tagOf(v),
  summary: 'Update an assignment (merge)',
  parameters: [ifMatch],
  requestBody: { required: true, content: json(versionedRef('enrollmentConfigurationAssignmentUpdate', v), example(v, EXAMPLE_PATCH)) },
  responses: {
    '200': { description: 'The updated assignment', content: json(versionedRef('enrollmentConfigurationAssignment', v)) },
    ...errorResponses(400, 401, 404, 412, 413, 415, 503),
  },
});

export const deleteDoc = (v: GraphVersion): OperationDoc => ({
  tag: tagOf(v),
  summary: 'Delete an assignment',
  parameters: [ifMatch],
  responses: { '204': { description: 'Deleted' }, ...errorResponses(401, 404, 412, 503) },
});

export const assignDoc = (v: GraphVersion): OperationDoc => ({
  tag: tagOf(v),
  summary: "Replace the configuration's whole assignment set",
  requestBody: { required: true, content: json(versionedRef('assignActionParameters', v), example(v, EXAMPLE_ASSIGN)) },
  responses: { '204': { description: 'Replaced' }, ...errorResponses(400, 401, 404, 413, 415, 503) },
});

export const countDoc = (v: GraphVersion): OperationDoc => ({
  tag: tagOf(v),
  summary: 'Count assignments ($count segment), as text/plain',
  parameters: [queryParameter('$filter', 'eq on source, sourceId, target/groupId, joined by and.', { type: 'string' })],
  responses: {
    '200': { description: 'The number of assignments', content: { 'text/plain': { schema: { type: 'string', pattern: '^[0-9]+$' } } } },
    ...errorResponses(400, 401, 404, 503),
  },
});

/** One version's component schemas, from the zod schemas its handlers validate with. */
function versionComponents(version: GraphVersion): Record<string, Schema> {
  const s = schemasFor(version);
  const n = (name: string) => versionedName(name, version);
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

export const assignmentsOpenApi = (): OpenApiContribution => ({
  tags: [
    { name: 'assignments', description: 'Graph beta' },
    { name: 'assignments (v1.0)', description: 'Graph v1.0' },
  ],
  schemas: { ...versionComponents('beta'), ...versionComponents('v1.0') },
});
