import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { RouteHandler } from '../routing';
import { v4 as uuidv4 } from 'uuid';
import { getConfig } from '../config';
import type { CorsSettings } from '../pipeline/settings';

/**
 * CORS for browser callers, answered by the app itself (CORS_ALLOWED_ORIGINS; empty = off, and then
 * no CORS header is ever sent). On Azure the platform CORS setting (siteConfig.cors) must stay empty:
 * when it is set, the platform answers preflights and rewrites these headers itself.
 *
 * The app uses no cookies, so no Access-Control-Allow-Credentials: a browser caller sends its token in
 * Authorization like any other client. That is also why `*` is accepted (alone): CORS here protects no
 * ambient credential, the token does the gating. Listing origins is still the better default.
 *
 * Preflights are answered in graphHandler, before auth (a preflight carries no token) and before the
 * route's logic. OPTIONS is no operation's method, so the router answers it as a request that reaches
 * no operation, through graphHandler: a preflight from an allowed origin gets 204, anything else 405.
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

function preflightResponse(request: HttpRequest, origin: string): HttpResponseInit {
  const requested = (request.headers.get('access-control-request-headers') ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => MOCK_CONTROL_HEADER.test(h));
  const requestId = uuidv4();
  return {
    status: 204,
    headers: {
      'request-id': requestId,
      'client-request-id': request.headers.get('client-request-id')?.trim() || requestId,
      'Access-Control-Allow-Origin': origin,
      'Access-Control-Allow-Methods': ALLOWED_METHODS.join(', '),
      'Access-Control-Allow-Headers': [...ALLOWED_HEADERS, ...new Set(requested)].join(', '),
      'Access-Control-Max-Age': String(PREFLIGHT_MAX_AGE_SECONDS),
      Vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
    },
  };
}

/**
 * Adds CORS to a handler whose responses carry their headers as a plain object (graphHandler's do).
 * `settings` is for tests; the app reads CORS_ALLOWED_ORIGINS through getConfig().
 */
export function withCors(handler: RouteHandler, settings: () => CorsSettings = () => getConfig().cors): RouteHandler {
  return async (request, context, params) => {
    let cors: CorsSettings;
    try {
      cors = settings();
    } catch {
      return handler(request, context, params); // bad settings: the handler answers its own 500
    }
    if (cors.allowedOrigins.length === 0) return handler(request, context, params);
    const origin = allowedOrigin(request, cors);
    if (origin && isPreflight(request)) return preflightResponse(request, origin);
    const response = await handler(request, context, params);
    let headers = { ...(response.headers as Record<string, string> | undefined) };
    // With a list of origins the answer depends on Origin, allowed or not, so caches must key on it.
    if (cors.allowedOrigins[0] !== '*') headers = withVary(headers, 'Origin');
    if (origin) {
      headers['Access-Control-Allow-Origin'] = origin;
      headers['Access-Control-Expose-Headers'] = EXPOSED_HEADERS.join(', ');
    }
    return { ...response, headers };
  };
}
