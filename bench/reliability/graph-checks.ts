import type { HttpResponseInit } from '@azure/functions';
import { ERROR_CONTENT_TYPE, SUCCESS_CONTENT_TYPE } from '../../src/graph/response';

/**
 * What every answer of the app must look like, as plain checks that return the problems they find
 * (not jest assertions), so that the property tests, the HTTP campaigns and the figures command judge
 * answers the same way.
 */

export interface Answer {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body?: string;
  /** An answer to HEAD: HTTP sends its headers but no body. */
  bodyless?: boolean;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const GRAPH_DATE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/;
const STACK_FRAME = /\bat .*\.(js|ts):\d+/;

export function answerOfHandler(response: HttpResponseInit): Answer {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries((response.headers ?? {}) as Record<string, string>)) headers[k.toLowerCase()] = String(v);
  // The app's bodies are strings (or Buffers, whose String() is their text too).
  // eslint-disable-next-line @typescript-eslint/no-base-to-string
  return { status: response.status ?? 200, headers, body: response.body === undefined ? undefined : String(response.body) };
}

export async function answerOfFetch(response: Response): Promise<Answer> {
  const headers: Record<string, string> = {};
  response.headers.forEach((v, k) => (headers[k.toLowerCase()] = v));
  const text = await response.text();
  return { status: response.status, headers, body: text === '' ? undefined : text };
}

/** Problems with one answer; an empty list means it is a well-formed Graph answer with status below 500. */
export function graphProblems(a: Answer): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(a.status) || a.status < 200 || a.status > 599) problems.push(`status ${a.status} is not a final HTTP status`);
  if (a.status >= 500) problems.push(`status ${a.status} (5xx)`);
  const requestId = a.headers['request-id'];
  if (!requestId || !GUID.test(requestId)) problems.push(`request-id header is ${JSON.stringify(requestId)}, not a GUID`);
  if (!a.headers['client-request-id']) problems.push('no client-request-id header');
  if (a.status >= 400) {
    if (a.headers['content-type'] !== ERROR_CONTENT_TYPE)
      problems.push(`error content-type is ${JSON.stringify(a.headers['content-type'])}`);
    if (a.status === 503 && !(Number(a.headers['retry-after']) > 0)) problems.push('503 without a positive Retry-After');
    if (a.bodyless) return problems;
    let body: any;
    try {
      body = JSON.parse(a.body ?? '');
    } catch {
      problems.push(`error body is not JSON: ${JSON.stringify((a.body ?? '').slice(0, 200))}`);
      return problems;
    }
    const error = body?.error;
    if (body === null || typeof body !== 'object' || Object.keys(body).join() !== 'error')
      problems.push('error body is not {"error": ...}');
    if (typeof error?.code !== 'string' || error.code === '') problems.push('error.code is not a string');
    if (typeof error?.message !== 'string' || error.message === '') problems.push('error.message is not a string');
    const inner = error?.innerError;
    if (typeof inner?.date !== 'string' || !GRAPH_DATE.test(inner.date)) problems.push('innerError.date is not a Graph date');
    if (inner?.['request-id'] !== requestId) problems.push('innerError.request-id differs from the request-id header');
    if (inner?.['client-request-id'] !== a.headers['client-request-id'])
      problems.push('innerError.client-request-id differs from the header');
    if (STACK_FRAME.test(a.body ?? '')) problems.push('error body holds a stack trace');
  } else if (a.status === 204) {
    if (a.body !== undefined && a.body !== '') problems.push('204 with a body');
  } else if (a.body !== undefined && !a.bodyless) {
    if (a.headers['content-type'] !== SUCCESS_CONTENT_TYPE)
      problems.push(`success content-type is ${JSON.stringify(a.headers['content-type'])}`);
    try {
      JSON.parse(a.body);
    } catch {
      problems.push('success body is not JSON');
    }
  }
  return problems;
}

/** Keys a request can add to Object.prototype if some code assigns a parsed "__proto__" member. */
const PROTOTYPE_KEYS = Object.getOwnPropertyNames(Object.prototype).sort().join();

export function prototypeProblems(): string[] {
  const problems: string[] = [];
  if (Object.getOwnPropertyNames(Object.prototype).sort().join() !== PROTOTYPE_KEYS) problems.push('Object.prototype gained properties');
  if (({} as Record<string, unknown>).polluted !== undefined) problems.push('({}).polluted is set');
  return problems;
}

/** Maps with at most `limit` calls in flight: for read-backs, so the check does not overload what it checks. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await fn(items[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
