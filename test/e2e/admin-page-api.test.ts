import { createStores } from '../../src/store';
import { collectionPath, documentExample } from '../helpers/requests';
import { startRunnerProcess, type RunnerProcess } from '../helpers/runner';
import { devToken } from '../helpers/tenants';

// What the admin page reads, over HTTP: the journal's filters it adds (status, answeredSince), an
// entry's id and answer body, the tenants, a tenant's stored state, and a reset that now empties
// configurations too. The page's own tests (admin-page.test.ts) show the same through a browser.

const DEFAULT = '00000000-0000-0000-0000-000000000000';
const C = 'c3c3c3c3-0000-4000-8000-00000000000c';
const D = 'd4d4d4d4-0000-4000-8000-00000000000d';
const E = 'e5e5e5e5-0000-4000-8000-00000000000e';
const as = (tenant: string) => ({ Authorization: `Bearer ${devToken(tenant)}` });
const TOKEN = { Authorization: 'Bearer api-dev-token' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let runner: RunnerProcess;
/** The configurations table, as another instance of the app reaches it. */
const configurations = () =>
  createStores({
    storage: { kind: 'connectionString', connectionString: process.env.ASSIGNMENTS_STORAGE! },
    tableName: process.env.ASSIGNMENTS_TABLE!,
    storageTimeoutMs: 5000,
  }).configurations;

beforeAll(async () => {
  runner = await startRunnerProcess({ MOCK_ADMIN: 'on' });
}, 120_000);
afterAll(async () => {
  await runner?.stop();
});
beforeEach(async () => {
  expect((await fetch(`${runner.url}/__admin/reset`, { method: 'POST' })).status).toBe(204);
});

const post = (configuration: string, headers: Record<string, string>, body: unknown = documentExample()) =>
  fetch(`${runner.url}${collectionPath(configuration)}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
async function admin(path: string): Promise<any> {
  const r = await fetch(`${runner.url}${path}`);
  expect([path, r.status]).toEqual([path, 200]);
  return r.json();
}
async function refused(path: string): Promise<string> {
  const r = await fetch(`${runner.url}${path}`);
  const body = (await r.json()) as any;
  expect([path, r.status, body.error.code]).toEqual([path, 400, 'BadRequest']);
  return body.error.message;
}

it("entries carry an id and the answer's body; status narrows to a code or a class", async () => {
  const created = await post('cfg-api-status', TOKEN);
  expect(created.status).toBe(201);
  const { id } = (await created.json()) as { id: string };
  expect((await post('cfg-api-status', { ...TOKEN, 'x-mock-error': '503', 'x-mock-retry-after': '2' })).status).toBe(503);
  expect((await post('cfg-api-status', TOKEN, { target: {} })).status).toBe(400);

  const all = (await admin('/__admin/requests')).value;
  expect(all.map((e: any) => e.response.status)).toEqual([400, 503, 201]);
  expect(new Set(all.map((e: any) => e.id)).size).toBe(3);
  expect(all[2].response.body).toMatchObject({ id, source: 'direct' });
  expect(all[1].response.body).toMatchObject({ error: { code: 'ServiceUnavailable' } });

  expect((await admin('/__admin/requests?status=503')).value.map((e: any) => e.response.status)).toEqual([503]);
  expect((await admin('/__admin/requests?status=4xx')).value.map((e: any) => e.response.status)).toEqual([400]);
  expect((await admin('/__admin/requests?status=2XX')).value.map((e: any) => e.response.status)).toEqual([201]);
  expect((await admin('/__admin/requests?status=404')).value).toEqual([]);
  for (const bad of ['600', '5x', 'xx', '20', '5xx,4xx']) {
    expect(await refused(`/__admin/requests?status=${bad}`)).toMatch(/'status' must be a status code such as 503, or a class such as 5xx/);
  }
});

it('answeredSince finds a slow request that arrived before that time, which since leaves out', async () => {
  const slow = post('cfg-api-slow', { ...TOKEN, 'x-mock-latency': '1500' });
  await sleep(500);
  const between = new Date().toISOString();
  expect((await slow).status).toBe(201);
  expect((await post('cfg-api-fast', TOKEN)).status).toBe(201);
  const paths = (entries: any[]) => entries.map((e) => new URL(e.url).pathname.split('/')[6]);
  expect(paths((await admin(`/__admin/requests?since=${between}`)).value)).toEqual(['cfg-api-fast']);
  expect(paths((await admin(`/__admin/requests?answeredSince=${between}`)).value)).toEqual(['cfg-api-fast', 'cfg-api-slow']);
  expect(paths((await admin(`/__admin/requests?answeredSince=${new Date().toISOString()}`)).value)).toEqual([]);
  expect(await refused('/__admin/requests?answeredSince=soon')).toMatch(/'answeredSince' must be an ISO 8601 date-time/);
});

it('lists every tenant with stored configurations, assignments or journal entries, the default tenant first', async () => {
  expect(await admin('/__admin/tenants')).toEqual({ defaultTenantId: DEFAULT, value: [DEFAULT] });
  // D only has a configuration; E only a seeded assignment (seeding is not journaled); C only requests it made.
  await configurations().change(D, () => ({
    insert: [{ id: 'api-limit', kind: 'limit', data: { priority: 1 } }],
    orders: ['limit'],
    result: 0,
  }));
  const seeded = await fetch(`${runner.url}/__admin/seed`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ assignments: [{ tenantId: E, configurationId: 'cfg-api-e', ...documentExample() }] }),
  });
  expect(seeded.status).toBe(200);
  expect((await fetch(`${runner.url}${collectionPath('cfg-api-c')}/missing`, { headers: as(C) })).status).toBe(404);
  expect(await admin('/__admin/tenants')).toEqual({ defaultTenantId: DEFAULT, value: [DEFAULT, C, D, E] });
  expect(await refused('/__admin/tenants?tenantId=x')).toMatch(/'tenantId' is not supported/);
});

it("a tenant's state: its configurations, and per configuration the count and the first 50 assignments; nothing of another tenant", async () => {
  await configurations().change(C, () => ({
    insert: [{ id: 'api-limit_Limit', kind: 'limit', data: { displayName: 'Limit', priority: 1 } }],
    orders: ['limit'],
    result: 0,
  }));
  const many = Array.from({ length: 60 }, (_, i) => ({
    tenantId: C,
    configurationId: 'cfg-api-many',
    id: `a-${String(i).padStart(2, '0')}`,
    ...documentExample(),
  }));
  const seeded = await fetch(`${runner.url}/__admin/seed`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ assignments: [...many, { tenantId: D, configurationId: 'cfg-api-many', ...documentExample() }] }),
  });
  expect(seeded.status).toBe(200);
  expect((await post('api-limit_Limit', as(C))).status).toBe(201);

  const state = await admin(`/__admin/state?tenantId=${C}`);
  expect(state.tenantId).toBe(C);
  expect(state.configurations).toEqual([{ id: 'api-limit_Limit', kind: 'limit', data: { displayName: 'Limit', priority: 1 } }]);
  expect(state.assignments.map((c: any) => [c.configurationId, c.count, c.value.length])).toEqual([
    ['api-limit_Limit', 1, 1],
    ['cfg-api-many', 60, 50],
  ]);
  expect(state.assignments[1].value[0]).toMatchObject({ '@odata.type': '#microsoft.graph.enrollmentConfigurationAssignment', id: 'a-00' });
  // The default tenant when none is named; it has nothing.
  expect(await admin('/__admin/state')).toEqual({ tenantId: DEFAULT, configurations: [], assignments: [] });
  expect(await refused('/__admin/state?tenantId=not-a-guid')).toMatch(/'tenantId' must be a tenant id/);
  expect(await refused(`/__admin/state?tenantId=${C}&top=5`)).toMatch(/'top' is not supported/);

  // A configuration's reset leaves the configuration; a tenant's reset removes it, and leaves other tenants alone.
  expect((await fetch(`${runner.url}/__admin/reset?tenantId=${C}&configurationId=cfg-api-many`, { method: 'POST' })).status).toBe(204);
  expect((await admin(`/__admin/state?tenantId=${C}`)).configurations).toHaveLength(1);
  expect((await admin(`/__admin/state?tenantId=${C}`)).assignments.map((c: any) => c.configurationId)).toEqual(['api-limit_Limit']);
  expect((await fetch(`${runner.url}/__admin/reset?tenantId=${C}`, { method: 'POST' })).status).toBe(204);
  expect(await admin(`/__admin/state?tenantId=${C}`)).toEqual({ tenantId: C, configurations: [], assignments: [] });
  expect((await admin(`/__admin/state?tenantId=${D}`)).assignments.map((c: any) => c.count)).toEqual([1]);
});

it('a reset or seed sent by a page of another site is refused; the same request from a script or the page goes through', async () => {
  expect((await post('cfg-kept', as(C))).status).toBe(201);
  const listed = async () =>
    ((await (await fetch(`${runner.url}${collectionPath('cfg-kept')}`, { headers: as(C) })).json()) as any).value.length;
  for (const headers of [{ Origin: 'http://evil.example' }, { Origin: 'null' }, { 'Sec-Fetch-Site': 'cross-site' }]) {
    const r = await fetch(`${runner.url}/__admin/reset`, { method: 'POST', headers });
    expect([headers, r.status, ((await r.json()) as any).error.code]).toEqual([headers, 403, 'Forbidden']);
    const seeded = await fetch(`${runner.url}/__admin/seed`, {
      method: 'POST',
      headers: { ...headers, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        assignments: [{ configurationId: 'cfg-kept', target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' } }],
      }),
    });
    expect(seeded.status).toBe(403);
  }
  expect(await listed()).toBe(1);
  // The page itself (same origin), and reads from anywhere, go through.
  expect((await fetch(`${runner.url}/__admin/requests`, { headers: { Origin: 'http://evil.example' } })).status).toBe(200);
  expect(
    (
      await fetch(`${runner.url}/__admin/reset`, {
        method: 'POST',
        headers: { Origin: new URL(runner.url).origin, 'Sec-Fetch-Site': 'same-origin' },
      })
    ).status,
  ).toBe(204);
  expect(await listed()).toBe(0);
});
