import { HttpRequest, type HttpResponseInit } from '@azure/functions';
// A namespace import lets esbuild tree-shake zod; `import { z }` keeps all of it (every locale) in the bundle.
import * as z from 'zod';
import { badRequest, errorBody, GraphError } from './errors';

/**
 * JSON batching as Graph documents it (learn.microsoft.com/graph/json-batching): POST /{version}/$batch
 * with {"requests":[{id, method, url, headers?, body?, dependsOn?}]}, answered 200 with
 * {"responses":[{id, status, headers, body}]} whatever the items' outcomes.
 *
 * Each item is a synthesized HttpRequest handed to the same entry point the host calls (the whole
 * request pipeline), so routing, the journal, auth (the batch's Authorization applies to every item, as
 * in Graph), validation, mock controls and the rate limit act per item exactly as for the request sent
 * alone.
 * Items without dependsOn run concurrently; an item whose dependency did not succeed is a 424.
 */

/** Graph's limit (json-batching, "Batch size limitations"). */
export const MAX_BATCH_REQUESTS = 20;

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

const itemSchema = z.object({
  id: z.string().min(1).max(256),
  method: z
    .string()
    .transform((m) => m.toUpperCase())
    .pipe(z.enum(METHODS)),
  url: z.string().min(1).max(8192),
  headers: z.record(z.string(), z.string()).optional(),
  body: z.unknown().optional(),
  dependsOn: z.array(z.string()).optional(),
});
export type BatchItem = z.infer<typeof itemSchema>;

const batchSchema = z.object({ requests: z.array(z.unknown()) });

