import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { RouteHandler, RouteParams } from '../routing';
import { v4 as uuidv4 } from 'uuid';
import { getConfig, type AppConfig } from '../config';
import { admit, redactToken, type Access, type Principal } from './auth';
import { withCors } from './cors';
import { errorBody, GraphError, unknownError } from './errors';
import { applyMockControls } from '../mock/controls';
import { notePrincipal } from '../mock/journal';
import type { GraphVersion } from '../assignments/model';
import { graphErrorOf } from '../assignments/store';

/** Graph's media type for success bodies; both official clients parse only when it starts with application/json. */
export const SUCCESS_CONTENT_TYPE = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
export const ERROR_CONTENT_TYPE = 'application/json';

export interface GraphRequest {
  request: HttpRequest;
  context: InvocationContext;
  config: AppConfig;
  requestId: string;
  clientRequestId: string;
  /** The Graph version the path starts with (beta when it names none, as /health). */
  version: GraphVersion;
  /** The request's own origin plus the version: the base of every link this app writes. */
  serviceRoot: string;
  /** What the route's template took from the path, decoded (the router's; else the request's own). */
  params: RouteParams;
  /** The authenticated caller; undefined on routes without auth (health, unknown paths). */
  principal?: Principal;
}

export interface GraphResult {
  status: number;
  body?: unknown;
  /** A body that is not JSON ($metadata's XML), sent as it is with its own Content-Type. */
  text?: { contentType: string; body: string };
  headers?: Record<string, string>;
}

export interface HandlerOptions {
  /** Whether the route needs a bearer token, and for what; undefined means no auth (health, metadata). */
  access?: Access;
}

/** `/v1.0/...` is v1.0 (case-insensitive, as the router matches it); anything else is beta. */
export function versionOf(url: string): GraphVersion {
  return new URL(url).pathname.split('/')[1]?.toLowerCase() === 'v1.0' ? 'v1.0' : 'beta';
}

export function serviceRootOf(url: string): string {
  return `${new URL(url).origin}/${versionOf(url)}`;
}

function commonHeaders(g: Pick<GraphRequest, 'requestId' | 'clientRequestId'>): Record<string, string> {
  return { 'request-id': g.requestId, 'client-request-id': g.clientRequestId, 'Cache-Control': 'no-cache' };
}

export function errorResponse(err: GraphError, requestId: string, clientRequestId: string): HttpResponseInit {
  return {
    status: err.status,
    headers: {
      ...commonHeaders({ requestId, clientRequestId }),
      ...err.headers,
      'Content-Type': ERROR_CONTENT_TYPE,
    },
    body: JSON.stringify(errorBody(err, requestId, clientRequestId)),
  };
}

/**
 * Wraps a route's logic with what every Graph response shares: request ids, auth, the error envelope,
 * and the success media type. Anything the logic throws that is not a GraphError becomes a generic 500:
 * internal messages and stacks go to the log, never to the caller.
 */
export function graphHandler(logic: (g: GraphRequest) => Promise<GraphResult>, options: HandlerOptions = {}): RouteHandler {
  const handle = async (request: HttpRequest, context: InvocationContext, params?: RouteParams): Promise<HttpResponseInit> => {
    const requestId = uuidv4();
    const clientRequestId = request.headers.get('client-request-id')?.trim() || requestId;
    try {
      const config = getConfig();
      const principal = options.access ? await admit(request.headers.get('authorization'), config.auth, options.access) : undefined;
      notePrincipal(request, principal);
      const g: GraphRequest = {
        request,
        context,
        config,
        requestId,
        clientRequestId,
        params: params ?? request.params,
        version: versionOf(request.url),
        serviceRoot: serviceRootOf(request.url),
        principal,
      };
      // Simulated throttling, failures and latency (docs/mock-controls.md): after auth, before any write.
      // Not on the $batch envelope: its items meet the controls one by one, as Graph throttles batch items.
      const mockHeaders = options.access && options.access !== 'authenticated' ? await applyMockControls(g) : undefined;
      const result = await logic(g);
      const headers: Record<string, string> = { ...commonHeaders(g), ...mockHeaders, ...result.headers };
      if (result.text !== undefined) {
        headers['Content-Type'] = result.text.contentType;
        headers['OData-Version'] = '4.0';
        return { status: result.status, headers, body: result.text.body };
      }
      if (result.body === undefined) return { status: result.status, headers };
      headers['Content-Type'] = SUCCESS_CONTENT_TYPE;
      headers['OData-Version'] = '4.0';
      return { status: result.status, headers, body: JSON.stringify(result.body) };
    } catch (thrown) {
      const err = graphErrorOf(thrown);
      if (err instanceof GraphError) {
        if (err.status >= 500)
          context.warn(`${request.method} ${new URL(request.url).pathname}: ${err.status} ${err.code} (${err.message})${causeOf(err)}`);
        return errorResponse(err, requestId, clientRequestId);
      }
      const detail = err instanceof Error ? (err.stack ?? String(err)) : String(err);
      context.error(`Unhandled error for request-id ${requestId}: ${redactToken(detail, request.headers.get('authorization'))}`);
      return errorResponse(unknownError(), requestId, clientRequestId);
    }
  };
  return withCors(handle);
}

/** Why a 5xx happened, for the log only (e.g. the key endpoint's connection error); never sent to the caller. */
function causeOf(err: GraphError): string {
  const cause = err.cause;
  if (cause === undefined) return '';
  return `; cause: ${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)}`;
}
