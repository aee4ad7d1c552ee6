import { clock, duration, h, header, shortId, statusClass } from './dom';
import { shortPath } from './requests';
import type { Entry } from './types';

/**
 * Retries: requests that share a client-request-id (SDKs repeat it on every attempt), each attempt with
 * its answer and how soon after the previous answer it came, against the Retry-After that answer asked for.
 */

export interface Attempt {
  entry: Entry;
  /** From when the previous attempt's answer left to when this attempt arrived. */
  afterPreviousMs?: number;
  /** What the previous answer's Retry-After asked for. */
  askedMs?: number;
}

export interface RetryGroup {
  clientRequestId: string;
  tenantId: string;
  /** Oldest first. */
  attempts: Attempt[];
}

const receivedMs = (e: Entry) => Date.parse(e.receivedDateTime);

/** Groups of two or more attempts (or a later attempt whose earlier ones are no longer shown), newest activity first. */
export function retryGroups(entries: readonly Entry[]): RetryGroup[] {
  const groups = new Map<string, Entry[]>();
  for (const e of entries) {
    if (e.clientRequestId === null) continue;
    const key = `${e.tenantId}\n${e.clientRequestId}`;
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  const out: RetryGroup[] = [];
  for (const list of groups.values()) {
    if (list.length < 2 && list[0]!.attempt < 2) continue;
    list.sort((a, b) => a.attempt - b.attempt || receivedMs(a) - receivedMs(b));
    const attempts = list.map((entry, i): Attempt => {
      const previous = list[i - 1];
      if (previous === undefined || previous.attempt !== entry.attempt - 1) return { entry };
      const retryAfter = Number(header(previous.response.headers, 'retry-after'));
      return {
        entry,
        afterPreviousMs: receivedMs(entry) - (receivedMs(previous) + previous.durationMs),
        askedMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
      };
    });
    out.push({ clientRequestId: list[0]!.clientRequestId!, tenantId: list[0]!.tenantId, attempts });
  }
  const last = (g: RetryGroup) => receivedMs(g.attempts[g.attempts.length - 1]!.entry);
  return out.sort((a, b) => last(b) - last(a));
}

function attemptItem(a: Attempt): HTMLLIElement {
  const e = a.entry;
  const timing =
    a.afterPreviousMs === undefined
      ? e.attempt > 1
        ? 'the attempt before it is not shown'
        : 'first attempt'
      : `came ${duration(a.afterPreviousMs)} after the previous answer` +
        (a.askedMs !== undefined ? `, which asked for ${duration(a.askedMs)}` : '');
  const retryAfter = header(e.response.headers, 'retry-after');
  return h(
    'li',
    { class: e.retryAfterViolation ? 'attempt violation' : 'attempt' },
    h('span', { class: 'attempt-no' }, `#${e.attempt}`),
    ' ',
    h('time', { datetime: e.receivedDateTime }, clock(e.receivedDateTime)),
    ' ',
    h('span', { class: statusClass(e.response.status) }, e.response.status),
    retryAfter ? ` Retry-After ${retryAfter} s · ` : ' · ',
    timing,
    e.retryAfterViolation ? ' ' : null,
    e.retryAfterViolation ? h('strong', { class: 'badge violation' }, 'Retry-After violated') : null,
  );
}

export function retryGroupElement(g: RetryGroup): HTMLLIElement {
  const first = g.attempts[0]!.entry;
  const final = g.attempts[g.attempts.length - 1]!.entry;
  const violations = g.attempts.filter((a) => a.entry.retryAfterViolation).length;
  return h(
    'li',
    { class: violations > 0 ? 'group has-violation' : 'group', 'data-client-request-id': g.clientRequestId },
    h(
      'p',
      { class: 'group-head' },
      h('code', { title: g.clientRequestId }, g.clientRequestId),
      h(
        'span',
        { class: 'muted' },
        ` · ${first.method} ${shortPath(first.url)} · tenant `,
        h('span', { title: g.tenantId }, shortId(g.tenantId)),
      ),
    ),
    h(
      'p',
      { class: 'group-sum' },
      `${g.attempts.length} attempts, last answered `,
      h('span', { class: statusClass(final.response.status) }, final.response.status),
      violations > 0 ? ' ' : null,
      violations > 0 ? h('strong', { class: 'badge violation' }, `${violations} too early`) : null,
    ),
    h('ol', { class: 'attempts' }, ...g.attempts.map(attemptItem)),
  );
}
