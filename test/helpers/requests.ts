import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';

export const BASE = 'http://127.0.0.1:7071';
export const INVITATION = 'inv-1';
export const CONFIGURATION = 'cfg-1';
export const collectionPath = (configuration = CONFIGURATION, invitation = INVITATION) =>
  `/beta/invitations/${invitation}/invitedUser/deviceEnrollmentConfigurations/${configuration}/assignments`;

/** The original document's example, with a valid source. */
export const documentExample = () => ({
  '@odata.type': '#microsoft.graph.enrollmentConfigurationAssignment',
  target: { '@odata.type': 'microsoft.graph.deviceAndAppManagementAssignmentTarget' },
  source: 'direct',
  sourceId: 'Source Id value',
});

export interface RequestOptions {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: unknown;
  rawBody?: string | Buffer;
}

/** A real @azure/functions HttpRequest, as the worker builds it, with Graph-style defaults. */
export function graphRequest(o: RequestOptions = {}): HttpRequest {
  const headers: Record<string, string> = { authorization: 'Bearer test-token', ...o.headers };
  let body: { string?: string; bytes?: Uint8Array } | undefined;
  if (o.rawBody !== undefined) body = typeof o.rawBody === 'string' ? { string: o.rawBody } : { bytes: o.rawBody };
  else if (o.body !== undefined) {
    body = { string: JSON.stringify(o.body) };
    headers['content-type'] ??= 'application/json';
  }
  return new HttpRequest({
    method: o.method ?? 'POST',
    url: `${BASE}${o.path ?? collectionPath()}`,
    headers,
    body,
  });
}

export interface CapturedLog {
  level: string;
  message: string;
}

export function invocationContext(logs: CapturedLog[] = []): InvocationContext {
  return new InvocationContext({
    functionName: 'test',
    logHandler: (level, ...args) => logs.push({ level, message: args.map(String).join(' ') }),
  });
}

/** A body the app answered with: always text, as the pipeline shapes it. */
export function textOf(response: HttpResponseInit): string {
  if (response.body === undefined || response.body === null) return '';
  if (typeof response.body !== 'string') throw new Error('expected a text body');
  return response.body;
}

export function jsonOf(response: HttpResponseInit): any {
  // The app's bodies are strings (or Buffers, whose String() is their text too).
  // eslint-disable-next-line @typescript-eslint/no-base-to-string
  return JSON.parse(String(response.body));
}

export function headerOf(response: HttpResponseInit, name: string): string | undefined {
  const headers = response.headers as Record<string, string> | undefined;
  const key = Object.keys(headers ?? {}).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : headers![key];
}

export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Checks Graph's error envelope, exact casing included, and returns it. */
export function expectGraphError(response: HttpResponseInit, status: number, code: string): { code: string; message: string } {
  expect(response.status).toBe(status);
  expect(headerOf(response, 'content-type')).toBe('application/json');
  const body = jsonOf(response);
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(body.error.innerError['request-id']).toMatch(GUID);
  expect(body.error.innerError['client-request-id']).toEqual(expect.any(String));
  expect(body.error.innerError.date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
  expect(headerOf(response, 'request-id')).toBe(body.error.innerError['request-id']);
  expect(JSON.stringify(body)).not.toMatch(/\bat .*\.(js|ts):\d+/); // no stack traces
  return body.error;
}

/** A fetch Response body as JSON, untyped for assertions. */
export const jsonBody = (response: Response): Promise<any> => response.json() as Promise<any>;
