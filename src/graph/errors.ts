// A namespace import lets esbuild tree-shake zod; `import { z }` keeps all of it (every locale) in the bundle.
import * as z from 'zod';

/**
 * Graph's error envelope, the one way every non-2xx leaves this app:
 *   {"error": {"code", "message", "innerError": {"date", "request-id", "client-request-id"}}}
 * The casing is exact because Kiota's ODataError and the JS client's GraphError read it case-sensitively.
 */

export class GraphError extends Error {
  override name = 'GraphError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string): GraphError => new GraphError(400, 'BadRequest', message);

/** Graph's challenge, as its 401s carry it (docs/wire-details.md). */
export const WWW_AUTHENTICATE =
  'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"';

export const unauthorized = (message: string): GraphError =>
  new GraphError(401, 'InvalidAuthenticationToken', message, { 'WWW-Authenticate': WWW_AUTHENTICATE });

/** The token is good but lacks the permission: Graph's 403 names what the API requires and what the token had. */
export const forbidden = (message: string): GraphError => new GraphError(403, 'Forbidden', message);

/** Graph's answer for a path segment it cannot resolve: a 400, not a 404 (docs/wire-details.md). */
export const unknownSegment = (segment: string): GraphError => badRequest(`Resource not found for the segment '${segment}'.`);

export const notFound = (message: string): GraphError => new GraphError(404, 'ResourceNotFound', message);

export const methodNotAllowed = (method: string, allowed: readonly string[]): GraphError =>
  new GraphError(405, 'MethodNotAllowed', `The HTTP method '${method}' is not allowed on this resource.`, {
    Allow: allowed.join(', '),
  });

export const preconditionFailed = (): GraphError =>
  new GraphError(412, 'PreconditionFailed', 'The entity has been modified since the ETag in If-Match was issued.');

export const payloadTooLarge = (limitBytes: number): GraphError =>
  new GraphError(413, 'RequestEntityTooLarge', `The request body exceeds the limit of ${limitBytes} bytes.`);

export const unsupportedMediaType = (mediaType: string): GraphError =>
  new GraphError(
    415,
    'UnsupportedMediaType',
    `The content type '${mediaType}' is not supported. Write requests must use 'application/json'.`,
  );

export const DEFAULT_RETRY_AFTER_SECONDS = 5;

export const serviceUnavailable = (retryAfterSeconds = DEFAULT_RETRY_AFTER_SECONDS): GraphError =>
  new GraphError(503, 'ServiceUnavailable', 'The service is temporarily unavailable. Retry the request later.', {
    'Retry-After': String(retryAfterSeconds),
  });

// Throttling and gateway failures, as Graph answers them (the mock controls produce these on request).

export const tooManyRequests = (retryAfterSeconds: number): GraphError =>
  new GraphError(429, 'TooManyRequests', 'Too many requests.', { 'Retry-After': String(retryAfterSeconds) });

export const badGateway = (): GraphError =>
  new GraphError(502, 'BadGateway', 'The server received an invalid response from an upstream service. Retry the request later.');

export const gatewayTimeout = (): GraphError =>
  new GraphError(504, 'GatewayTimeout', 'The request timed out while waiting for an upstream service. Retry the request later.');

export const unknownError = (): GraphError =>
  new GraphError(500, 'UnknownError', 'An unexpected error occurred while processing the request.');

export interface GraphErrorBody {
  error: {
    code: string;
    message: string;
    innerError: { date: string; 'request-id': string; 'client-request-id': string };
  };
}

/** Graph's innerError date has no fractional seconds and no zone designator. */
export function graphDate(now: Date): string {
  return now.toISOString().slice(0, 19);
}

export function errorBody(err: GraphError, requestId: string, clientRequestId: string, now = new Date()): GraphErrorBody {
  return {
    error: {
      code: err.code,
      message: err.message,
      innerError: { date: graphDate(now), 'request-id': requestId, 'client-request-id': clientRequestId },
    },
  };
}

/** The envelope as a schema, for the OpenAPI document and for tests that check real error bodies. */
export const odataErrorSchema = z.strictObject({
  error: z.strictObject({
    code: z.string(),
    message: z.string(),
    innerError: z.strictObject({ date: z.string(), 'request-id': z.string(), 'client-request-id': z.string() }),
  }),
});
