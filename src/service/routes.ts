import { readJsonObject } from '../graph/body';
import { parseBatch, runBatch } from '../graph/batch';
import { buildCsdl, METADATA_CONTENT_TYPE } from '../graph/metadata';
import { VERSIONS, type GraphVersion, type VersionModel } from '../graph/model';
import { errorResponses, json, type OpenApiContribution } from '../graph/openapi';
import type { Route } from '../pipeline/context';
import { buildOpenApiDocument } from './openapi';

/**
 * The service's own routes, around the resources: $batch and $metadata per version (Graph's protocol),
 * and the mock's /health and /openapi.json.
 */

const SERVICE_TAG = 'service';

export const serviceOpenApi: OpenApiContribution = {
  tags: [{ name: SERVICE_TAG, description: "Graph's $batch and $metadata, the mock's health, and this document" }],
};

const BATCH_REQUEST = {
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
};

const BATCH_RESPONSE = {
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
};

export interface ServiceParts {
  /** Each version's whole model, every resource's part in it. */
  models: Record<GraphVersion, VersionModel>;
  /** Whether storage answers, for /health. */
  ping: () => Promise<void>;
  /** Every route the app serves and every part's OpenAPI contribution, for /openapi.json. */
  described: () => { routes: readonly Route[]; openapi: readonly OpenApiContribution[] };
}

export function serviceRoutes(parts: ServiceParts): Route[] {
  let document: string | undefined;
  return [
    {
      name: 'health',
      route: 'health',
      methods: ['GET'],
      journaled: false,
      /** 200 when the assignments table answers; otherwise the store's 503 in Graph's envelope. No token needed. */
      handler: async () => {
        await parts.ping();
        return { status: 200, body: { status: 'ok' } };
      },
      openapi: {
        tag: SERVICE_TAG,
        summary: 'Health: the table answers',
        security: [],
        responses: {
          '200': { description: 'Healthy', content: json({ type: 'object', properties: { status: { const: 'ok' } } }) },
          ...errorResponses(503),
        },
      },
    },
    {
      name: 'openApi',
      route: 'openapi.json',
      methods: ['GET'],
      journaled: false,
      // No token needed; the server URL is the request's own origin.
      handler: (ctx) => {
        const { routes, openapi } = parts.described();
        document ??= JSON.stringify(buildOpenApiDocument(routes, openapi));
        return Promise.resolve({
          status: 200,
          body: { ...(JSON.parse(document) as object), servers: [{ url: ctx.url.origin }] },
        });
      },
      openapi: { tag: SERVICE_TAG, summary: 'This document', security: [], responses: { '200': { description: 'OpenAPI 3.1 document' } } },
    },
    ...VERSIONS.flatMap((version): Route[] => {
      const suffix = version === 'beta' ? '' : 'V1';
      // No token: Graph serves $metadata anonymously, and clients fetch it before they authenticate anything.
      const csdl = buildCsdl(parts.models[version]);
      return [
        {
          name: `metadata${suffix}`,
          route: `${version}/$metadata`,
          methods: ['GET'],
          handler: () => Promise.resolve({ status: 200, text: { contentType: METADATA_CONTENT_TYPE, body: csdl } }),
          openapi: {
            tag: SERVICE_TAG,
            summary: 'The CSDL ($metadata) of the types this API serves; @odata.context links point into it',
            security: [],
            responses: { '200': { description: 'OData 4.0 CSDL XML', content: { 'application/xml': { schema: { type: 'string' } } } } },
          },
        },
        {
          name: `batch${suffix}`,
          route: `${version}/$batch`,
          methods: ['POST'],
          // The token is checked once for the batch (no token, no batch); what it may do is decided per item.
          access: 'authenticated',
          handler: async (ctx) => {
            const items = parseBatch(await readJsonObject(ctx.request));
            return { status: 200, body: { responses: await runBatch(ctx.request, items, ctx.reenter, ctx.requestId) } };
          },
          openapi: {
            tag: SERVICE_TAG,
            summary: 'JSON batching: up to 20 requests, each answered as if sent alone',
            requestBody: { required: true, content: json(BATCH_REQUEST) },
            responses: {
              '200': { description: "Every item's answer (a failed dependency is a 424 item)", content: json(BATCH_RESPONSE) },
              ...errorResponses(400, 401, 413, 415),
            },
          },
        },
      ];
    }),
  ];
}
