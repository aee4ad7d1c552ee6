import { randomUUID } from 'node:crypto';
import { createHash } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { createStores, IdempotencyConflict, VersionMismatch, type AssignmentInput, type Scope, type Stores } from '../../src/store';

/**
 * What holds when two app instances (two stores, each with its own view of the bookkeeping) work on one
 * table at once: every acknowledged write is there exactly once, counts match what a list returns, and
 * a replaced set is gone for every reader.
 */

const settings = () => ({
  storage: { kind: 'connectionString' as const, connectionString: process.env.TEST_AZURITE_CONNECTION! },
  tableName: process.env.ASSIGNMENTS_TABLE!,
  storageTimeoutMs: 5000,
});
let a: Stores;
let b: Stores;

const TENANT = '0b6f9a64-3f0e-4d8c-a3a1-5c3f2d7e9b10';
const OTHER = 'e8d6b0f2-7a41-4c1e-9e35-1d2c3b4a5f60';
const scope = (tenantId = TENANT, configurationId = randomUUID()): Scope => ({ tenantId, configurationId });
const item = (n = 0): AssignmentInput => ({
  configurationId: 'c',
  invitationId: null,
  target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: `g-${n}` },
  source: 'direct',
  sourceId: null,
  createdDateTime: new Date().toISOString(),
});
const all = async (stores: Stores, s: Scope) => (await stores.assignments.list(s, { top: 1000, filter: {} })).items;

beforeAll(async () => {
  a = createStores(settings());
  b = createStores(settings());
  await a.assignments.ping();
});

afterAll(async () => {
  await Promise.all([a.assignments.idle(), b.assignments.idle()]);
});

test('a create on an instance that has not seen a large assign lands in the new set', async () => {
  const s = scope();
  await a.assignments.create(s, item(0)); // a now knows the partition's generation
  await b.assignments.replaceAll(
    s,
    Array.from({ length: 150 }, (_, i) => item(i)),
  );
  const late = await a.assignments.create(s, item(999));
  const listed = await all(b, s);
  expect(listed).toHaveLength(151);
  expect(listed.map((x) => x.id)).toContain(late.id);
  expect(await a.assignments.count(s, {})).toBe(151);
  expect(await b.assignments.count(s, {})).toBe(151);
});

test('after a large assign answers, the replaced assignments are gone for GET, PATCH and DELETE', async () => {
  const s = scope();
  const old = await Promise.all([1, 2, 3].map((n) => a.assignments.create(s, item(n))));
  await b.assignments.replaceAll(
    s,
    Array.from({ length: 120 }, (_, i) => item(i)),
  );
  for (const o of old) {
    expect(await a.assignments.get(s, o.id)).toBeUndefined();
    expect(await a.assignments.delete(s, o.id)).toBe(false);
  }
  expect(await a.assignments.count(s, {})).toBe(120);
});

test('a purge by another instance does not lose the next create of an instance that knew the partition', async () => {
  const s = scope();
  await a.assignments.create(s, item());
  await b.assignments.purge({ tenantId: s.tenantId, configurationId: s.configurationId });
  const created = await a.assignments.create(s, item(2));
  expect((await all(b, s)).map((x) => x.id)).toEqual([created.id]);
  expect(await b.assignments.count(s, {})).toBe(1);
});

test('creates, deletes and assign actions from two instances at once leave a count equal to the set', async () => {
  const s = scope();
  await a.assignments.create(s, item());
  const work: Promise<unknown>[] = [];
  for (let i = 0; i < 30; i++) work.push((i % 2 ? a : b).assignments.create(s, item(i)));
  work.push(b.assignments.replaceAll(s, [item(1), item(2)]));
  const created = await Promise.all(work.slice(0, 30));
  const toDelete = (created as Array<{ id: string }>).slice(0, 10);
  await Promise.all(toDelete.map((c, i) => (i % 2 ? a : b).assignments.delete(s, c.id)));
  const listed = await all(a, s);
  expect(await a.assignments.count(s, {})).toBe(listed.length);
  expect(await b.assignments.count(s, {})).toBe(listed.length);
});

test('retries of one create with the same client-request-id store it once, across instances', async () => {
  const s = scope();
  await Promise.all([a.assignments.create(s, item()), b.assignments.create(s, item())]);
  const idempotency = { clientRequestId: randomUUID(), fingerprint: 'body-1' };
  const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).assignments.create(s, item(7), idempotency)));
  expect(new Set(answers.map((x) => x.id)).size).toBe(1);
  expect(await a.assignments.count(s, {})).toBe(3);
  expect(await all(a, s)).toHaveLength(3);
  await expect(a.assignments.create(s, item(8), { ...idempotency, fingerprint: 'body-2' })).rejects.toBeInstanceOf(IdempotencyConflict);
});

test('a client-request-id used again after its record expired creates a new assignment', async () => {
  const s = scope();
  const idempotency = { clientRequestId: randomUUID(), fingerprint: 'f' };
  const first = await a.assignments.create(s, item(), idempotency);
  // Age the record as 24 hours would.
  const pk = a.tenancy.partitionOf(s);
  const rowKey = `~r${createHash('sha256').update(idempotency.clientRequestId, 'utf8').digest('hex')}`;
  const sdk = TableClient.fromConnectionString(process.env.TEST_AZURITE_CONNECTION!, process.env.ASSIGNMENTS_TABLE!, {
    allowInsecureConnection: true,
  });
  await sdk.updateEntity({ partitionKey: pk, rowKey, expiresOn: new Date(Date.now() - 1000) }, 'Merge');
  const second = await b.assignments.create(s, item(), idempotency);
  expect(second.id).not.toBe(first.id);
  expect(await a.assignments.count(s, {})).toBe(2);
  const third = await a.assignments.create(s, item(), idempotency);
  expect(third.id).toBe(second.id);
});

