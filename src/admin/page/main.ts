import { adminKey, ApiError, call, NeedsKey } from './api';
import { confirmAction } from './dialog';
import { byId, clock, h } from './dom';
import { entryElement, openOnDemand } from './requests';
import { retryGroupElement, retryGroups } from './retries';
import { stateElement } from './stored';
import type { Entry, TenantState, Tenants } from './types';

/**
 * The admin page: the journal, live, with its filters and retries; the stored state; reset and seed.
 *
 * Live means polling: the Functions host buffers whole responses, so the mock cannot push. Every
 * POLL_MS the page asks for the entries answered since the newest it has, less MARGIN_MS (an entry is
 * recorded just after its answer leaves, and a slow request is recorded long after it arrived), and
 * merges them by id. Every FULL_EVERY_MS it reads the whole view again instead, so that what someone
 * else removed (a test suite's reset, the journal's pruning) leaves the page too.
 */

const POLL_MS = 2000;
const FULL_EVERY_MS = 15_000;
const MARGIN_MS = 5000;
/** Entries shown at most: the newest, within the filters. */
const LIMIT = 200;
const WRITES = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);
const SEED_EXAMPLE = {
  assignments: [{ configurationId: 'demo-configuration', target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' } }],
};

const ui = {
  status: byId('live-status'),
  announcer: byId('announcer'),
  pause: byId<HTMLButtonElement>('pause'),
  forgetKey: byId<HTMLButtonElement>('forget-key'),
  keyPanel: byId('key-panel'),
  keyForm: byId<HTMLFormElement>('key-form'),
  keyInput: byId<HTMLInputElement>('key-input'),
  keyError: byId('key-error'),
  main: byId('main'),
  filters: byId<HTMLFormElement>('filters'),
  filterTenant: byId<HTMLSelectElement>('filter-tenant'),
  filterError: byId('filter-error'),
  summary: byId('requests-summary'),
  requests: byId<HTMLOListElement>('requests'),
  retries: byId<HTMLOListElement>('retries'),
  stateTenant: byId<HTMLSelectElement>('state-tenant'),
  state: byId('state'),
  resetScope: byId<HTMLSelectElement>('reset-scope'),
  seedJson: byId<HTMLTextAreaElement>('seed-json'),
  actionResult: byId('action-result'),
};

let entries: Entry[] = [];
const elements = new Map<string, HTMLLIElement>();
/** Bumped when what the list shows changes (filters, reset): answers to earlier questions are dropped. */
let generation = 0;
let lastFull = 0;
let loadedOnce = false;
let paused = false;
let needsKey = false;
let pollTimer: number | undefined;
let stateTimer: number | undefined;
let tenants: Tenants | undefined;
/** The state last drawn, as JSON. */
let shownState: string | undefined;

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

function setStatus(text: string, tone: 'ok' | 'error' | 'idle' = 'ok'): void {
  ui.status.textContent = text;
  ui.status.dataset.tone = tone;
}

function filterParams(): URLSearchParams {
  const q = new URLSearchParams();
  for (const element of Array.from(ui.filters.elements)) {
    if (!(element instanceof HTMLInputElement || element instanceof HTMLSelectElement) || !element.name) continue;
    const value = element.value.trim();
    if (value !== '') q.set(element.name, value);
  }
  return q;
}

const answeredMs = (e: Entry) => Date.parse(e.receivedDateTime) + e.durationMs;
const newestFirst = (a: Entry, b: Entry) => Date.parse(b.receivedDateTime) - Date.parse(a.receivedDateTime) || a.id.localeCompare(b.id);

function schedule(): void {
  window.clearTimeout(pollTimer);
  pollTimer = window.setTimeout(() => void poll(), POLL_MS);
}

async function poll(): Promise<void> {
  window.clearTimeout(pollTimer);
  if (paused || needsKey || document.hidden) return;
  const asked = generation;
  const full = Date.now() - lastFull >= FULL_EVERY_MS;
  const q = filterParams();
  q.set('$top', String(LIMIT));
  const newest = entries.length === 0 ? undefined : Math.max(...entries.map(answeredMs));
  if (!full && newest !== undefined) q.set('answeredSince', new Date(newest - MARGIN_MS).toISOString());
  try {
    const { value } = await call<{ value: Entry[] }>(`/__admin/requests?${q.toString()}`);
    if (asked !== generation) return;
    if (full) lastFull = Date.now();
    const known = new Set(entries.map((e) => e.id));
    const byId = new Map((full ? [] : entries).map((e) => [e.id, e]));
    for (const e of value) byId.set(e.id, e);
    entries = [...byId.values()].sort(newestFirst).slice(0, LIMIT);
    const fresh = loadedOnce ? entries.filter((e) => !known.has(e.id)) : [];
    loadedOnce = true;
    render(new Set(fresh.map((e) => e.id)));
    ui.filterError.textContent = '';
    setStatus(`Live · updated ${clock(new Date().toISOString()).slice(0, 8)}`);
    if (fresh.length > 0) ui.announcer.textContent = `${fresh.length} new request${fresh.length === 1 ? '' : 's'}`;
    if (full || fresh.some((e) => !tenants?.value.includes(e.tenantId))) void refreshTenants();
    if (full || fresh.some((e) => WRITES.has(e.method) && e.tenantId === ui.stateTenant.value)) stateSoon();
  } catch (err) {
    if (err instanceof NeedsKey) return askForKey(err);
    if (err instanceof ApiError && err.status === 400) {
      ui.filterError.textContent = err.message;
      setStatus('The filters were refused', 'error');
    } else setStatus(`Cannot read the journal: ${message(err)} Trying again…`, 'error');
  } finally {
    if (asked === generation && !needsKey) schedule();
  }
}

/** Starts over: after a filter changed, or the data was reset. */
function reload(): void {
  generation++;
  lastFull = 0;
  loadedOnce = false;
  entries = [];
  render(new Set());
  void poll();
}

function elementFor(e: Entry, isNew: boolean): HTMLLIElement {
  let li = elements.get(e.id);
  if (!li) {
    li = entryElement(e);
    openOnDemand(li, e);
    elements.set(e.id, li);
  }
  if (isNew) {
    li.classList.add('new');
    li.addEventListener('animationend', () => li.classList.remove('new'), { once: true });
  }
  return li;
}

/** Puts the entries in order, moving only what must move: an entry the reader has open or focused stays as it is. */
function render(fresh: Set<string>): void {
  const wanted = entries.map((e) => elementFor(e, fresh.has(e.id)));
  const keep = new Set<Element>(wanted);
  for (const child of Array.from(ui.requests.children)) if (!keep.has(child)) child.remove();
  for (const [id, li] of elements) if (!keep.has(li)) elements.delete(id);
  let next = ui.requests.firstElementChild;
  for (const li of wanted) {
    if (li === next) next = next.nextElementSibling;
    else ui.requests.insertBefore(li, next);
  }
  const filtered = [...filterParams().keys()].length > 0;
  ui.summary.textContent =
    entries.length === 0
      ? filtered
        ? 'No request matches the filters.'
        : 'No requests yet: they appear here as they arrive.'
      : `${entries.length} request${entries.length === 1 ? '' : 's'}${filtered ? ' matching the filters' : ''}, newest first` +
        (entries.length === LIMIT ? ` (the newest ${LIMIT}: narrow with the filters to see others).` : '.');
  const groups = retryGroups(entries);
  ui.retries.replaceChildren(
    ...(groups.length === 0 ? [h('li', { class: 'muted empty' }, 'No retries among the requests shown.')] : groups.map(retryGroupElement)),
  );
}

function tenantLabel(id: string): string {
  return id === tenants?.defaultTenantId ? `${id} (default)` : id;
}

/** Refills a tenant picker, keeping its choice. */
function fillTenants(select: HTMLSelectElement, first: HTMLOptionElement | undefined): void {
  const chosen = select.value;
  const ids = tenants?.value ?? [];
  select.replaceChildren(...(first ? [first] : []), ...ids.map((id) => h('option', { value: id }, tenantLabel(id))));
  if (chosen && !ids.includes(chosen)) select.append(h('option', { value: chosen }, tenantLabel(chosen)));
  select.value = chosen || (first ? '' : (tenants?.defaultTenantId ?? ''));
}

async function refreshTenants(): Promise<void> {
  let fresh: Tenants;
  try {
    fresh = await call<Tenants>('/__admin/tenants');
  } catch (err) {
    if (err instanceof NeedsKey) askForKey(err);
    return;
  }
  // Refilled only when the list changed: a picker someone has open stays open.
  if (JSON.stringify(fresh) === JSON.stringify(tenants)) return;
  tenants = fresh;
  fillTenants(ui.filterTenant, h('option', { value: '' }, 'Every tenant'));
  fillTenants(ui.stateTenant, undefined);
  fillTenants(ui.resetScope, h('option', { value: '' }, 'Everything, every tenant'));
}

function stateSoon(): void {
  window.clearTimeout(stateTimer);
  stateTimer = window.setTimeout(() => void refreshState(), 300);
}

async function refreshState(): Promise<void> {
  const tenantId = ui.stateTenant.value || tenants?.defaultTenantId;
  if (!tenantId || needsKey) return;
  ui.state.setAttribute('aria-busy', 'true');
  try {
    const state = await call<TenantState>(`/__admin/state?tenantId=${encodeURIComponent(tenantId)}`);
    const shown = JSON.stringify(state);
    // Redrawn only when it changed: what the reader has open stays open.
    if ((ui.stateTenant.value || tenants?.defaultTenantId) === tenantId && shown !== shownState) {
      ui.state.replaceChildren(stateElement(state));
      shownState = shown;
    }
  } catch (err) {
    if (err instanceof NeedsKey) askForKey(err);
    else {
      ui.state.replaceChildren(h('p', { class: 'error' }, `Cannot read the stored data: ${message(err)}`));
      shownState = undefined;
    }
  } finally {
    ui.state.removeAttribute('aria-busy');
  }
}

/** Stops everything until a key is given; the data shown so far goes with it. */
function askForKey(err?: NeedsKey): void {
  // Calls in flight when the key was refused are refused too: the first says all there is to say.
  if (needsKey && err !== undefined) return;
  const refused = err !== undefined && adminKey.get() !== null;
  adminKey.clear();
  needsKey = true;
  generation++;
  window.clearTimeout(pollTimer);
  entries = [];
  render(new Set());
  ui.state.replaceChildren();
  shownState = undefined;
  ui.main.hidden = true;
  ui.keyPanel.hidden = false;
  ui.forgetKey.hidden = true;
  ui.keyError.textContent = refused ? `The mock refused this key: ${err.message}` : '';
  setStatus('Waiting for the admin key', 'idle');
  ui.keyInput.focus();
}

function showResult(text: string, tone: 'ok' | 'error'): void {
  ui.actionResult.textContent = text;
  ui.actionResult.dataset.tone = tone;
}

async function reset(): Promise<void> {
  const tenantId = ui.resetScope.value;
  const confirmed = await confirmAction(
    tenantId ? 'Reset this tenant?' : 'Reset everything?',
    tenantId
      ? `This removes the configurations, assignments, journal entries and mock state of tenant ${tenantId}. It cannot be undone.`
      : 'This removes every configuration, assignment, journal entry and all mock state, of every tenant. It cannot be undone.',
    tenantId ? 'Reset the tenant' : 'Reset everything',
  );
  if (!confirmed) return showResult('Nothing was reset.', 'ok');
  try {
    await call(`/__admin/reset${tenantId ? `?tenantId=${encodeURIComponent(tenantId)}` : ''}`, { method: 'POST' });
  } catch (err) {
    if (err instanceof NeedsKey) return askForKey(err);
    return showResult(`The reset failed: ${message(err)}`, 'error');
  }
  showResult(tenantId ? `Tenant ${tenantId} was reset.` : 'Everything was reset.', 'ok');
  reload();
  await refreshTenants();
  await refreshState();
}

async function seed(): Promise<void> {
  let items: number;
  try {
    const parsed = JSON.parse(ui.seedJson.value) as { assignments?: unknown };
    items = Array.isArray(parsed.assignments) ? parsed.assignments.length : 0;
  } catch (err) {
    return showResult(`The seed is not JSON: ${message(err)}`, 'error');
  }
  const confirmed = await confirmAction(
    'Seed these assignments?',
    `This stores ${items} assignment${items === 1 ? '' : 's'}, each checked as a create; an id that is already stored is left as it is.`,
    'Seed',
  );
  if (!confirmed) return showResult('Nothing was seeded.', 'ok');
  try {
    const stored = await call<{ assignments: unknown[] }>('/__admin/seed', { method: 'POST', body: ui.seedJson.value });
    showResult(`Stored ${stored.assignments.length} assignment${stored.assignments.length === 1 ? '' : 's'}.`, 'ok');
  } catch (err) {
    if (err instanceof NeedsKey) return askForKey(err);
    return showResult(`The seed was refused: ${message(err)}`, 'error');
  }
  await refreshTenants();
  await refreshState();
}

function start(): void {
  needsKey = false;
  ui.keyPanel.hidden = true;
  ui.main.hidden = false;
  ui.forgetKey.hidden = adminKey.get() === null;
  void refreshTenants().then(refreshState);
  reload();
}

let filterTimer: number | undefined;
ui.filters.addEventListener('submit', (event) => event.preventDefault());
ui.filters.addEventListener('input', () => {
  window.clearTimeout(filterTimer);
  filterTimer = window.setTimeout(reload, 300);
});
ui.filterTenant.addEventListener('change', () => {
  // Looking at one tenant's requests: its stored data is what one wants beside them.
  if (ui.filterTenant.value && ui.stateTenant.value !== ui.filterTenant.value) {
    ui.stateTenant.value = ui.filterTenant.value;
    void refreshState();
  }
});
byId('filter-clear').addEventListener('click', () => {
  ui.filters.reset();
  reload();
});
ui.stateTenant.addEventListener('change', () => void refreshState());
byId('state-refresh').addEventListener('click', () => void refreshState());
byId('reset').addEventListener('click', () => void reset());
byId('seed').addEventListener('click', () => void seed());
ui.pause.addEventListener('click', () => {
  paused = !paused;
  ui.pause.setAttribute('aria-pressed', String(paused));
  if (paused) {
    window.clearTimeout(pollTimer);
    setStatus('Paused: new requests are not shown until you resume', 'idle');
  } else void poll();
});
ui.forgetKey.addEventListener('click', () => askForKey());
ui.keyForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const key = ui.keyInput.value.trim();
  if (key === '') return;
  adminKey.set(key);
  ui.keyInput.value = '';
  ui.keyError.textContent = '';
  start();
});
document.addEventListener('visibilitychange', () => {
  if (!document.hidden) void poll();
});

ui.seedJson.value = JSON.stringify(SEED_EXAMPLE, null, 2);
start();
