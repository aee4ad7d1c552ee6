import { randomUUID } from 'node:crypto';
import { AzureNamedKeyCredential, generateAccountSas, odata as sdkOdata, TableClient } from '@azure/data-tables';
import { AZURITE_ACCOUNT, AZURITE_KEY } from '../../dev/azurite';
import { odata, StorageError, TableAccount, type Entity } from '../../src/store';
import { TableRest } from '../../src/store/rest';

/**
 * The store speaks Table Storage's REST protocol itself (src/store/rest.ts). What it writes, the SDK
 * reads as it reads its own rows, and the other way round, against the real Azurite; its errors carry
 * the service's status and code; its `odata` tag and continuation tokens are the SDK's.
 */

const connectionString = () => process.env.TEST_AZURITE_CONNECTION!;
let table: string;
let rest: TableRest;
let sdk: TableClient;
const signal = () => AbortSignal.timeout(5000);

beforeAll(async () => {
  table = `rest${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  rest = new TableRest(TableAccount.from({ kind: 'connectionString', connectionString: connectionString() }), table);
  sdk = TableClient.fromConnectionString(connectionString(), table, { allowInsecureConnection: true });
  await rest.createTable(signal());
  await rest.createTable(signal()); // a table that exists already is fine
});

const typed = {
  text: "it's ü ~ /?#",
  int: 42,
  double: 1.5,
  flag: true,
  when: new Date('2026-12-06T10:11:12.345Z'),
  big: 9007199254740993n,
};

test('rows it writes read back through the SDK with their types, and the other way round', async () => {
  const pk = "p'k é~"; // Table Storage refuses / \ # ? in keys
  await rest.insert({ partitionKey: pk, rowKey: 'mine', ...typed }, signal());
  const bySdk = await sdk.getEntity<Record<string, unknown>>(pk, 'mine');
  expect(bySdk).toMatchObject({ partitionKey: pk, rowKey: 'mine', ...typed });

  await sdk.createEntity({ partitionKey: pk, rowKey: "sdk's", ...typed });
  const byRest = await rest.getEntity({ partitionKey: pk, rowKey: "sdk's" }, signal());
  expect(byRest).toMatchObject({ partitionKey: pk, rowKey: "sdk's", ...typed });
  expect(byRest.etag).toMatch(/^W\/"datetime'/);
  expect(byRest.timestamp).toEqual((await sdk.getEntity(pk, "sdk's")).timestamp);
  expect(Object.keys(byRest).filter((k) => k.startsWith('odata'))).toEqual([]);
});

test('a replace under a stale ETag is refused with 412; under the current one it gives the next ETag', async () => {
  const key = { partitionKey: 'replace', rowKey: randomUUID() };
  const { etag } = await rest.insert({ ...key, v: 1 }, signal());
  const next = await rest.replace({ ...key, v: 2 }, etag!, signal());
  expect(next.etag).not.toBe(etag);
  const stale = rest.replace({ ...key, v: 3 }, etag!, signal());
  await expect(stale).rejects.toBeInstanceOf(StorageError);
  await expect(stale).rejects.toMatchObject({ statusCode: 412, code: 'UpdateConditionNotSatisfied' });
  expect((await sdk.getEntity(key.partitionKey, key.rowKey)).v).toBe(2);
});

test('a missing row is a 404 with the service code; an insert of an existing one a 409', async () => {
  await expect(rest.getEntity({ partitionKey: 'none', rowKey: 'none' }, signal())).rejects.toMatchObject({
    statusCode: 404,
    code: 'ResourceNotFound',
  });
  const key = { partitionKey: 'dup', rowKey: randomUUID() };
  await rest.insert(key, signal());
  await expect(rest.insert(key, signal())).rejects.toMatchObject({ statusCode: 409, code: 'EntityAlreadyExists' });
});

test('a transaction commits all its operations and gives each one its ETag, in order', async () => {
  const pk = `tx-${randomUUID()}`;
  await sdk.createEntity({ partitionKey: pk, rowKey: 'old', v: 0 });
  await sdk.createEntity({ partitionKey: pk, rowKey: 'gone', v: 0 });
  const old = await sdk.getEntity(pk, 'old');
  const result = await rest.transaction(
    [
      ['create', { partitionKey: pk, rowKey: 'new', v: 1, when: typed.when }],
      ['update', { partitionKey: pk, rowKey: 'old', v: 2 }, 'Replace', { etag: old.etag }],
      ['delete', { partitionKey: pk, rowKey: 'gone' }],
    ],
    signal(),
  );
  expect(result.subResponses.map((r) => r.status)).toEqual([204, 204, 204]);
  const rows = new Map<string, Entity>();
  for await (const e of sdk.listEntities({ queryOptions: { filter: sdkOdata`PartitionKey eq ${pk}` } })) rows.set(e.rowKey!, e as Entity);
  expect([...rows.keys()].sort()).toEqual(['new', 'old']);
  expect(rows.get('new')).toMatchObject({ v: 1, when: typed.when, etag: result.subResponses[0]!.etag });
  expect(rows.get('old')).toMatchObject({ v: 2, etag: result.subResponses[1]!.etag });
});

test('a refused transaction changes nothing and names the operation that failed', async () => {
  const pk = `txfail-${randomUUID()}`;
  await sdk.createEntity({ partitionKey: pk, rowKey: 'taken' });
  const refused = rest.transaction(
    [
      ['create', { partitionKey: pk, rowKey: 'free' }],
      ['create', { partitionKey: pk, rowKey: 'taken' }],
    ],
    signal(),
  );
  await expect(refused).rejects.toMatchObject({ statusCode: 409, code: 'EntityAlreadyExists', message: expect.stringMatching(/^1:/) });
  await expect(sdk.getEntity(pk, 'free')).rejects.toMatchObject({ statusCode: 404 });
});

test('query pages follow the continuation, whose token is the SDK’s and reads either way', async () => {
  const pk = `page-${randomUUID()}`;
  await rest.transaction(
    Array.from({ length: 5 }, (_, i) => ['create', { partitionKey: pk, rowKey: `r${i}`, n: i }] as const),
    signal(),
  );
  const filter = odata`PartitionKey eq ${pk}`;
  const first = await rest.query({ filter, top: 2, select: ['RowKey', 'n'] }, signal());
  expect(first.items.map((e) => e.rowKey)).toEqual(['r0', 'r1']);
  expect(first.items[0]).not.toHaveProperty('PartitionKey');
  const sdkPage = await sdk
    .listEntities({ queryOptions: { filter } })
    .byPage({ maxPageSize: 2, continuationToken: first.continuation })
    .next();
  expect((sdkPage.value as Entity[]).map((e) => e.rowKey)).toEqual(['r2', 'r3']);
  const last = await rest.query(
    { filter, top: 2, continuation: (sdkPage.value as { continuationToken?: string }).continuationToken },
    signal(),
  );
  expect(last.items.map((e) => e.rowKey)).toEqual(['r4']);
  expect(last.continuation).toBeUndefined();
  await expect(rest.query({ filter, top: 2, continuation: 'not a token' }, signal())).rejects.toMatchObject({ statusCode: 400 });
});

test('odata quotes values as the SDK does', () => {
  const when = new Date('2026-01-02T03:04:05.000Z');
  const cases: [string, string][] = [
    [odata`PartitionKey eq ${"o'k"} and n gt ${3} and f eq ${true}`, sdkOdata`PartitionKey eq ${"o'k"} and n gt ${3} and f eq ${true}`],
    [odata`RowKey eq '${"o'k"}'`, sdkOdata`RowKey eq '${"o'k"}'`],
    [odata`${'raw'} eq x and t ge ${when}`, sdkOdata`${'raw'} eq x and t ge ${when}`],
  ];
  for (const [ours, theirs] of cases) expect(ours).toBe(theirs);
});

test('a connection string with a SAS instead of the key works: a transaction, then a read', async () => {
  const sas = generateAccountSas(new AzureNamedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY), {
    permissions: { query: true, write: true, add: true, update: true, delete: true, list: true },
    resourceTypes: 'sco',
    expiresOn: new Date(Date.now() + 3_600_000),
  });
  const endpoint = `http://127.0.0.1:${process.env.TEST_AZURITE_TABLE_PORT}/${AZURITE_ACCOUNT}`;
  const viaSas = new TableRest(
    TableAccount.from({ kind: 'connectionString', connectionString: `TableEndpoint=${endpoint};SharedAccessSignature=${sas}` }),
    table,
  );
  const key = { partitionKey: 'sas', rowKey: randomUUID() };
  await viaSas.transaction([['create', { ...key, v: 1 }]], signal());
  expect(await viaSas.getEntity(key, signal())).toMatchObject({ ...key, v: 1 });
  // Without the SAS the same account refuses: the SAS is what authorised the requests above.
  const bare = new TableRest(
    TableAccount.from({ kind: 'connectionString', connectionString: `TableEndpoint=${endpoint};SharedAccessSignature=sv=1` }),
    table,
  );
  await expect(bare.getEntity(key, signal())).rejects.toMatchObject({ statusCode: 403 });
});

test('a connection string without credentials is refused at start, in words', () => {
  expect(() => TableAccount.from({ kind: 'connectionString', connectionString: 'AccountName=x;EndpointSuffix=core.windows.net' })).toThrow(
    /AccountKey/,
  );
});
