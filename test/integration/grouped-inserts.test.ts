import { randomUUID } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { Table, TableAccount } from '../../src/store';
import { startCountingProxy, type CountingProxy } from '../helpers/counting-proxy';

/**
 * Table.insertGrouped (what the request journal writes with): rows given in the same turn of the event
 * loop reach storage together, one transaction per partition, and each caller learns only its own
 * row's fate. Counted through a proxy in front of the real Azurite, read back with the SDK.
 */

let proxy: CountingProxy;
let table: Table;
let sdk: TableClient;

beforeAll(async () => {
  proxy = await startCountingProxy(Number(process.env.TEST_AZURITE_TABLE_PORT));
  const name = `grouped${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  table = new Table(TableAccount.from({ kind: 'connectionString', connectionString: proxy.connectionString }), name, 5000);
  sdk = TableClient.fromConnectionString(process.env.TEST_AZURITE_CONNECTION!, name, { allowInsecureConnection: true });
  await table.insert({ partitionKey: 'warm', rowKey: 'up' }); // creates the table
});

afterAll(() => proxy.stop());

const rows = (partitionKey: string, n: number) => Array.from({ length: n }, (_, i) => ({ partitionKey, rowKey: `r${i}`, n: i }));

async function stored(partitionKey: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const e of sdk.listEntities({ queryOptions: { filter: `PartitionKey eq '${partitionKey}'` } })) keys.push(e.rowKey!);
  return keys.sort();
}

test('rows of one partition given together are one transaction; a lone row is a plain insert', async () => {
  const pk = randomUUID();
  const together = await proxy.measure(() => Promise.all(rows(pk, 5).map((r) => table.insertGrouped(r))));
  expect(together).toMatchObject({ calls: 1, waits: 1, log: [expect.stringMatching(/\/\$batch$/)] });
  expect(await stored(pk)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);

  const lone = await proxy.measure(() => table.insertGrouped({ partitionKey: pk, rowKey: 'alone' }));
  expect(lone).toMatchObject({ calls: 1, waits: 1, log: [expect.not.stringMatching(/\$batch/)] });
});

test('two partitions are two transactions sent together; more than 100 rows are split', async () => {
  const [a, b] = [randomUUID(), randomUUID()];
  const cost = await proxy.measure(() => Promise.all([...rows(a, 3), ...rows(b, 150)].map((r) => table.insertGrouped(r))));
  expect(cost).toMatchObject({ calls: 3, waits: 1 });
  expect(await stored(a)).toHaveLength(3);
  expect(await stored(b)).toHaveLength(150);
});

test('large rows are split so that no transaction can pass the 4 MiB payload limit', async () => {
  const pk = randomUUID();
  // 30,000 characters could be 180 KB once escaped in the JSON body: at most 20 such rows go in one transaction.
  const large = Array.from({ length: 25 }, (_, i) => ({ partitionKey: pk, rowKey: `big${i}`, text: 'x'.repeat(30_000) }));
  const cost = await proxy.measure(() => Promise.all(large.map((r) => table.insertGrouped(r))));
  expect(cost).toMatchObject({ calls: 2, waits: 1 });
  expect(await stored(pk)).toHaveLength(25);
});

test('a row storage refuses fails alone: the others of its transaction are stored', async () => {
  const pk = randomUUID();
  const tooLarge = { partitionKey: pk, rowKey: 'too-large', text: 'x'.repeat(40_000) }; // a string property holds 64 KiB: 32k characters
  const results = await Promise.allSettled([...rows(pk, 2), tooLarge, ...rows(pk, 4).slice(2)].map((r) => table.insertGrouped(r)));
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
  expect((results[2] as PromiseRejectedResult).reason).toMatchObject({ statusCode: 400 });
  expect(await stored(pk)).toEqual(['r0', 'r1', 'r2', 'r3']);
});

test('a row that exists already fails alone, as an insert of it would', async () => {
  const pk = randomUUID();
  await table.insert({ partitionKey: pk, rowKey: 'r1' });
  const results = await Promise.allSettled(rows(pk, 3).map((r) => table.insertGrouped(r)));
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ statusCode: 409 });
  expect(await stored(pk)).toEqual(['r0', 'r1', 'r2']);
});
