import { bodyText, clock, duration, h, shortId, statusClass } from './dom';
import type { Entry } from './types';

/** The journal as a list: each entry a <details> that opens to its request and its answer. */

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
/** About what the list's path column shows on one line. */
const PATH_BUDGET = 40;

/**
 * A path as the list shows it: GUIDs cut to their first 8 characters, and when it is still long, the
 * version and then as many of the last segments as fit: Graph's paths differ in their last segments
 * (the configuration, the assignment), not in their first. The entry's title and detail have the URL.
 */
export function shortPath(url: string): string {
  const full = pathOf(url);
  const q = full.indexOf('?');
  const [path, query] = q < 0 ? [full, ''] : [full.slice(0, q), full.slice(q)];
  const segments = path
    .replace(GUID, (g) => `${g.slice(0, 8)}…`)
    .split('/')
    .filter(Boolean);
  let tail = segments.slice(1);
  while (tail.length > 1 && `/${segments[0]}/…/${tail.join('/')}`.length > PATH_BUDGET) tail = tail.slice(1);
  const short = tail.length === segments.length - 1 ? `/${segments.join('/')}` : `/${segments[0]}/…/${tail.join('/')}`;
  return `${short}${query}`;
}

/** The path and query of a URL the journal recorded (the origin is the mock's own). */
export function pathOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.pathname}${u.search}`;
  } catch {
    return url;
  }
}

function headersTable(caption: string, headers: Record<string, string>): HTMLElement {
  const names = Object.keys(headers).sort((a, b) => a.localeCompare(b));
  if (names.length === 0) return h('p', { class: 'muted' }, `No ${caption.toLowerCase()}.`);
  return h(
    'table',
    { class: 'headers' },
    h('caption', {}, caption),
    h('tbody', {}, ...names.map((name) => h('tr', {}, h('th', { scope: 'row' }, name), h('td', {}, headers[name])))),
  );
}

function bodyBlock(label: string, body: unknown, truncated: boolean | undefined, recorded = true): HTMLElement {
  const text = bodyText(body);
  return h(
    'div',
    { class: 'body' },
    h('h4', {}, label),
    !recorded
      ? h('p', { class: 'muted' }, 'Not recorded (an entry from before answers were kept).')
      : text === ''
        ? h('p', { class: 'muted' }, 'No body.')
        : h('pre', { tabindex: 0 }, text),
    truncated ? h('p', { class: 'muted' }, 'Cut: the journal keeps the first 8192 characters.') : null,
  );
}

function facts(pairs: Array<[string, string | null | undefined]>): HTMLElement {
  return h('dl', { class: 'facts' }, ...pairs.filter(([, v]) => v).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

function detail(e: Entry): HTMLElement {
  return h(
    'div',
    { class: 'detail' },
    h(
      'section',
      { class: 'half', 'aria-label': 'Request' },
      h('h3', {}, 'Request'),
      h('p', { class: 'url' }, h('strong', {}, e.method), ' ', e.url),
      facts([
        ['Received', e.receivedDateTime],
        ['Tenant', e.tenantId],
        ['Caller', e.principal ? `${e.principal.kind} ${e.principal.callerId}` : null],
        ['client-request-id', e.clientRequestId],
        ['request-id', e.requestId],
        ['Attempt', e.clientRequestId ? String(e.attempt) : null],
      ]),
      headersTable('Request headers', e.headers),
      bodyBlock('Request body', e.body, e.bodyTruncated),
    ),
    h(
      'section',
      { class: 'half', 'aria-label': 'Response' },
      h('h3', {}, 'Response'),
      h('p', {}, h('span', { class: statusClass(e.response.status) }, e.response.status), ` after ${duration(e.durationMs)}`),
      headersTable('Response headers', e.response.headers),
      bodyBlock('Response body', e.response.body, e.response.bodyTruncated, 'body' in e.response),
    ),
  );
}

export function entryElement(e: Entry): HTMLLIElement {
  const retry =
    e.attempt > 1
      ? h(
          'span',
          { class: e.retryAfterViolation ? 'badge violation' : 'badge' },
          h('span', { class: 'visually-hidden' }, 'attempt '),
          `#${e.attempt}`,
          e.retryAfterViolation ? ' · early' : '',
        )
      : h('span', {});
  return h(
    'li',
    { 'data-id': e.id, 'data-tenant': e.tenantId },
    h(
      'details',
      {},
      h(
        'summary',
        { title: `${e.method} ${e.url}` },
        h('time', { datetime: e.receivedDateTime }, clock(e.receivedDateTime)),
        h('span', { class: 'method' }, e.method),
        h('span', { class: 'path' }, shortPath(e.url)),
        h('span', { class: statusClass(e.response.status) }, e.response.status),
        h('span', { class: 'took' }, duration(e.durationMs)),
        retry,
        h('span', { class: 'tenant', title: e.tenantId }, shortId(e.tenantId)),
      ),
      // Built when first opened: a journal of hundreds of entries stays light.
    ),
  );
}

/** Fills an entry's detail the first time it is opened. */
export function openOnDemand(li: HTMLLIElement, e: Entry): void {
  const details = li.querySelector('details');
  details?.addEventListener('toggle', () => {
    if (details.open && details.childElementCount === 1) details.append(detail(e));
  });
}