test('tenants never see each other: list, get, count, delete and purge', async () => {
  const configurationId = randomUUID();
  const mine = scope(TENANT, configurationId);
  const theirs = scope(OTHER, configurationId);
  const defaults = scope(a.tenancy.defaultTenantId, configurationId);
  const m = await a.assignments.create(mine, item(1));
  const t = await a.assignments.create(theirs, item(2));
  await a.assignments.create(defaults, item(3));
  expect((await all(a, mine)).map((x) => x.id)).toEqual([m.id]);
  expect(await a.assignments.get(theirs, m.id)).toBeUndefined();
  expect(await a.assignments.delete(theirs, m.id)).toBe(false);
  expect(await a.assignments.count(theirs, {})).toBe(1);
  await a.assignments.purge({ tenantId: OTHER });
  expect(await a.assignments.get(theirs, t.id)).toBeUndefined();
  expect(await a.assignments.count(mine, {})).toBe(1);
  expect(await a.assignments.count(defaults, {})).toBe(1);
  await a.assignments.purge({ tenantId: a.tenancy.defaultTenantId });
  expect(await a.assignments.count(defaults, {})).toBe(0);
  expect(await a.assignments.count(mine, {})).toBe(1);
});

test('the default tenant keeps the partition layout of earlier releases', () => {
  const configurationId = randomUUID();
  expect(a.tenancy.partitionOf({ tenantId: a.tenancy.defaultTenantId, configurationId })).toBe(configurationId);
  expect(a.tenancy.partitionOf({ tenantId: TENANT, configurationId })).toBe(`~${TENANT}~${configurationId}`);
});

test('a conditional delete with a stale ETag is refused, with the current one removes the row', async () => {
  const s = scope();
  const created = await a.assignments.create(s, item());
  const updated = await b.assignments.update(s, created.id, (x) => ({ ...x, sourceId: 'changed' }));
  await expect(a.assignments.delete(s, created.id, created.etag)).rejects.toBeInstanceOf(VersionMismatch);
  expect(await a.assignments.delete(s, created.id, updated.etag)).toBe(true);
  expect(await b.assignments.get(s, created.id)).toBeUndefined();
  expect(await b.assignments.count(s, {})).toBe(0);
  await a.assignments.idle();
  const rows = await a.assignments.table.keys(`PartitionKey eq '${a.tenancy.partitionOf(s)}'`);
  expect(rows.filter((r) => !r.rowKey.startsWith('~'))).toEqual([]);
});

test('seeding stores each id once, many per transaction, and counts them', async () => {
  const s = scope();
  const items = Array.from({ length: 250 }, (_, i) => ({ ...item(i), id: `seed-${i}` }));
  const first = await a.assignments.seed(s, items);
  expect(first).toHaveLength(250);
  const again = await b.assignments.seed(s, [...items.slice(0, 10), { ...item(), id: 'seed-new' }]);
  expect(again).toHaveLength(11);
  expect(await a.assignments.count(s, {})).toBe(251);
  expect(await all(b, s)).toHaveLength(251);
});

test('two large assign actions at once end in exactly one of the two sets', async () => {
  const s = scope();
  const one = Array.from({ length: 130 }, (_, i) => ({ ...item(i), sourceId: 'one' }));
  const two = Array.from({ length: 140 }, (_, i) => ({ ...item(i), sourceId: 'two' }));
  await Promise.all([a.assignments.replaceAll(s, one), b.assignments.replaceAll(s, two)]);
  const listed = await all(a, s);
  const sources = new Set(listed.map((x) => x.sourceId));
  expect(sources.size).toBe(1);
  expect(listed).toHaveLength(sources.has('one') ? 130 : 140);
  expect(await b.assignments.count(s, {})).toBe(listed.length);
});

test.each([
  ['one instance', () => [a, a, a]],
  ['two instances', () => [a, b, a]],
])('small assign actions from an empty set, at once on %s, end in exactly one of the sets', async (_label, instances) => {
  for (let round = 0; round < 10; round++) {
    const s = scope();
    // The configuration has its bookkeeping and no assignment: the replacements share no row to conflict on.
    const only = await a.assignments.create(s, item(-1));
    await a.assignments.delete(s, only.id);
    await b.assignments.count(s, {});
    const sets = instances().map((_, caller) => [0, 1, 2].map((n) => item(caller * 10 + n)));
    await Promise.all(instances().map((stores, caller) => stores.assignments.replaceAll(s, sets[caller]!)));
    const groups = (await all(b, s)).map((x) => (x.target as { groupId: string }).groupId).sort();
    const expected = sets.map((set) => set.map((x) => (x.target as { groupId: string }).groupId).sort());
    expect(expected.map((e) => JSON.stringify(e))).toContain(JSON.stringify(groups));
    expect(await b.assignments.count(s, {})).toBe(3);
  }
});
