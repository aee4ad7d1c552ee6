import { errorResponses, json, queryParameter, ref, type OpenApiContribution, type OperationDoc, type Schema } from '../graph/openapi';
import { MAX_BODY_CHARS } from './recording';
import { MAX_SEED_ITEMS } from './seed';

/** The admin endpoints in the OpenAPI document: listed only while MOCK_ADMIN=on mounts them. */

const TAG = 'admin';

/** With MOCK_ADMIN_KEY set the admin endpoints need it as a bearer token; without, nothing. */
const adminSecurity = [{ adminKey: [] }, {}];

const tenantParameter = queryParameter('tenantId', "Only this tenant's (a GUID).", { type: 'string', format: 'uuid' });

export const EXAMPLE_SEED = {
  assignments: [
    {
      configurationId: 'demo-configuration',
      id: 'seeded-1',
      target: { '@odata.type': '#microsoft.graph.allLicensedUsersAssignmentTarget' },
    },
  ],
};

export const listRequestsDoc: OperationDoc = {
  tag: TAG,
  summary: 'The request journal, newest first',
  security: adminSecurity,
  parameters: [
    tenantParameter,
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
};

export const clearRequestsDoc: OperationDoc = {
  tag: TAG,
  summary: 'Empty the request journal',
  security: adminSecurity,
  responses: { '204': { description: 'Emptied' }, ...errorResponses(401, 503) },
};

export const resetDoc: OperationDoc = {
  tag: TAG,
  summary:
    "Remove every assignment, the journal and the mock state; or one tenant's (tenantId); or one configuration's assignments (configurationId: the default tenant's, or tenantId's)",
  security: adminSecurity,
  parameters: [
    tenantParameter,
    queryParameter('configurationId', "Only this configuration's assignments (in the default tenant unless tenantId names another).", {
      type: 'string',
      minLength: 1,
      maxLength: 1024,
    }),
  ],
  responses: { '204': { description: 'Reset' }, ...errorResponses(400, 401, 503) },
};

export const seedDoc: OperationDoc = {
  tag: TAG,
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
              allOf: [
                ref('enrollmentConfigurationAssignment'),
                { type: 'object', properties: { tenantId: { type: 'string' }, configurationId: { type: 'string' } } },
              ],
            },
          },
        },
      }),
    },
    ...errorResponses(400, 401, 413, 415, 503),
  },
};

/** The admin endpoints' own shapes (docs/admin.md); the seed's items are creates plus tenantId, configurationId and id. */
const schemas: Record<string, Schema> = {
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
              properties: {
                tenantId: { type: 'string', format: 'uuid', description: 'The default tenant when left out' },
                configurationId: { type: 'string', minLength: 1, maxLength: 1024 },
                id: { type: 'string', minLength: 1 },
              },
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
      tenantId: { type: 'string', description: 'The tenant the request acted for' },
      principal: { type: ['object', 'null'], properties: { kind: { type: 'string' }, callerId: { type: 'string' } } },
      attempt: { type: 'integer', minimum: 1, description: "The nth request carrying this client-request-id in the request's tenant" },
      retryAfterViolation: { type: 'boolean', description: "A retry that came before the previous answer's Retry-After elapsed" },
    },
  },
};

export const adminOpenApi: OpenApiContribution = {
  tags: [{ name: TAG, description: 'Test-automation controls of the mock, not Graph (MOCK_ADMIN=on; docs/admin.md)' }],
  schemas,
  securitySchemes: { adminKey: { type: 'http', scheme: 'bearer', description: 'MOCK_ADMIN_KEY, when set' } },
};
