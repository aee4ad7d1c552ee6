import type { HttpMethod, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { v4 as uuidv4 } from 'uuid';
import type { Access, Principal } from '../auth/auth';
import type { AppConfig } from '../config';
import type { GraphError } from '../graph/errors';
import type { GraphVersion } from '../graph/model';
import type { OperationDoc } from '../graph/openapi';
import type { GraphResult } from '../graph/response';

/**
 * What one request carries through the pipeline, made once when it arrives: the settings and ids read
 * once, then what each stage learns (the route, the caller and tenant) for the stages after it.
 */
export interface RequestContext {
  readonly request: HttpRequest;
  readonly invocation: InvocationContext;
  /** The request's URL, parsed once. */
  readonly url: URL;
  readonly settings: AppConfig;
  /** When the request arrived (ms since the epoch). */
  readonly receivedMs: number;
  /** A new GUID per request. */
  readonly requestId: string;
  /** The client's client-request-id (trimmed), undefined when it sent none. SDKs repeat it on every retry. */
  readonly clientRequestId: string | undefined;
  /** What answers carry as client-request-id: the client's, else the request-id. */
  readonly echoedClientRequestId: string;
  /** The Graph version the path starts with (beta when it names none, as /health). */
  readonly version: GraphVersion;
  /** The request's own origin plus the version: the base of every link the app writes. */
  readonly serviceRoot: string;
  /** The operation the request reaches; set by route resolution, undefined when it reaches none. */
  route: Route | undefined;
  /** What the route's template took from the path, decoded. */
  params: RouteParams;
  /** Why the request reaches no operation (unknown path, another method, a malformed escape). */
  refusal: GraphError | undefined;
  /** The authenticated caller; undefined on routes that take no token. */
  principal: Principal | undefined;
  /** The tenant the request acts for: the caller's, else the default tenant. */
  tenantId: string;
  /** Headers stages add to the answer, success or error (the mock controls' x-mock-attempt). */
  readonly responseHeaders: Record<string, string>;
  /** Sends another request through the whole pipeline, as the host would: $batch items. */
  readonly reenter: (request: HttpRequest) => Promise<HttpResponseInit>;
  /** The $batch request an item came in, for an item; undefined for a request the host handed over. */
  readonly enclosing: RequestContext | undefined;
  /**
   * Work the answer to the outermost request waits for, together, before it leaves: a $batch item's
   * journal entry, so that a batch waits for one round trip of journal writes, not one per item.
   */
  readonly beforeAnswer: Promise<unknown>[];
}

export type RouteParams = Record<string, string>;

/** An operation's logic: a plain function of the request context. */
export type RouteHandler = (ctx: RequestContext) => Promise<GraphResult>;

/** A row of the route table. */
export interface Route {
  /** The operation's name, in logs and as the OpenAPI operationId. */
  name: string;
  /** The path template: literals match case-insensitively, `{name}` takes one segment, `{*name}` the rest. */
  route: string;
  methods: HttpMethod[];
  /** Whether the route needs a bearer token, and for what; undefined: none (health, $metadata, the admin's own). */
  access?: Access;
  /** false for the mock's own endpoints (health, OpenAPI, admin): not Graph calls, so not journaled. */
  journaled?: boolean;
  handler: RouteHandler;
  /** The route's own OpenAPI description. */
  openapi?: OperationDoc;
}

/** A row of a resource's route table: one operation on one method, for Graph callers with a token. */
export const operationRow = (
  name: string,
  route: string,
  method: HttpMethod,
  access: Access,
  handler: RouteHandler,
  openapi: OperationDoc,
): Route => ({ name, route, methods: [method], access, handler, openapi });

/** `/v1.0/...` is v1.0 (case-insensitive, as the router matches it); anything else is beta. */
export function versionOf(url: URL): GraphVersion {
  return url.pathname.split('/')[1]?.toLowerCase() === 'v1.0' ? 'v1.0' : 'beta';
}

export function requestContext(
  request: HttpRequest,
  invocation: InvocationContext,
  settings: AppConfig,
  reenter: RequestContext['reenter'],
  enclosing?: RequestContext,
): RequestContext {
  const url = new URL(request.url);
  const requestId = uuidv4();
  const clientRequestId = request.headers.get('client-request-id')?.trim() || undefined;
  const version = versionOf(url);
  return {
    request,
    invocation,
    url,
    settings,
    receivedMs: Date.now(),
    requestId,
    clientRequestId,
    echoedClientRequestId: clientRequestId ?? requestId,
    version,
    serviceRoot: `${url.origin}/${version}`,
    route: undefined,
    params: {},
    refusal: undefined,
    principal: undefined,
    tenantId: settings.defaultTenantId,
    responseHeaders: {},
    reenter,
    enclosing,
    beforeAnswer: enclosing?.beforeAnswer ?? [],
  };
}

/** The request's URL without its query or empty segments, as the client wrote it: what a Location extends. */
export function requestBase(ctx: RequestContext): string {
  return `${ctx.url.origin}/${ctx.url.pathname
    .split('/')
    .filter((s) => s.length > 0)
    .join('/')}`;
}

/** The ids an answer to this request carries. */
export const idsOf = (ctx: RequestContext) => ({ requestId: ctx.requestId, clientRequestId: ctx.echoedClientRequestId });
