import { inspect } from 'node:util';
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { redactToken, type Authenticator } from '../auth/auth';
import type { AppConfig } from '../config';
import { GraphError, unknownError } from '../graph/errors';
import { errorResponse, successResponse, type GraphResult } from '../graph/response';
import { withWireHeaders } from '../graph/wire';
import { idsOf, requestContext, type RequestContext, type Route } from './context';
import { cors } from './cors';
import { resolve, routeTable } from './router';
import { storeErrorAsGraph } from './storeErrors';

/**
 * The one path every request takes, $batch items included: one request context made when it arrives,
 * then these stages, in this order (docs/architecture.md draws it):
 *
 *   1. request context: settings, request-id, client-request-id, version and service root, read once;
 *   2. wire headers and CORS: preflights answered; on the way out, Graph's front-end headers and CORS;
 *   3. route resolution: the operation and its parameters, or the error the request gets instead;
 *   4. journal: the request and its answer recorded (the admin's, only when it is on);
 *   5. authentication and tenant: the caller and the tenant it acts for, for routes that take a token;
 *   6. mock controls: simulated throttling, failures and latency, on Graph's operations only;
 *   7. the route's handler: a plain function of the context that returns a Graph result;
 *   8. response shaping: the result, or whatever stages 3 to 7 threw, in Graph's envelope and headers.
 *
 * Stage 8 wraps stages 5 to 7, so the journal (4), CORS and the wire headers (2) see the answer exactly
 * as it leaves. The pipeline knows no resource and nothing of the admin: the route table, the journal
 * and the controls are handed to it by the composition root (src/createApp.ts).
 */

/** A stage that acts on the way in and on the answer on the way out. */
export type Stage = (ctx: RequestContext, next: () => Promise<HttpResponseInit>) => Promise<HttpResponseInit>;

/** A mock control: returns when the request may go on, or throws the Graph error it answers with. */
export type Control = (ctx: RequestContext) => Promise<void>;

export interface PipelineParts {
  settings: AppConfig;
  routes: readonly Route[];
  authenticator: Authenticator;
  /** Stage 4, when the journal is kept. */
  journal?: Stage;
  /** Stage 6, in the order they act. */
  controls?: readonly Control[];
  /** Waited for before any request is served (a seed file being stored); never rejects. */
  ready?: () => Promise<void>;
}

export type RequestHandler = (request: HttpRequest, invocation: InvocationContext) => Promise<HttpResponseInit>;

export function createPipeline(parts: PipelineParts): RequestHandler {
  const table = routeTable(parts.routes);
  const journal: Stage = parts.journal ?? ((_ctx, next) => next());
  const controls = parts.controls ?? [];

  const handle = async (request: HttpRequest, invocation: InvocationContext, enclosing?: RequestContext): Promise<HttpResponseInit> => {
    const ctx = requestContext(request, invocation, parts.settings, (item) => handle(item, invocation, ctx), enclosing); // 1
    await parts.ready?.();
    return wireHeaders(ctx, () => cors(ctx, parts.settings.cors, () => routed(ctx))); // 2
  };

  const routed = (ctx: RequestContext): Promise<HttpResponseInit> => {
    resolveRoute(ctx, table); // 3
    return journal(ctx, () => shapeResponse(ctx, () => operate(ctx))); // 4, then 8 around 5 to 7
  };

  const operate = async (ctx: RequestContext): Promise<GraphResult> => {
    const route = operationOf(ctx);
    await authenticate(ctx, route, parts.authenticator); // 5
    if (isOperation(route)) for (const control of controls) await control(ctx); // 6
    return route.handler(ctx); // 7
  };

  return (request, invocation) => handle(request, invocation);
}

/** Stage 2, on the way out: what Graph's front end adds to every answer. */
async function wireHeaders(ctx: RequestContext, next: () => Promise<HttpResponseInit>): Promise<HttpResponseInit> {
  return withWireHeaders(ctx.request, ctx.url, await next());
}

/** Stage 3: the route, or why there is none (answered in stage 8, so it is journaled and shaped like any error). */
function resolveRoute(ctx: RequestContext, table: readonly Route[]): void {
  const resolution = resolve(table, ctx.request.method, ctx.url);
  if ('error' in resolution) {
    ctx.refusal = resolution.error;
    return;
  }
  ctx.route = resolution.route;
  ctx.params = resolution.params;
}

function operationOf(ctx: RequestContext): Route {
  if (ctx.route === undefined) throw ctx.refusal ?? unknownError();
  return ctx.route;
}

/** Graph's operations: the mock controls act on these, not on the $batch envelope (its items meet them one by one). */
const isOperation = (route: Route) => route.access === 'read' || route.access === 'write';

/** Stage 5. */
async function authenticate(ctx: RequestContext, route: Route, authenticator: Authenticator): Promise<void> {
  if (route.access === undefined) return;
  const principal = await authenticator.admit(ctx.request.headers.get('authorization'), route.access);
  ctx.principal = principal;
  ctx.tenantId = principal.tenantId;
}

/**
 * Stage 8. Anything thrown that is not a GraphError becomes a generic 500: internal messages and stacks
 * go to the log, never to the caller.
 */
async function shapeResponse(ctx: RequestContext, produce: () => Promise<GraphResult>): Promise<HttpResponseInit> {
  try {
    return successResponse(await produce(), idsOf(ctx), ctx.responseHeaders);
  } catch (thrown) {
    const err = storeErrorAsGraph(thrown);
    if (err instanceof GraphError) {
      if (err.status >= 500) {
        ctx.invocation.warn(`${ctx.request.method} ${ctx.url.pathname}: ${err.status} ${err.code} (${err.message})${causeOf(err)}`);
      }
      return errorResponse(err, idsOf(ctx));
    }
    const detail = err instanceof Error ? (err.stack ?? String(err)) : String(err);
    ctx.invocation.error(
      `Unhandled error for request-id ${ctx.requestId}: ${redactToken(detail, ctx.request.headers.get('authorization'))}`,
    );
    return errorResponse(unknownError(), idsOf(ctx));
  }
}

/** Why a 5xx happened, for the log only (e.g. the key endpoint's connection error); never sent to the caller. */
function causeOf(err: GraphError): string {
  const cause = err.cause;
  if (cause === undefined) return '';
  return `; cause: ${cause instanceof Error ? `${cause.name}: ${cause.message}` : inspect(cause)}`;
}
