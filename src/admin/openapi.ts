import { errorResponses, json, queryParameter, ref, type OpenApiContribution, type OperationDoc, type Schema } from '../graph/openapi';
import { MAX_BODY_CHARS } from './recording';
import { MAX_SEED_ITEMS } from './seed';
import { ASSIGNMENTS_SHOWN } from './state';

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
    queryParameter('status', 'Only answers with this status (503) or of this class (5xx).', {
      type: 'string',
      pattern: '^([1-5][0-9][0-9]|[1-5]xx)$',
    }),
    queryParameter('since', 'Only requests received at or after this ISO 8601 time.', { type: 'string', format: 'date-time' }),
    queryParameter(
      'answeredSince',
      'Only requests answered at or after this ISO 8601 time: what a poller asks for, since a slow request is recorded late.',
      { type: 'string', format: 'date-time' },
    ),
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

export const tenantsDoc: OperationDoc = {
  tag: TAG,
  summary: 'The tenants the mock holds configurations, assignments or journal entries for, the default tenant first',
  security: adminSecurity,
  responses: {
    '200': {
      description: 'Tenant ids',
      content: json({
        type: 'object',
        required: ['defaultTenantId', 'value'],
        properties: {
          defaultTenantId: { type: 'string', format: 'uuid' },
          value: { type: 'array', items: { type: 'string', format: 'uuid' } },
        },
      }),
    },
    ...errorResponses(400, 401, 503),
  },
};

export const stateDoc: OperationDoc = {
  tag: TAG,
  summary: `A tenant's configurations and, per configuration, how many assignments it holds and the first ${ASSIGNMENTS_SHOWN}, as stored now`,
  security: adminSecurity,
  parameters: [queryParameter('tenantId', 'The tenant (a GUID); the default tenant when left out.', { type: 'string', format: 'uuid' })],
  responses: {
    '200': { description: 'What the tenant has stored', content: json(ref('mockTenantState')) },
    ...errorResponses(400, 401, 503),
  },
};

/** The page and its assets need no key: they hold no data, and the page sends the key on its own calls. */
const noSecurity: Array<Record<string, string[]>> = [];
const PAGE_HEADERS_DOC = {
  'Content-Security-Policy': { schema: { type: 'string' } },
  ETag: { schema: { type: 'string' } },
  'Cache-Control': { schema: { type: 'string' } },
};

export const pageDoc: OperationDoc = {
  tag: TAG,
  summary: 'The admin page: the journal live, retries, the stored state, reset and seed, in a browser',
  security: noSecurity,
  responses: {
    '200': { description: 'The page', headers: PAGE_HEADERS_DOC, content: { 'text/html': { schema: { type: 'string' } } } },
    '304': { description: 'Unchanged since the ETag sent in If-None-Match' },
  },
};

export const assetDoc: OperationDoc = {
  tag: TAG,
  summary: "The admin page's script, style sheet and icon, named by a hash of their content",
  security: noSecurity,
  parameters: [{ name: 'file', in: 'path', required: true, schema: { type: 'string' } }],
  responses: {
    '200': {
      description: 'The file, cached for good',
      headers: PAGE_HEADERS_DOC,
      content: {
        'text/javascript': { schema: { type: 'string' } },
        'text/css': { schema: { type: 'string' } },
        'image/svg+xml': { schema: { type: 'string' } },
      },
    },
    '304': { description: 'Unchanged since the ETag sent in If-None-Match' },
    ...errorResponses(404),
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
      id: { type: 'string', description: "The entry's key in its tenant's journal" },
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
        properties: {
          status: { type: 'integer' },
          headers: { type: 'object', additionalProperties: { type: 'string' } },
          body: { description: `Parsed JSON, else text; past ${MAX_BODY_CHARS} characters, its start as text` },
          bodyTruncated: { type: 'boolean' },
        },
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
  mockTenantState: {
    type: 'object',
    required: ['tenantId', 'configurations', 'assignments'],
    properties: {
      tenantId: { type: 'string', format: 'uuid' },
      configurations: {
        type: 'array',
        items: {
          type: 'object',
          required: ['id', 'kind', 'data'],
          properties: {
            id: { type: 'string' },
            kind: { type: 'string', description: 'The priority order it competes in' },
            data: { type: 'object', description: 'The configuration as stored' },
          },
        },
      },
      assignments: {
        type: 'array',
        items: {
          type: 'object',
          required: ['configurationId', 'count', 'value'],
          properties: {
            configurationId: { type: 'string' },
            count: { type: 'integer', minimum: 0 },
            value: { type: 'array', maxItems: ASSIGNMENTS_SHOWN, items: ref('enrollmentConfigurationAssignment') },
          },
        },
      },
    },
  },
};

export const adminOpenApi: OpenApiContribution = {
  tags: [{ name: TAG, description: 'Test-automation controls of the mock, not Graph (MOCK_ADMIN=on; docs/admin.md)' }],
  schemas,
  securitySchemes: { adminKey: { type: 'http', scheme: 'bearer', description: 'MOCK_ADMIN_KEY, when set' } },
};
