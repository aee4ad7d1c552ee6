import { setTimeout as sleep } from 'node:timers/promises';
import type { HttpRequest } from '@azure/functions';
import { badGateway, badRequest, gatewayTimeout, GraphError, serviceUnavailable, tooManyRequests, unknownError } from '../graph/errors';
import type { RequestContext } from '../pipeline/context';
import type { Control } from '../pipeline/pipeline';
import type { MockState } from './state';
import { randomInt } from './random';
import { MAX_RETRY_AFTER_SECONDS, MOCK_ERROR_STATUSES, type MockErrorStatus, type MockSettings } from './settings';

/**
 * Mock controls: Graph-shaped throttling, transient errors and latency, on request (x-mock-* headers,
 * honoured only with MOCK_CONTROLS=on) and by configuration (MOCK_FAILURE_RATE, MOCK_LATENCY_MS,
 * MOCK_RATE_LIMIT). The pipeline runs them after authentication, so a 401 stays a 401 and the tenant
 * is known, and before the route's logic, so an injected failure never stores anything.
 *
 * In order: the delay (every answer is delayed, errors included), the rate limit, a forced error,
 * then a random failure. A request that carries x-mock-error is decided by its headers alone.
 */

export const MOCK_HEADERS = {
  error: 'x-mock-error',
  errorCount: 'x-mock-error-count',
  retryAfter: 'x-mock-retry-after',
  latency: 'x-mock-latency',
} as const;

/** More than any retry policy tries; the bound keeps a typo from failing a request for good. */
export const MAX_ERROR_COUNT = 100;

interface HeaderControls {
  error?: MockErrorStatus;
  errorCount?: number;
  retryAfterSeconds?: number;
  latencyMs?: number;
}

/** A header as a whole number, or a 400 naming the header; undefined when the header is absent. */
function wholeNumber(request: HttpRequest, name: string, min: number, max: number, bound: string): number | undefined {
  const raw = request.headers.get(name);
  if (raw === null) return undefined;
  const value = raw.trim();
  const n = /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  if (!(n >= min && n <= max)) {
    throw badRequest(`The header '${name}' must be a whole number from ${min} to ${max}${bound}; got '${value.slice(0, 100)}'.`);
  }
  return n;
}

function readHeaderControls(ctx: RequestContext, settings: MockSettings): HeaderControls {
  const request = ctx.request;
  const controls: HeaderControls = {};
  const error = request.headers.get(MOCK_HEADERS.error);
  if (error !== null) {
    const status = Number(error.trim());
    if (!/^\d{3}$/.test(error.trim()) || !(MOCK_ERROR_STATUSES as readonly number[]).includes(status)) {
      throw badRequest(
        `The header '${MOCK_HEADERS.error}' must be one of ${MOCK_ERROR_STATUSES.join(', ')}; got '${error.trim().slice(0, 100)}'.`,
      );
    }
    controls.error = status as MockErrorStatus;
  }
  controls.errorCount = wholeNumber(request, MOCK_HEADERS.errorCount, 1, MAX_ERROR_COUNT, '');
  controls.retryAfterSeconds = wholeNumber(request, MOCK_HEADERS.retryAfter, 0, MAX_RETRY_AFTER_SECONDS, '');
  controls.latencyMs = wholeNumber(
    request,
    MOCK_HEADERS.latency,
    0,
    settings.maxLatencyMs,
    ` (the bound is the setting MOCK_MAX_LATENCY_MS)`,
  );
  if (controls.errorCount !== undefined) {
    if (controls.error === undefined) {
      throw badRequest(`The header '${MOCK_HEADERS.errorCount}' needs '${MOCK_HEADERS.error}' to say which error to answer with.`);
    }
    // Attempts are counted per client-request-id; without one, retries cannot be told from new requests.
    if (ctx.clientRequestId === undefined) {
      throw badRequest(
        `The header '${MOCK_HEADERS.errorCount}' needs a 'client-request-id' header: attempts are counted per client-request-id, which every retry must repeat.`,
      );
    }
  }
  return controls;
}

/** The error Graph answers with for `status`, with Retry-After where Graph sends one. */
export function mockError(status: MockErrorStatus, retryAfterSeconds: number): GraphError {
  switch (status) {
    case 429:
      return tooManyRequests(retryAfterSeconds);
    case 503:
      return serviceUnavailable(retryAfterSeconds);
    case 500:
      return unknownError();
    case 502:
      return badGateway();
    case 504:
      return gatewayTimeout();
  }
}

/**
 * Which app in its tenant a request counts against for MOCK_RATE_LIMIT: the authenticated principal
 * (the token's app id or subject, a hash of the API key, or in dev mode a hash of the token). The
 * controls only run on routes that authenticate, so there always is one; the client address is the
 * last resort all the same.
 */
export function callerIdOf(ctx: RequestContext): string {
  if (ctx.principal) return `principal:${ctx.principal.callerId}`;
  const address = ctx.request.headers.get('x-forwarded-for')?.split(',')[0]?.trim();
  return `address:${address || 'unknown'}`;
}

/** Says in the log that a failure was made on purpose, so it is not mistaken for a real one. */
function injected(ctx: RequestContext, err: GraphError, cause: string): GraphError {
  ctx.invocation.info(`Mock control: answering ${err.status} ${err.code} (${cause}).`);
  return err;
}

/** Response header that tells the caller which counted attempt of its client-request-id this was. */
export const ATTEMPT_HEADER = 'x-mock-attempt';

/**
 * The mock controls as one pipeline control: throws the Graph error they call for, after any delay
 * they ask for; returns when the request may go on, having added the attempt number of a counted
 * request to the answer's headers.
 */
export function mockControls(settings: MockSettings, state: MockState): Control {
  return async (ctx) => {
    const headers = settings.headers ? readHeaderControls(ctx, settings) : {};

    let latencyMs = headers.latencyMs;
    if (latencyMs === undefined && settings.latencyMs) latencyMs = randomInt(state.random, settings.latencyMs.min, settings.latencyMs.max);
    if (latencyMs) await sleep(latencyMs);

    const retryAfter = await state.rateLimiter?.admit(ctx.tenantId, callerIdOf(ctx), ctx.request.method);
    if (retryAfter !== undefined) throw injected(ctx, tooManyRequests(retryAfter), 'MOCK_RATE_LIMIT');

    if (headers.error !== undefined) {
      const error = mockError(headers.error, headers.retryAfterSeconds ?? settings.retryAfterSeconds);
      if (headers.errorCount === undefined) throw injected(ctx, error, MOCK_HEADERS.error);
      // readHeaderControls made sure a counted request carries its own client-request-id.
      const attempt = await state.attempts.record(ctx.tenantId, ctx.clientRequestId!);
      const attemptHeader = { [ATTEMPT_HEADER]: String(attempt) };
      if (attempt <= headers.errorCount) {
        const counted = new GraphError(error.status, error.code, error.message, { ...error.headers, ...attemptHeader });
        throw injected(ctx, counted, `${MOCK_HEADERS.error}, attempt ${attempt} of ${headers.errorCount} to fail`);
      }
      Object.assign(ctx.responseHeaders, attemptHeader);
      return;
    }

    if (settings.failureRate > 0 && state.random() < settings.failureRate) {
      const statuses = settings.failureStatuses;
      const status = statuses[randomInt(state.random, 0, statuses.length - 1)]!;
      throw injected(ctx, mockError(status, settings.retryAfterSeconds), 'MOCK_FAILURE_RATE');
    }
  };
}
