import { randomUUID } from 'node:crypto';
import { nextPriority, setPriority, afterDelete, type PriorityItem } from '../../src/configurations/priority';
import { ConfigurationStore, type ConfigurationRow } from '../../src/store/configurations';
import { createStores } from '../../src/store';

/**
 * A tenant's configurations written by two instances at once: priority orders stay 1..k with no
 * duplicate and no gap, and the defaults are stored once however many instances race to store them.
 */

const settings = () => ({
  storage: { kind: 'connectionString' as const, connectionString: process.env.TEST_AZURITE_CONNECTION! },
  tableName: process.env.ASSIGNMENTS_TABLE!,
  storageTimeoutMs: 5000,
});
const defaults = (tenantId: string) => [{ id: `${tenantId}_DefaultLimit`, kind: 'limit', data: { priority: 0, isDefault: true } }];
const instance = () => new ConfigurationStore(createStores(settings()).table(process.env.ASSIGNMENTS_TABLE!), defaults);
let a: ConfigurationStore;
let b: ConfigurationStore;

beforeAll(async () => {
  a = instance();
  b = instance();
  await a.table.run(() => Promise.resolve()); // creates the table
});

const items = (rows: ConfigurationRow[]): PriorityItem[] =>
  rows.map((r) => ({ id: r.id, kind: r.kind, priority: Number(r.data.priority), isDefault: r.data.isDefault === true }));
const order = async (tenantId: string, kind = 'limit') =>
  (await a.all(tenantId))
    .filter((r) => r.kind === kind && r.data.isDefault !== true)
    .map((r) => Number(r.data.priority))
    .sort((x, y) => x - y);

function create(store: ConfigurationStore, tenantId: string, kind = 'limit'): Promise<string> {
  return store.change(tenantId, (rows) => {
    const id = `${randomUUID()}_Limit`;
    return { insert: [{ id, kind, data: { priority: nextPriority(items(rows), kind) } }], orders: [kind], result: id };
  });
}

function move(store: ConfigurationStore, tenantId: string, id: string, priority: number): Promise<void> {
  return store.change(tenantId, (rows) => {
    // Moved there already by the others' renumbering (a second setPriority to the same place is a 400).
    if (items(rows).find((i) => i.id === id)?.priority === priority) return { result: undefined };
    const changes = setPriority(items(rows), id, priority);
    const byId = new Map(rows.map((r) => [r.id, r]));
    return {
      update: changes.map((c) => ({ id: c.id, data: { ...byId.get(c.id)!.data, priority: c.priority } })),
      orders: [byId.get(id)!.kind],
      result: undefined,
    };
  });
}

test('the defaults are there from the first read, stored once by instances racing', async () => {
  const tenantId = randomUUID();
  const reads = await Promise.all([a.all(tenantId), b.all(tenantId), a.get(tenantId, `${tenantId}_DefaultLimit`), b.all(tenantId)]);
  expect(reads[0].map((r) => r.id)).toEqual([`${tenantId}_DefaultLimit`]);
  expect(reads[2]?.id).toBe(`${tenantId}_DefaultLimit`);
  expect((await a.table.keys(`PartitionKey eq '${a.partitionOf(tenantId)}'`)).length).toBe(1);
});

test('creates on two instances at once each take their own place at the end of the order', async () => {
  const tenantId = randomUUID();
  await Promise.all(Array.from({ length: 12 }, (_, i) => create(i % 2 ? a : b, tenantId)));
  expect(await order(tenantId)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
});

test('setPriority and creates on two instances at once keep the order contiguous and unique', async () => {
  const tenantId = randomUUID();
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) ids.push(await create(a, tenantId));
  await Promise.all([
    move(a, tenantId, ids[5]!, 1),
    move(b, tenantId, ids[0]!, 6),
    create(b, tenantId),
    move(b, tenantId, ids[2]!, 2),
    create(a, tenantId),
  ]);
  expect(await order(tenantId)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
});

test('a delete closes the order up in the same transaction', async () => {
  const tenantId = randomUUID();
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) ids.push(await create(a, tenantId));
  await b.change(tenantId, (rows) => {
    const byId = new Map(rows.map((r) => [r.id, r]));
    const changes = afterDelete(items(rows), ids[1]!);
    return {
      delete: [ids[1]!],
      update: changes.map((c) => ({ id: c.id, data: { ...byId.get(c.id)!.data, priority: c.priority } })),
      orders: ['limit'],
      result: undefined,
    };
  });
  expect(await order(tenantId)).toEqual([1, 2, 3]);
  expect(await a.get(tenantId, ids[1]!)).toBeUndefined();
});

test('tenants do not see each other, and a purge of one leaves the other', async () => {
  const one = randomUUID();
  const two = randomUUID();
  const id = await create(a, one);
  expect(await b.get(two, id)).toBeUndefined();
  expect((await b.all(two)).map((r) => r.id)).toEqual([`${two}_DefaultLimit`]);
  await a.purge(one);
  expect(await a.get(one, id)).toBeUndefined();
  expect((await a.all(two)).length).toBe(1);
  const tenants = await a.tenants();
  expect(tenants).toContain(two);
  expect(tenants).not.toContain(one);
});
