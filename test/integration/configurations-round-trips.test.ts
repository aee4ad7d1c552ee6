import { randomUUID } from 'node:crypto';
import type { App } from '../../src/createApp';
import { send, testApp } from '../helpers/app';
import { startCountingProxy, type CountingProxy } from '../helpers/counting-proxy';
import { graphRequest, jsonOf } from '../helpers/requests';
import { devToken } from '../helpers/tenants';

/**
 * What each configurations operation costs in storage waits, through the whole app, counted by a proxy in
 * front of the real Azurite (docs/configurations.md states these figures). And what the configuration's
 * check adds to assignment operations under MOCK_REQUIRE_CONFIGURATION: nothing to a read (it goes beside
 * it), one wait before a write.
 */

let proxy: CountingProxy;
let app: App;
let strict: App;
const TENANT = randomUUID();
const COLLECTION = '/beta/deviceManagement/deviceEnrollmentConfigurations';

const call = (of: App, method: string, path: string, body?: unknown) =>
  send(of, graphRequest({ method, path, body, headers: { authorization: `Bearer ${devToken(TENANT)}` } }));
const waits = async (work: () => Promise<unknown>) => (await proxy.measure(work)).waits;

async function create(of: App, name: string): Promise<string> {
  const response = await call(of, 'POST', COLLECTION, {
    '@odata.type': '#microsoft.graph.deviceEnrollmentLimitConfiguration',
    displayName: name,
  });
  expect(response.status).toBe(201);
  return jsonOf(response).id as string;
}

beforeAll(async () => {
  proxy = await startCountingProxy(Number(process.env.TEST_AZURITE_TABLE_PORT));
  app = testApp({ ASSIGNMENTS_STORAGE: proxy.connectionString });
  strict = testApp({ ASSIGNMENTS_STORAGE: proxy.connectionString, MOCK_REQUIRE_CONFIGURATION: 'on' });
  // The tables exist and the tenant's defaults are stored: what follows is the steady state.
  expect((await call(app, 'GET', `${COLLECTION}/no-such/assignments`)).status).toBe(200);
  expect((await call(strict, 'GET', `${COLLECTION}/no-such/assignments`)).status).toBe(404);
  expect((await call(app, 'GET', COLLECTION)).status).toBe(200);
  expect((await call(strict, 'GET', COLLECTION)).status).toBe(200);
});

afterAll(async () => {
  await app.store.idle();
  await strict.store.idle();
  await proxy.stop();
});

test('a list, a $count and one configuration are one wait each, its assignments expanded beside it', async () => {
  const id = await create(app, 'read');
  expect(await waits(() => call(app, 'GET', COLLECTION))).toBe(1);
  expect(await waits(() => call(app, 'GET', `${COLLECTION}/$count`))).toBe(1);
  expect(await waits(() => call(app, 'GET', `${COLLECTION}/${id}`))).toBe(1);
  expect(await waits(() => call(app, 'GET', `${COLLECTION}/${id}?$expand=assignments`))).toBe(1);
});

test('a create, a PATCH and a setPriority are two waits: a read, then one write', async () => {
  expect(await waits(() => create(app, 'write 1'))).toBe(2);
  const id = await create(app, 'write 2');
  expect(await waits(() => call(app, 'PATCH', `${COLLECTION}/${id}`, { displayName: 'patched' }))).toBe(2);
  expect(await waits(() => call(app, 'POST', `${COLLECTION}/${id}/setPriority`, { priority: 1 }))).toBe(2);
});

test('a DELETE reads the configuration, empties its assignments, then removes it in one transaction', async () => {
  const id = await create(app, 'deleted');
  // No assignment partition: the purge is one query that finds nothing.
  expect(await waits(() => call(app, 'DELETE', `${COLLECTION}/${id}`))).toBe(4);
});

test('with MOCK_REQUIRE_CONFIGURATION, an assignment read costs what it costs without; a write one wait more', async () => {
  const id = await create(strict, 'strict');
  const assignments = `${COLLECTION}/${id}/assignments`;
  const target = { target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' } };
  // Both apps know the partition's bookkeeping once each has written to it.
  expect((await call(strict, 'POST', assignments, target)).status).toBe(201);
  expect((await call(app, 'POST', assignments, target)).status).toBe(201);
  for (const path of [assignments, `${assignments}/$count`, `${assignments}?$count=true`]) {
    expect([path, await waits(() => call(strict, 'GET', path))]).toEqual([path, await waits(() => call(app, 'GET', path))]);
  }
  expect((await waits(() => call(strict, 'POST', assignments, target))) - (await waits(() => call(app, 'POST', assignments, target)))).toBe(
    1,
  );
});

test('assign looks the configuration up beside the replacement; its version moves in two waits after it', async () => {
  const id = await create(app, 'assigned');
  const body = { enrollmentConfigurationAssignments: [{ target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' } }] };
  expect((await call(app, 'POST', `${COLLECTION}/${id}/assign`, body)).status).toBe(204);
  const withConfiguration = await waits(() => call(app, 'POST', `${COLLECTION}/${id}/assign`, body));
  expect((await call(app, 'POST', `${COLLECTION}/unknown-configuration/assign`, body)).status).toBe(204);
  const without = await waits(() => call(app, 'POST', `${COLLECTION}/unknown-configuration/assign`, body));
  // An id of the shape configurations have but none has: its point read goes beside the replacement.
  const unknown = `${randomUUID()}_Limit`;
  expect((await call(app, 'POST', `${COLLECTION}/${unknown}/assign`, body)).status).toBe(204);
  const shaped = await waits(() => call(app, 'POST', `${COLLECTION}/${unknown}/assign`, body));
  // An id of any other shape names no configuration and is not looked up; the replacement is two waits.
  expect([without, shaped, withConfiguration]).toEqual([2, 2, 4]);
});
