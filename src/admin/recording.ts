import type { HttpResponseInit } from '@azure/functions';
import { fingerprint } from '../auth/auth';
import type { AppConfig } from '../config';
import { bodyText } from '../graph/body';
import { tooManyRequests } from '../graph/errors';
import type { RequestContext } from '../pipeline/context';
import type { Control, Stage } from '../pipeline/pipeline';
import type { Journal, RecordedEntry } from './journal';

/**
 * What the journal keeps of a request, as the pipeline's journal stage, and MOCK_ENFORCE_RETRY_AFTER,
 * the one control that reads the journal before a request is handled (docs/admin.md).
 */

/** Bodies longer than this (in characters) are kept as their first MAX_BODY_CHARS characters. */
export const MAX_BODY_CHARS = 8192;
/** Header values longer than this are cut: an entity property holds at most 64 KiB. */
const MAX_HEADER_CHARS = 1024;
/** The admin's own paths, when they reach no route (another method, a typo), are not Graph calls either. */
const ADMIN_PATH = /^\/__admin(\/|$)/i;

/** `Bearer sha256:0123456789ab`: the scheme and a short hash of the credential, never the credential. */
export function redactAuthorization(value: string): string {
  const space = value.indexOf(' ');
  const scheme = space < 0 ? '' : value.slice(0, space);
  const credential = space < 0 ? value : value.slice(space + 1).trim();
  return `${scheme ? `${scheme} ` : ''}sha256:${fingerprint(credential).slice(0, 12)}`;
}

/** The app's own secrets: never stored in the journal, wherever a caller puts them. */
function secretsOf(config: AppConfig): string[] {
  return [config.admin.key, ...(config.auth.mode === 'apikey' ? config.auth.apiKeys.map((k) => k.key) : [])].filter(
    (k): k is string => !!k,
  );
}

/** `text` with every occurrence of a secret replaced by `[redacted]`. */
function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const k of secrets) if (out.includes(k)) out = out.split(k).join('[redacted]');
  return out;
}

/** Request headers as stored: Authorization redacted, any value holding a secret of the app's replaced. */
export function journalHeaders(headers: Headers, secrets: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (name.toLowerCase() === 'authorization') out[name] = redactAuthorization(value);
    else if (secrets.some((k) => value.includes(k))) out[name] = '[redacted]';
    else out[name] = value.slice(0, MAX_HEADER_CHARS);
  });
  return out;
}

function parseBody(text: string): { body: unknown; bodyTruncated?: boolean } {
  if (text === '') return { body: null };
  if (text.length > MAX_BODY_CHARS) return { body: text.slice(0, MAX_BODY_CHARS), bodyTruncated: true };
  try {
    return { body: JSON.parse(text) as unknown };
  } catch {
    return { body: text };
  }
}

function responseHeaders(response: HttpResponseInit, secrets: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((response.headers as Record<string, string> | undefined) ?? {})) {
    out[k] = scrub(String(v), secrets).slice(0, MAX_HEADER_CHARS);
  }
  return out;
}

/**
 * The answer's body as the journal keeps it: the app answers with strings (JSON, $metadata's XML,
 * $count's number); anything else (a stream, bytes) is not kept.
 */
function answerBody(response: HttpResponseInit, secrets: readonly string[]): { body: unknown; bodyTruncated?: boolean } {
  return typeof response.body === 'string' ? parseBody(scrub(response.body, secrets)) : { body: null };
}

function retryAfterMs(headers: Record<string, string>): number {
  const v = Object.entries(headers).find(([k]) => k.toLowerCase() === 'retry-after')?.[1];
  const n = v === undefined ? NaN : Number(v.trim());
  return Number.isFinite(n) && n > 0 ? n * 1000 : 0;
}

const isJournaled = (ctx: RequestContext): boolean =>
  ctx.route ? ctx.route.journaled !== false : !ADMIN_PATH.test(new URL(ctx.request.url).pathname);

/**
 * The journal stage: records each Graph request with its answer. A journal that storage cannot reach
 * never fails the request: the failure is logged.
 */
export function journalStage(journal: Journal, settings: AppConfig): Stage {
  const secrets = secretsOf(settings);
  return async (ctx, next) => {
    if (!isJournaled(ctx)) return next();
    const request = ctx.request;
    // Read once for both: the journal keeps it, the handler parses it (graph/body.ts).
    const text = await bodyText(request);
    // While the journal's storage is failing the answer does not wait for it.
    const waits = journal.reachable;
    const response = await next();
    const headers = responseHeaders(response, secrets);
    const answeredMs = Date.now();
    const entry: RecordedEntry = {
      receivedDateTime: new Date(ctx.receivedMs).toISOString(),
      method: request.method.toUpperCase(),
      url: scrub(request.url, secrets),
      headers: journalHeaders(request.headers, secrets),
      ...parseBody(scrub(text, secrets)),
      response: { status: response.status ?? 200, headers, ...answerBody(response, secrets) },
      durationMs: answeredMs - ctx.receivedMs,
      requestId: ctx.requestId,
      clientRequestId: ctx.clientRequestId ?? null,
      tenantId: ctx.tenantId,
      principal: ctx.principal ? { kind: ctx.principal.kind, callerId: ctx.principal.callerId } : null,
    };
    const recorded = journal
      .record(entry, { receivedMs: ctx.receivedMs, answeredMs, retryAfterMs: retryAfterMs(headers) })
      .catch((err: unknown) => {
        const message = `Request journal: could not record ${entry.method} ${entry.url}: ${String(err)}`;
        // Once the answer has gone, the invocation's context is over: the process log takes it.
        if (waits) ctx.invocation.warn(message);
        else console.warn(message);
      });
    // A $batch item's entry is awaited with the batch's own, all at once, before the batch answers.
    if (ctx.enclosing) ctx.beforeAnswer.push(recorded);
    else if (waits) await Promise.all([recorded, ...ctx.beforeAnswer]);
    return response;
  };
}

/**
 * MOCK_ENFORCE_RETRY_AFTER=on: a retry (same client-request-id, same tenant) that comes before the
 * previous answer's Retry-After elapsed is answered 429 with the remaining seconds. A control, so it
 * acts after authentication (the tenant is known) and before the route's logic.
 */
export function retryAfterEnforcement(journal: Journal): Control {
  return async (ctx) => {
    if (ctx.clientRequestId === undefined || !journal.reachable) return;
    const waitMs = await journal.retryAfterRemaining(ctx.tenantId, ctx.clientRequestId, Date.now()).catch(() => 0);
    if (waitMs > 0) throw tooManyRequests(Math.max(1, Math.ceil(waitMs / 1000)));
  };
}
