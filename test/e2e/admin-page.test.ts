import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { createStores } from '../../src/store';
import { launchChromium, until, watchedPage, type Chromium, type Watched } from '../helpers/browser';
import { collectionPath, documentExample } from '../helpers/requests';
import { E2E_SERVER, startRunnerProcess, withRunner, type RunnerProcess } from '../helpers/runner';
import { devToken } from '../helpers/tenants';

// The admin page in a real browser (Debian's Chromium), against the local runner and (npm run
// test:host) the genuine Functions host: requests made while the page is open appear on it without a
// reload; retries, entries, tenants, the stored state, reset and seed as a user sees them; the page's
// files, headers and Content-Security-Policy; and the admin key. The runner's run also leaves the
// screenshot the README shows (docs/admin-page.png).

const A = 'a1a1a1a1-0000-4000-8000-00000000000a';
const B = 'b2b2b2b2-0000-4000-8000-00000000000b';
const as = (tenant: string) => ({ Authorization: `Bearer ${devToken(tenant)}` });
const TOKEN = { Authorization: 'Bearer page-dev-token' };
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; frame-ancestors 'none'; " +
  "base-uri 'none'; form-action 'none'; require-trusted-types-for 'script'; trusted-types 'none'";
// Written to docs/ (what the README shows) only when asked for, so a test run does not change the tree:
// UPDATE_SCREENSHOT=1 npx jest test/e2e/admin-page.test.ts. Otherwise it goes to dist/, to look at.
const SCREENSHOT = path.resolve(__dirname, '..', '..', process.env.UPDATE_SCREENSHOT === '1' ? 'docs' : 'dist', 'admin-page.png');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let runner: RunnerProcess;
let browser: Chromium;

beforeAll(async () => {
  [runner, browser] = await Promise.all([startRunnerProcess({ MOCK_ADMIN: 'on' }), launchChromium()]);
}, 120_000);

afterAll(async () => {
  await Promise.all([runner?.stop(), browser?.close()]);
});

beforeEach(async () => {
  expect((await fetch(`${runner.url}/__admin/reset`, { method: 'POST' })).status).toBe(204);
});