export interface BatchItemResponse {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

/** Headers that describe the batch's own HTTP exchange, not the item: they stay on the batch response. */
const TRANSPORT_HEADERS = new Set(['request-id', 'client-request-id', 'strict-transport-security', 'x-ms-ags-diagnostic', 'vary']);

/** The batch's items, each checked, with their dependencies known and acyclic. */
export function parseBatch(payload: Record<string, unknown>): BatchItem[] {
  const parsed = batchSchema.safeParse(payload);
  if (!parsed.success) throw badRequest("Invalid batch payload format: the body must be an object with a 'requests' array.");
  const raw = parsed.data.requests;
  if (raw.length === 0) throw badRequest('Invalid batch payload format: the batch has no requests.');
  if (raw.length > MAX_BATCH_REQUESTS) throw badRequest('Number of requests inside batch exceeds the limit.');
  const items: BatchItem[] = [];
  const ids = new Set<string>();
  for (const [index, value] of raw.entries()) {
    const item = itemSchema.safeParse(value);
    if (!item.success) {
      const path = item.error.issues[0]?.path.join('.') ?? '';
      throw badRequest(`Invalid batch payload format: request ${index + 1} has an invalid or missing '${path || 'id'}'.`);
    }
    if (ids.has(item.data.id)) throw badRequest(`Batch request ids must be unique: '${item.data.id}' is used more than once.`);
    ids.add(item.data.id);
    items.push(item.data);
  }
  for (const item of items) {
    for (const dep of item.dependsOn ?? []) {
      if (!ids.has(dep)) throw badRequest(`Request '${item.id}' depends on '${dep}', which is not in the batch.`);
      if (dep === item.id) throw badRequest(`Request '${item.id}' depends on itself.`);
    }
    const isWrite = item.method !== 'GET' && item.method !== 'DELETE';
    if (isWrite && (item.body === undefined || headerOf(item.headers, 'content-type') === undefined)) {
      // Graph's own wording for a write item without Content-Type or body.
      throw badRequest(`Write request id : ${item.id} does not contain Content-Type header or body.`);
    }
  }
  assertAcyclic(items);
  return items;
}

function assertAcyclic(items: readonly BatchItem[]): void {
  const byId = new Map(items.map((i) => [i.id, i]));
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string): void => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') throw badRequest(`The dependsOn of the batch's requests form a cycle through '${id}'.`);
    state.set(id, 'visiting');
    for (const dep of byId.get(id)?.dependsOn ?? []) visit(dep);
    state.set(id, 'done');
  };
  for (const item of items) visit(item.id);
}

function headerOf(headers: Record<string, string> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

/** The item's relative url against the batch's version root, e.g. https://h/beta + /deviceManagement/... */
function itemUrl(batchUrl: string, url: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(url) || url.startsWith('//')) return undefined;
  const batch = new URL(batchUrl);
  const version = batch.pathname.split('/').filter((s) => s.length > 0)[0]!;
  return `${batch.origin}/${version}/${url.replace(/^\/+/, '')}`;
}

function isJsonMediaType(contentType: string | undefined): boolean {
  const media = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  return media === 'application/json' || media.endsWith('+json');
}

function itemBody(item: BatchItem): { string: string } | { bytes: Uint8Array } | undefined {
  if (item.body === undefined) return undefined;
  const contentType = headerOf(item.headers, 'content-type');
  // Graph: a body is a JSON value for JSON content, else the base64 of the bytes.
  if (!isJsonMediaType(contentType) && typeof item.body === 'string') return { bytes: Buffer.from(item.body, 'base64') };
  return { string: JSON.stringify(item.body) };
}

function requestFor(batch: HttpRequest, item: BatchItem, url: string): HttpRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(item.headers ?? {})) {
    if (name.toLowerCase() === 'authorization') continue; // the batch's token speaks for every item
    headers[name] = value;
  }
  const authorization = batch.headers.get('authorization');
  if (authorization !== null) headers.authorization = authorization;
  for (const name of ['x-forwarded-proto', 'x-forwarded-for', 'x-forwarded-host']) {
    const value = batch.headers.get(name);
    if (value !== null && headerOf(headers, name) === undefined) headers[name] = value;
  }
  const body = itemBody(item);
  if (body) headers['content-length'] = String('string' in body ? Buffer.byteLength(body.string) : body.bytes.byteLength);
  return new HttpRequest({ method: item.method, url, headers, ...(body ? { body } : {}) });
}

async function responseBodyOf(response: HttpResponseInit, contentType: string | undefined): Promise<unknown> {
  const raw = response.body;
  if (raw === undefined || raw === null) return undefined;
  const text =
    typeof raw === 'string'
      ? raw
      : Buffer.from(await new Response(raw as ConstructorParameters<typeof Response>[0]).arrayBuffer()).toString('utf8');
  if (text === '') return undefined;
  if (isJsonMediaType(contentType)) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

async function toItemResponse(id: string, response: HttpResponseInit): Promise<BatchItemResponse> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries((response.headers as Record<string, string> | undefined) ?? {})) {
    const lower = name.toLowerCase();
    if (TRANSPORT_HEADERS.has(lower) || lower.startsWith('access-control-')) continue;
    headers[name] = value;
  }
  const body = await responseBodyOf(response, headerOf(headers, 'content-type'));
  return { id, status: response.status ?? 200, headers, ...(body === undefined ? {} : { body }) };
}

function errorItem(id: string, err: GraphError, requestId: string): BatchItemResponse {
  return {
    id,
    status: err.status,
    headers: { ...err.headers, 'Content-Type': 'application/json' },
    body: errorBody(err, requestId, requestId),
  };
}

const failedDependency = (id: string, dep: string): GraphError =>
  new GraphError(424, 'FailedDependency', `The request '${id}' was not run: the request '${dep}' it depends on did not succeed.`);

/** Runs every item through `entry`, each as soon as its dependencies are answered. */
export async function runBatch(
  batch: HttpRequest,
  items: readonly BatchItem[],
  entry: (request: HttpRequest) => Promise<HttpResponseInit>,
  requestId: string,
): Promise<BatchItemResponse[]> {
  const results = new Map<string, Promise<BatchItemResponse>>();
  const run = (item: BatchItem): Promise<BatchItemResponse> => {
    let pending = results.get(item.id);
    if (pending) return pending;
    pending = (async () => {
      for (const dep of item.dependsOn ?? []) {
        const answered = await run(items.find((i) => i.id === dep)!);
        if (answered.status < 200 || answered.status > 299) return errorItem(item.id, failedDependency(item.id, dep), requestId);
      }
      const url = itemUrl(batch.url, item.url);
      if (url === undefined) {
        return errorItem(
          item.id,
          badRequest(`The url of request '${item.id}' must be relative to the batch's version, such as /deviceManagement/...`),
          requestId,
        );
      }
      if (/^\$batch(\?|$|\/)/i.test(new URL(url).pathname.split('/').slice(2).join('/'))) {
        return errorItem(item.id, badRequest('A batch request cannot contain another batch request.'), requestId);
      }
      return toItemResponse(item.id, await entry(requestFor(batch, item, url)));
    })();
    results.set(item.id, pending);
    return pending;
  };
  return Promise.all(items.map(run));
}
