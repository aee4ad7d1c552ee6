import { TableClient } from '@azure/data-tables';
import type { App } from '../../src/createApp';
import { send, testApp } from '../helpers/app';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy';
import { documentExample, expectGraphError, graphRequest, headerOf, jsonOf } from '../helpers/requests';

// Storage reached through a loopback proxy that injects network faults in front of the real Azurite:
// faults that stopping Azurite (test/e2e/storage-faults.test.ts) cannot cause.

let proxy: FaultProxy;
let app: App;
const port = () => Number(/:(\d+)\//.exec(process.env.TEST_AZURITE_CONNECTION!)![1]);

beforeAll(async () => {
  proxy = await startFaultProxy(port());
  app = testApp({ ASSIGNMENTS_STORAGE: proxy.connectionString });
  // Creates the table: what follows is about one storage operation each.
  expect((await send(app, graphRequest({ body: documentExample() }))).status).toBe(201);
});
afterAll(async () => {
  await proxy?.stop();
});

const table = () =>
  TableClient.fromConnectionString(process.env.TEST_AZURITE_CONNECTION!, process.env.ASSIGNMENTS_TABLE!, { allowInsecureConnection: true });

it('a create whose storage response was lost, and that the SDK retried, answers 201 and is stored once', async () => {
  proxy.loseNextResponse((method, path) => method === 'POST' && !path.includes('Tables'));
  const response = await send(app, graphRequest({ body: { ...documentExample(), sourceId: 'lost-response' } }));
  expect(proxy.counts.lostResponses).toBe(1);
  expect(response.status).toBe(201);
  const body = jsonOf(response);
  expect(headerOf(response, 'etag')).toBe(body['@odata.etag']);
  const rows = [];
  for await (const e of table().listEntities({ queryOptions: { filter: "sourceId eq 'lost-response'" } })) rows.push(e);
  expect(rows.map((r) => r.rowKey)).toEqual([body.id]);
  expect(rows[0]!.etag).toBe(body['@odata.etag']);
});

it('storage that accepts connections but never answers gives a 503 with Retry-After within the deadline', async () => {
  proxy.mode = 'blackhole';
  try {
    const started = Date.now();
    const response = await send(app, graphRequest({ body: documentExample() }));
    const elapsed = Date.now() - started;
    expectGraphError(response, 503, 'ServiceUnavailable');
    expect(Number(headerOf(response, 'retry-after'))).toBeGreaterThan(0);
    // STORAGE_TIMEOUT_MS is 3000 in tests; only a missing deadline (a hang) would pass 3 s + slack.
    expect(elapsed).toBeLessThan(3000 + 2000);
  } finally {
    proxy.mode = 'pass';
  }
});

const assign = (configuration: string, items: unknown[]) =>
  send(
    app,
    graphRequest({
      path: `/beta/deviceManagement/deviceEnrollmentConfigurations/${configuration}/assign`,
      body: { enrollmentConfigurationAssignments: items },
    }),
  );

// Was unbounded: the assign action's entity group transactions were sent without the storage deadline,
// so a storage account that stopped answering mid-action held the request until the socket gave up.
it('an assign whose transaction storage never answers gives a 503 within the deadline', async () => {
  proxy.hangWhen((method, path) => method === 'POST' && path.includes('$batch'));
  try {
    const started = Date.now();
    const response = await assign('cfg-assign-hang', [documentExample()]);
    expectGraphError(response, 503, 'ServiceUnavailable');
    expect(Date.now() - started).toBeLessThan(3000 + 2000);
  } finally {
    proxy.hangWhen(undefined);
  }
});

// Was 500 UnknownError: the SDK retried the transaction whose response was lost, and the retry failed on
// the rows the first attempt had written.
it('an assign whose transaction response was lost, and that the SDK retried, answers 204 with the new set stored once', async () => {
  expect((await assign('cfg-assign-lost', [documentExample(), documentExample()])).status).toBe(204);
  const lostBefore = proxy.counts.lostResponses;
  proxy.loseNextResponse((method, path) => method === 'POST' && path.includes('$batch'));
  const response = await assign('cfg-assign-lost', [{ ...documentExample(), sourceId: 'after-lost-response' }]);
  expect(proxy.counts.lostResponses).toBe(lostBefore + 1);
  expect(response.status).toBe(204);
  const rows = [];
  for await (const e of table().listEntities({ queryOptions: { filter: "PartitionKey eq 'cfg-assign-lost' and RowKey lt '~'" } }))
    rows.push(e);
  expect(rows.map((r) => r.sourceId)).toEqual(['after-lost-response']);
});