function post(configuration: string, headers: Record<string, string> = TOKEN, body: unknown = documentExample()): Promise<Response> {
  return fetch(`${runner.url}${collectionPath(configuration)}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

async function created(configuration: string, headers: Record<string, string> = TOKEN, body?: unknown): Promise<string> {
  const r = await post(configuration, headers, body);
  expect(r.status).toBe(201);
  return ((await r.json()) as { id: string }).id;
}

/** The page, open and showing the journal. */
async function openPage(url = runner.url): Promise<Watched> {
  const watched = await watchedPage(browser);
  await watched.page.goto(`${url}/__admin/`);
  await watched.page.locator('#live-status', { hasText: 'Live' }).waitFor();
  return watched;
}

const entries = (page: Page) => page.locator('#requests > li');
const entry = (page: Page, text: string) => page.locator('#requests > li', { hasText: text });
const shownTenants = (page: Page) => entries(page).evaluateAll((lis) => lis.map((li) => li.getAttribute('data-tenant')));

/** Nothing went wrong in the page: no script error, no console error, nothing the CSP refused. */
async function clean(w: Watched): Promise<void> {
  expect(w.consoleErrors).toEqual([]);
  expect(await w.violations()).toEqual([]);
}

it('serves the page and its files with their content types, caching headers and the CSP; the page loads nothing else', async () => {
  const page = await fetch(`${runner.url}/__admin/`);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(page.headers.get('cache-control')).toBe('no-cache');
  expect(page.headers.get('odata-version')).toBeNull();
  const html = await page.text();
  const assets = [...html.matchAll(/(?:src|href)="(\/__admin\/assets\/[^"]+)"/g)].map((m) => m[1]!);
  expect(assets.map((a) => path.extname(a)).sort()).toEqual(['.css', '.js', '.svg']);
  const types: Record<string, string> = {
    '.js': 'text/javascript; charset=utf-8',
    '.css': 'text/css; charset=utf-8',
    '.svg': 'image/svg+xml; charset=utf-8',
  };
  for (const [target, contentType, cacheControl] of [
    ['/__admin/', 'text/html; charset=utf-8', 'no-cache'],
    ...assets.map((a) => [a, types[path.extname(a)]!, 'public, max-age=31536000, immutable']),
  ] as const) {
    const r = await fetch(`${runner.url}${target}`);
    expect([target, r.status, r.headers.get('content-type'), r.headers.get('cache-control')]).toEqual([
      target,
      200,
      contentType,
      cacheControl,
    ]);
    for (const [name, value] of [
      ['content-security-policy', CSP],
      ['x-content-type-options', 'nosniff'],
      ['x-frame-options', 'DENY'],
      ['referrer-policy', 'no-referrer'],
    ] as const) {
      expect([target, name, r.headers.get(name)]).toEqual([target, name, value]);
    }
    // A name that changes with the content, or an ETag that does: a browser never keeps a stale copy.
    const etag = r.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await fetch(`${runner.url}${target}`, { headers: { 'If-None-Match': etag! } });
    expect([target, again.status, again.headers.get('etag'), again.headers.get('content-security-policy')]).toEqual([
      target,
      304,
      etag,
      CSP,
    ]);
    expect(await again.text()).toBe('');
  }
  for (const missing of ['/__admin/assets/admin.js', '/__admin/assets/index.html', '/__admin/assets/..%2Fpage.js']) {
    const r = await fetch(`${runner.url}${missing}`);
    expect([missing, r.status, ((await r.json()) as any).error.code]).toEqual([missing, 404, 'ResourceNotFound']);
  }

  const w = await openPage();
  const origin = new URL(runner.url).origin;
  // Every request the browser made is the mock's own: the page, its three files, the admin endpoints.
  expect(w.requests.map((r) => new URL(r.url()).origin)).toEqual(w.requests.map(() => origin));
  const paths = w.requests.map((r) => new URL(r.url()).pathname);
  expect(paths.filter((p) => !p.startsWith('/__admin/'))).toEqual([]);
  expect(new Set(paths)).toEqual(new Set(['/__admin/', ...assets, '/__admin/requests', '/__admin/tenants', '/__admin/state']));
  for (const r of w.requests.filter((r) => ['document', 'script', 'stylesheet', 'image'].includes(r.resourceType()))) {
    const response = await r.response();
    expect([r.url(), response?.headers()['content-security-policy']]).toEqual([r.url(), CSP]);
  }
  await clean(w);
  await w.page.close();
});

it('shows a new request without a reload; the entry opens, from the keyboard, to its request and answer with secrets redacted', async () => {
  const w = await openPage();
  const { page } = w;
  await page.evaluate('window.sameDocument = true');
  expect(await entries(page).count()).toBe(0);
  const secret = `page-secret-${randomUUID()}`;
  const id = await created('cfg-page-live', { Authorization: `Bearer ${secret}`, 'client-request-id': 'page-live-1' });

  const item = entry(page, 'cfg-page-live');
  await item.waitFor({ timeout: 10_000 });
  expect(await page.evaluate('window.sameDocument')).toBe(true);
  expect(await item.locator('summary').innerText()).toMatch(/POST\s+\/beta\/…\/cfg-page-live\/assignments\s+201/);

  await item.locator('summary').focus();
  await page.keyboard.press('Enter');
  const requestHeaders = item.locator('table', { has: page.locator('caption', { hasText: 'Request headers' }) });
  await requestHeaders.waitFor();
  const authorization = await requestHeaders
    .locator('tr', { has: page.locator('th', { hasText: /^authorization$/ }) })
    .locator('td')
    .innerText();
  expect(authorization).toMatch(/^Bearer sha256:[0-9a-f]{12}$/);
  expect(await page.content()).not.toContain(secret);
  // The request's body, the answer's status, headers and body.
  const request = item.locator('section[aria-label="Request"]');
  const response = item.locator('section[aria-label="Response"]');
  expect(await request.locator('pre').innerText()).toContain('"sourceId": "Source Id value"');
  expect(await response.innerText()).toContain('201');
  expect(await response.locator('table').innerText()).toMatch(/Location\s+http/i);
  expect(await response.locator('pre').innerText()).toContain(`"id": "${id}"`);
  // The keyboard closes it again.
  await page.keyboard.press('Enter');
  expect(await item.locator('details').getAttribute('open')).toBeNull();
  await clean(w);
  await page.close();
}, 60_000);

it('groups retries by client-request-id: each attempt with its answer and how soon it came, the early one marked', async () => {
  const w = await openPage();
  const { page } = w;
  const crid = `page-retry-${randomUUID()}`;
  const retry = { ...TOKEN, 'client-request-id': crid, 'x-mock-error': '503', 'x-mock-error-count': '2', 'x-mock-retry-after': '1' };
  expect((await post('cfg-page-retry', retry)).status).toBe(503);
  expect((await post('cfg-page-retry', retry)).status).toBe(503); // at once: before the Retry-After of 1 s
  await sleep(1100);
  expect((await post('cfg-page-retry', retry)).status).toBe(201);

  const group = page.locator(`#retries > li[data-client-request-id="${crid}"]`);
  const attempts = group.locator('ol.attempts > li');
  await until(
    'attempts shown',
    () => attempts.count(),
    (n) => n === 3,
  );
  const texts = await attempts.allInnerTexts();
  expect(texts[0]).toMatch(/#1.*503.*Retry-After 1 s.*first attempt/s);
  expect(texts[1]).toMatch(/#2.*503.*came \d+ ms after the previous answer, which asked for 1\.00 s.*Retry-After violated/s);
  expect(texts[2]).toMatch(/#3.*201.*came 1\.\d\d s after the previous answer, which asked for 1\.00 s/s);
  expect(texts[2]).not.toContain('violated');
  expect(await attempts.evaluateAll((lis) => lis.map((li) => li.classList.contains('violation')))).toEqual([false, true, false]);
  expect(await group.locator('.group-sum').innerText()).toMatch(/3 attempts, last answered\s+201\s+1 too early/);
  // The journal marks the early attempt too.
  expect(await entries(page).locator('.badge.violation').allTextContents()).toEqual(['attempt #2 · early']);
  await clean(w);
  await page.close();
}, 60_000);

it('filters by tenant (the other tenant is hidden), status, method, path and client-request-id; a bad filter is explained', async () => {
  const w = await openPage();
  const { page } = w;
  await created('cfg-page-tenant-a', { ...as(A), 'client-request-id': 'page-filter-a' });
  await created('cfg-page-tenant-b', as(B));
  expect((await fetch(`${runner.url}${collectionPath('cfg-page-tenant-b')}/missing`, { headers: as(B) })).status).toBe(404);
  await until(
    'both tenants shown',
    () => shownTenants(page),
    (t) => t.includes(A) && t.includes(B),
  );

  await until(
    'tenant A offered',
    () => page.locator('#filter-tenant option').allTextContents(),
    (o) => o.some((t) => t.startsWith(A)),
  );
  await page.selectOption('#filter-tenant', A);
  const onlyA = await until(
    'only tenant A shown',
    () => shownTenants(page),
    (t) => t.length > 0 && t.every((x) => x === A),
  );
  expect(onlyA).toEqual([A]);
  expect(await entry(page, 'cfg-page-tenant-b').count()).toBe(0);
  // Looking at a tenant's requests brings its stored data beside them.
  expect(await page.locator('#state-tenant').inputValue()).toBe(A);

  await page.selectOption('#filter-tenant', '');
  await page.fill('#filter-status', '4xx');
  await until(
    'only the 404',
    () => entries(page).allInnerTexts(),
    (t) => t.length === 1 && /\/missing\s+404/.test(t[0]!),
  );
  await page.fill('#filter-status', '');
  await page.fill('#filter-crid', 'page-filter-a');
  await until(
    'only the request with that id',
    () => entries(page).allInnerTexts(),
    (t) => t.length === 1 && t[0]!.includes('cfg-page-tenant-a'),
  );
  await page.click('#filter-clear');
  await page.selectOption('#filter-method', 'GET');
  await page.fill('#filter-path', '/beta/invitations');
  await until(
    'only the GET',
    () => entries(page).allInnerTexts(),
    (t) => t.length === 1 && t[0]!.includes('/missing'),
  );

  await page.fill('#filter-status', 'teapot');
  await page.locator('#filter-error', { hasText: "The query parameter 'status' must be a status code" }).waitFor();
  await page.close();
}, 60_000);

it('shows the configurations and assignments stored now, per tenant', async () => {
  await storeConfiguration(A, 'page-limit_Limit', {
    '@odata.type': '#microsoft.graph.deviceEnrollmentLimitConfiguration',
    displayName: 'Ten devices',
    priority: 1,
    limit: 10,
  });
  const w = await openPage();
  const { page } = w;
  const ofA = await created('page-limit_Limit', as(A), {
    target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: '11111111-2222-4333-8444-555555555555' },
  });
  const ofB = await created('cfg-page-b', as(B));

  await until(
    'tenant A offered',
    () => page.locator('#state-tenant option').allTextContents(),
    (o) => o.some((t) => t.startsWith(A)),
  );
  await page.selectOption('#state-tenant', A);
  const state = page.locator(`#state > div[data-tenant="${A}"]`);
  await state.waitFor();
  const configuration = state.locator('tr[data-configuration-id="page-limit_Limit"]');
  expect(await configuration.innerText()).toMatch(/page-limit_Limit\s+Ten devices\s+deviceEnrollmentLimitConfiguration\s+1/);
  const assignment = state.locator(`table[data-configuration-id="page-limit_Limit"] tr[data-assignment-id="${ofA}"]`);
  expect(await assignment.innerText()).toContain('groupAssignmentTarget 11111111-2222-4333-8444-555555555555');
  expect(await state.innerText()).not.toContain(ofB);

  await page.selectOption('#state-tenant', B);
  const ofTenantB = page.locator(`#state > div[data-tenant="${B}"]`);
  await ofTenantB.waitFor();
  expect(await ofTenantB.locator(`tr[data-assignment-id="${ofB}"]`).count()).toBe(1);
  expect(await ofTenantB.innerText()).toContain('No configurations stored.');
  await clean(w);
  await page.close();
}, 60_000);

it('seeds and resets, each only after a confirmation; a reset empties the page', async () => {
  const w = await openPage();
  const { page } = w;
  await created('cfg-page-reset', TOKEN);
  await entry(page, 'cfg-page-reset').waitFor();
  const dialog = page.locator('dialog#confirm');

  await page.click('#seed');
  await dialog.waitFor();
  expect(await dialog.innerText()).toMatch(/Seed these assignments\?\s+This stores 1 assignment/);
  // Cancel has the focus: Enter alone does not seed.
  expect(await page.evaluate('document.activeElement.id')).toBe('confirm-cancel');
  await page.keyboard.press('Enter');
  await dialog.waitFor({ state: 'hidden' });
  // The dialog's close event, which answers the question, comes a task after it hides.
  await page.locator('#action-result', { hasText: 'Nothing was seeded.' }).waitFor();
  await page.click('#seed');
  await page.click('#confirm-ok');
  await page.locator('#action-result', { hasText: 'Stored 1 assignment.' }).waitFor();
  await page.locator('#state table[data-configuration-id="demo-configuration"]').waitFor();

  await page.click('#reset');
  await dialog.waitFor();
  expect(await dialog.innerText()).toMatch(/Reset everything\?\s+This removes every configuration, assignment, journal entry/);
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  await page.locator('#action-result', { hasText: 'Nothing was reset.' }).waitFor();
  expect((await (await fetch(`${runner.url}/__admin/requests`)).json()) as any).toMatchObject({ value: [{ method: 'POST' }] });

  await page.click('#reset');
  await page.click('#confirm-ok');
  await page.locator('#action-result', { hasText: 'Everything was reset.' }).waitFor();
  await page.locator('#requests-summary', { hasText: 'No requests yet' }).waitFor();
  await page.locator('#state', { hasText: 'No assignments stored.' }).waitFor();
  expect(await entries(page).count()).toBe(0);
  expect(((await (await fetch(`${runner.url}/__admin/requests`)).json()) as any).value).toEqual([]);
  // Still empty after the next full read of the journal.
  await sleep(2500);
  expect(await entries(page).count()).toBe(0);
  await clean(w);
  await page.close();
}, 60_000);

it('with MOCK_ADMIN_KEY the page asks for the key and sends it as a bearer token, never in a URL', async () => {
  const key = `page-admin-key-${randomUUID()}`;
  await withRunner({ MOCK_ADMIN: 'on', MOCK_ADMIN_KEY: key }, async (keyed) => {
    const w = await watchedPage(browser);
    const { page } = w;
    // The page itself holds no data: it is served without the key, and asks for it. What it shows needs the key.
    expect((await fetch(`${keyed.url}/__admin/`)).status).toBe(200);
    for (const endpoint of ['/__admin/requests', '/__admin/tenants', `/__admin/state?tenantId=${A}`]) {
      const statuses = await Promise.all(
        [{}, { Authorization: 'Bearer wrong' }, { Authorization: `Bearer ${key}` }].map(
          async (headers) => (await fetch(`${keyed.url}${endpoint}`, { headers })).status,
        ),
      );
      expect([endpoint, statuses]).toEqual([endpoint, [401, 401, 200]]);
    }
    await page.goto(`${keyed.url}/__admin/`);
    await page.locator('#key-panel').waitFor();
    expect(await page.locator('#main').isHidden()).toBe(true);

    await page.fill('#key-input', 'not-the-key');
    await page.press('#key-input', 'Enter');
    await page.locator('#key-error', { hasText: 'The mock refused this key' }).waitFor();

    await page.fill('#key-input', key);
    await page.click('#key-form button[type="submit"]');
    await page.locator('#live-status', { hasText: 'Live' }).waitFor();
    const r = await fetch(`${keyed.url}${collectionPath('cfg-page-keyed')}`, {
      method: 'POST',
      headers: { ...TOKEN, 'Content-Type': 'application/json' },
      body: JSON.stringify(documentExample()),
    });
    expect(r.status).toBe(201);
    await entry(page, 'cfg-page-keyed').waitFor({ timeout: 10_000 });

    const calls = w.requests.filter((q) => /^\/__admin\/(requests|tenants|state)/.test(new URL(q.url()).pathname));
    const after = calls.filter((q) => q.headers().authorization === `Bearer ${key}`);
    expect(after.length).toBeGreaterThan(2);
    expect(calls.filter((q) => q.headers().authorization === 'Bearer not-the-key').length).toBeGreaterThan(0);
    expect(w.requests.filter((q) => q.url().includes(key) || q.url().includes('not-the-key'))).toEqual([]);
    expect(await page.evaluate("sessionStorage.getItem('graph-mock-admin-key')")).toBe(key);
    expect(await w.violations()).toEqual([]);

    await page.click('#forget-key');
    await page.locator('#key-panel').waitFor();
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    await page.close();
  });
}, 120_000);

it('with MOCK_ADMIN off the page and its files answer like any unknown path', async () => {
  await withRunner({ MOCK_ADMIN: 'off' }, async (off) => {
    const unknown = await fetch(`${off.url}/__nothing/`);
    const unknownBody = (await unknown.json()) as any;
    for (const target of ['/__admin/', '/__admin/assets/admin.js']) {
      const r = await fetch(`${off.url}${target}`);
      const body = (await r.json()) as any;
      expect([target, r.status, body.error.code, r.headers.get('content-security-policy')]).toEqual([
        target,
        unknown.status,
        unknownBody.error.code,
        null,
      ]);
      expect(body.error.message).toBe("Resource not found for the segment '__admin'.");
    }
  });
}, 120_000);

/** A configuration stored as another instance of the app stores it, in the test's table. */
async function storeConfiguration(tenantId: string, id: string, data: Record<string, unknown>): Promise<void> {
  const stores = createStores({
    storage: { kind: 'connectionString', connectionString: process.env.ASSIGNMENTS_STORAGE! },
    tableName: process.env.ASSIGNMENTS_TABLE!,
    storageTimeoutMs: 5000,
  });
  await stores.configurations.change(tenantId, () => ({ insert: [{ id, kind: 'limit', data }], orders: ['limit'], result: undefined }));
}

it('looks right with a morning of automation on it (the screenshot in docs/)', async () => {
  await storeConfiguration(A, 'demo-configuration', {
    '@odata.type': '#microsoft.graph.deviceEnrollmentLimitConfiguration',
    displayName: 'Five devices per user',
    priority: 1,
    limit: 5,
  });
  await created('demo-configuration', as(A), { target: { '@odata.type': '#microsoft.graph.allLicensedUsersAssignmentTarget' } });
  await created('demo-configuration', as(A), {
    target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: '3f1c2a9e-5b7d-4e21-9c3a-8d6f0b1e2a47' },
  });
  const crid = randomUUID();
  const retry = { ...as(A), 'client-request-id': crid, 'x-mock-error': '503', 'x-mock-error-count': '2', 'x-mock-retry-after': '1' };
  expect((await post('demo-configuration', retry)).status).toBe(503);
  await sleep(300);
  expect((await post('demo-configuration', retry)).status).toBe(503);
  await sleep(1100);
  expect((await post('demo-configuration', retry)).status).toBe(201);
  expect((await fetch(`${runner.url}${collectionPath('demo-configuration')}?$top=5&$count=true`, { headers: as(A) })).status).toBe(200);
  expect((await post('demo-configuration', as(B), { target: { '@odata.type': '#microsoft.graph.nope' } })).status).toBe(400);

  const w = await openPage();
  const { page } = w;
  await until(
    'the requests shown',
    () => entries(page).count(),
    (n) => n === 7,
  );
  await until(
    'tenant A offered',
    () => page.locator('#state-tenant option').allTextContents(),
    (o) => o.some((t) => t.startsWith(A)),
  );
  await page.selectOption('#state-tenant', A);
  await page.locator(`#state > div[data-tenant="${A}"] table[data-configuration-id="demo-configuration"]`).waitFor();
  await entries(page).nth(2).locator('summary').click();
  await entries(page).nth(2).locator('section[aria-label="Response"]').waitFor();
  await page.locator('#retries > li').first().waitFor();
  const shot = await page.screenshot({ fullPage: true, animations: 'disabled', ...(E2E_SERVER === 'runner' ? { path: SCREENSHOT } : {}) });
  expect(shot.subarray(1, 4).toString()).toBe('PNG');
  await clean(w);
  await page.close();
}, 60_000);
