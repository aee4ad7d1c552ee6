import { randomUUID } from 'node:crypto';
import { createStores, type AssignmentInput, type Scope, type Stores } from '../../src/store';
import { startCountingProxy, type CountingProxy } from '../helpers/counting-proxy';

/**
 * What each store operation costs in storage calls, counted by a proxy in front of the real Azurite:
 * `waits` is how many calls the operation waited for one after another. These are the figures
 * docs/consistency.md states; a change that adds a round trip fails here.
 */

let proxy: CountingProxy;
let stores: Stores;

const TENANT = '7c3b1c54-8d2b-4b7e-9d5e-2f1a0c56e001';
const scope = (configurationId = randomUUID()): Scope => ({ tenantId: TENANT, configurationId });
const item = (n = 0): AssignmentInput => ({
  configurationId: 'ignored',
  invitationId: null,
  target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: `g-${n}` },
  source: 'direct',
  sourceId: null,
  createdDateTime: new Date().toISOString(),
});

beforeAll(async () => {
  proxy = await startCountingProxy(Number(process.env.TEST_AZURITE_TABLE_PORT));
  stores = createStores({
    storage: { kind: 'connectionString', connectionString: proxy.connectionString },
    tableName: process.env.ASSIGNMENTS_TABLE!,
    storageTimeoutMs: 5000,
  });
  await stores.assignments.ping(); // creates the table
});

afterAll(async () => {
  await stores.assignments.idle();
  await proxy.stop();
});

/** A configuration this store instance has written to once already (its bookkeeping is known). */
async function warm(): Promise<Scope> {
  const s = scope();
  await stores.assignments.create(s, item());
  return s;
}

test('a create is one transaction once the configuration is known, with or without client-request-id', async () => {
  const s = await warm();
  const plain = await proxy.measure(() => stores.assignments.create(s, item(1)));
  expect(plain).toMatchObject({ calls: 1, waits: 1 });
  const idempotent = await proxy.measure(() => stores.assignments.create(s, item(2), { clientRequestId: randomUUID(), fingerprint: 'f' }));
  expect(idempotent).toMatchObject({ calls: 1, waits: 1 });
});

test('the first create in a configuration reads its bookkeeping once, in one wait', async () => {
  const cost = await proxy.measure(() => stores.assignments.create(scope(), item()));
  expect(cost.waits).toBe(2);
});

test('a replayed create answers what the first attempt stored in two waits', async () => {
  const s = await warm();
  const idempotency = { clientRequestId: randomUUID(), fingerprint: 'same' };
  const first = await stores.assignments.create(s, item(3), idempotency);
  let again;
  const cost = await proxy.measure(async () => (again = await stores.assignments.create(s, item(3), idempotency)));
  expect(again).toMatchObject({ id: first.id, target: first.target });
  expect(cost.waits).toBe(2);
  expect(await stores.assignments.count(s, {})).toBe(2);
});

test('GET one is one point read', async () => {
  const s = await warm();
  const created = await stores.assignments.create(s, item());
  expect(await proxy.measure(() => stores.assignments.get(s, created.id))).toMatchObject({ calls: 1, waits: 1 });
  expect(await proxy.measure(() => stores.assignments.get(s, randomUUID()))).toMatchObject({ calls: 1, waits: 1 });
});

test('a list page, with or without $count, is one wait', async () => {
  const s = await warm();
  expect((await proxy.measure(() => stores.assignments.list(s, { top: 10, filter: {} }))).waits).toBe(1);
  expect((await proxy.measure(() => stores.assignments.list(s, { top: 10, filter: {}, count: true }))).waits).toBe(1);
  expect((await proxy.measure(() => stores.assignments.count(s, {}))).calls).toBe(1);
});

test('a list of a configuration never written is one wait', async () => {
  expect((await proxy.measure(() => stores.assignments.list(scope(), { top: 10, filter: {} }))).waits).toBe(1);
  expect((await proxy.measure(() => stores.assignments.list(scope(), { top: 10, filter: {}, count: true }))).waits).toBe(1);
});

test('PATCH and DELETE are a read and a write', async () => {
  const s = await warm();
  const created = await stores.assignments.create(s, item());
  const patch = await proxy.measure(() => stores.assignments.update(s, created.id, (a) => ({ ...a, sourceId: 'x' })));
  expect(patch).toMatchObject({ calls: 2, waits: 2 });
  const del = await proxy.measure(() => stores.assignments.delete(s, created.id));
  expect(del).toMatchObject({ calls: 2, waits: 2 });
  const conditional = await stores.assignments.create(s, item());
  const withIfMatch = await proxy.measure(() => stores.assignments.delete(s, conditional.id, conditional.etag));
  expect(withIfMatch.waits).toBe(2);
});

test('assign of a set that fits one transaction is a query and a transaction', async () => {
  const s = await warm();
  const cost = await proxy.measure(() => stores.assignments.replaceAll(s, [item(1), item(2), item(3)]));
  expect(cost).toMatchObject({ calls: 2, waits: 2 });
  expect(await stores.assignments.count(s, {})).toBe(3);
});

test('assign of a large set takes a bounded number of waits and replaces the set', async () => {
  const s = await warm();
  const big = Array.from({ length: 250 }, (_, i) => item(i));
  const cost = await proxy.measure(() => stores.assignments.replaceAll(s, big));
  // register, three transactions of rows four at a time, commit, find and remove the old rows
  expect(cost.waits).toBeLessThanOrEqual(8);
  expect(await stores.assignments.count(s, {})).toBe(250);
  const page = await stores.assignments.list(s, { top: 1000, filter: {} });
  expect(page.items).toHaveLength(250);
});
