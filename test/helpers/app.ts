import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { Authenticator } from '../../src/auth/auth';
import { parseConfig, type AppConfig } from '../../src/config';
import { createApp, type App } from '../../src/createApp';
import { GraphError } from '../../src/graph/errors';
import { requestContext, type RequestContext, type Route, type RouteParams } from '../../src/pipeline/context';
import { createPipeline, type RequestHandler } from '../../src/pipeline/pipeline';
import { invocationContext } from './requests';

/**
 * An app built from explicit settings: this test file's storage and table (test/helpers/per-file-env.ts),
 * dev auth, and whatever `settings` adds. Nothing else of the environment reaches it, so a test never
 * depends on what another set before it.
 */
export function testApp(settings: Record<string, string | undefined> = {}): App {
  const app = createApp(testSettings(settings));
  made.push(app);
  return app;
}

/**
 * The apps this test file made. Their work after answers (removing replaced rows, pruning the journal)
 * is waited for when the file ends: left running, it keeps a storage call open in the jest worker, which
 * then cannot exit and is killed ("A worker process has failed to exit gracefully").
 */
const made: App[] = [];
afterAll(async () => {
  await Promise.all(made.map((app) => app.idle()));
});

export function testSettings(settings: Record<string, string | undefined> = {}): AppConfig {
  const own = ['ASSIGNMENTS_STORAGE', 'ASSIGNMENTS_TABLE', 'STORAGE_TIMEOUT_MS', 'AUTH_MODE'] as const;
  return parseConfig({ ...Object.fromEntries(own.map((k) => [k, process.env[k]])), ...settings });
}

/** The pipeline alone, over routes of the test's making: to see what every route gets from it. */
export function testPipeline(routes: Route[], settings: Record<string, string | undefined> = {}): RequestHandler {
  const config = testSettings(settings);
  return createPipeline({ settings: config, routes, authenticator: new Authenticator(config.auth, config.defaultTenantId) });
}

/** Sends a request through the app's whole pipeline, as the host does. */
export function send(app: App, request: HttpRequest, context: InvocationContext = invocationContext()): Promise<HttpResponseInit> {
  return app.handle(request, context);
}

/**
 * A request context with the route parameters given, for calling a handler directly: what the router
 * could never hand over (a lone surrogate in an id) can still be tried on the handler.
 */
export function contextFor(app: App, request: HttpRequest, params: RouteParams, tenantId = app.settings.defaultTenantId): RequestContext {
  const ctx = requestContext(request, invocationContext(), app.settings, (item) => app.handle(item, invocationContext()));
  ctx.params = params;
  ctx.tenantId = tenantId;
  return ctx;
}

/** The GraphError a handler threw; fails the test if it answered instead. */
export async function refusal(pending: Promise<unknown>): Promise<GraphError> {
  const outcome = await pending.then(
    (result) => result,
    (err: unknown) => err,
  );
  if (outcome instanceof GraphError) return outcome;
  throw new Error(`expected a GraphError, got ${JSON.stringify(outcome)}`);
}

/** A route's handler, by the route's name: to call it directly with a context of the test's making. */
export function handlerOf(app: App, name: string): (ctx: RequestContext) => Promise<unknown> {
  const route = app.routes.find((r) => r.name === name);
  if (!route) throw new Error(`no route named ${name}`);
  return route.handler;
}
