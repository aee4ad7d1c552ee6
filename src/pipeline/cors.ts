import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { RequestContext } from './context';
import type { CorsSettings } from './settings';

/**
 * CORS for browser callers, answered by the app itself (CORS_ALLOWED_ORIGINS; empty = off, and then
 * no CORS header is ever sent). On Azure the platform CORS setting (siteConfig.cors) must stay empty:
 * when it is set, the platform answers preflights and rewrites these headers itself.
 *
 * The app uses no cookies, so no Access-Control-Allow-Credentials: a browser caller sends its token in
 * Authorization like any other client. That is also why `*` is accepted (alone): CORS here protects no
 * ambient credential, the token does the gating. Listing origins is still the better default.
 *
 * Preflights are answered by this stage, before routing and auth (a preflight carries no token). OPTIONS
 * is no operation's method, so anything else with OPTIONS goes on to the router, which answers 405: a
 * preflight from an allowed origin gets 204, anything else 405.
 */

/** What a browser script may read of a response, as Graph exposes it. */
export const EXPOSED_HEADERS = [
  'request-id',
  'client-request-id',
  'Location',
  'ETag',
  'Retry-After',
  'WWW-Authenticate',
  'OData-Version',
  'Preference-Applied',
  // Which attempt the mock controls counted (docs/mock-controls.md), for browser-based retry tests.
  'x-mock-attempt',
];

export const ALLOWED_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** Request headers the Graph clients and the mock's own controls send, lower case as the fetch spec compares them. */
export const ALLOWED_HEADERS = [
  'authorization',
  'content-type',
  'client-request-id',
  'return-client-request-id',
  'if-match',
  'if-none-match',
  'prefer',
  'consistencylevel',
  'sdkversion',
];

/** Access-Control-Allow-Headers has no wildcard that covers Authorization, so x-mock-* are echoed one by one. */
const MOCK_CONTROL_HEADER = /^x-mock-[a-z0-9-]+$/;

/** Chromium caps the preflight cache at 2 hours; an hour keeps setting changes visible reasonably soon. */
export const PREFLIGHT_MAX_AGE_SECONDS = 3600;

function allowedOrigin(request: HttpRequest, cors: CorsSettings): string | undefined {
  const origin = request.headers.get('origin');
  if (!origin) return undefined;
  if (cors.allowedOrigins[0] === '*') return '*';
  return cors.allowedOrigins.includes(origin) ? origin : undefined;
}

function isPreflight(request: HttpRequest): boolean {
  return request.method === 'OPTIONS' && request.headers.has('origin') && request.headers.has('access-control-request-method');
}

function withVary(headers: Record<string, string>, ...names: string[]): Record<string, string> {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === 'vary') ?? 'Vary';
  const present = (headers[key] ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
  const merged = [...present, ...names.filter((n) => !present.some((p) => p.toLowerCase() === n.toLowerCase()))];
  return { ...headers, [key]: merged.join(', ') };
}

function preflightResponse(ctx: RequestContext, origin: string): HttpResponseInit {
  const requested = (ctx.request.headers.get('access-control-request-headers') ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => MOCK_CONTROL_HEADER.test(h));
  return {
    status: 204,
    headers: {
      'request-id': ctx.requestId,
      'client-request-id': ctx.echoedClientRequestId,
      'Access-Control-Allow-Origin': origin,
      'Access-Control-Allow-Methods': ALLOWED_METHODS.join(', '),
      'Access-Control-Allow-Headers': [...ALLOWED_HEADERS, ...new Set(requested)].join(', '),
      'Access-Control-Max-Age': String(PREFLIGHT_MAX_AGE_SECONDS),
      Vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
    },
  };
}

/**
 * The CORS stage: answers a preflight from an allowed origin, and adds CORS headers to every other
 * answer (errors included) once the later stages have made it.
 */
export async function cors(ctx: RequestContext, settings: CorsSettings, next: () => Promise<HttpResponseInit>): Promise<HttpResponseInit> {
  if (settings.allowedOrigins.length === 0) return next();
  const origin = allowedOrigin(ctx.request, settings);
  if (origin && isPreflight(ctx.request)) return preflightResponse(ctx, origin);
  const response = await next();
  let headers = { ...(response.headers as Record<string, string> | undefined) };
  // With a list of origins the answer depends on Origin, allowed or not, so caches must key on it.
  if (settings.allowedOrigins[0] !== '*') headers = withVary(headers, 'Origin');
  if (origin) {
    headers['Access-Control-Allow-Origin'] = origin;
    headers['Access-Control-Expose-Headers'] = EXPOSED_HEADERS.join(', ');
  }
  return { ...response, headers };
}
