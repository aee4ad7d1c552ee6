import { TableClient } from '@azure/data-tables';
import type { App } from '../../src/createApp';
import { azuriteConnectionString, freePort } from '../../dev/azurite';
import { send, testApp } from '../helpers/app';
import { documentExample, expectGraphError, graphRequest, headerOf } from '../helpers/requests';

// Storage that is not there: a port nothing listens on. Every request must end in a Graph 503 with
// Retry-After after bounded retries, never a hang, a 500 or a 201 for a write that was not stored.

let app: App;

beforeAll(async () => {
  app = testApp({ ASSIGNMENTS_STORAGE: azuriteConnectionString(await freePort()) });
});

it('answers a create with 503 ServiceUnavailable and Retry-After, within the storage deadline', async () => {
  const started = Date.now();
  const response = await send(app, graphRequest({ body: documentExample() }));
  expectGraphError(response, 503, 'ServiceUnavailable');
  expect(Number(headerOf(response, 'retry-after'))).toBeGreaterThan(0);
  // A generous bound that only a hang would break: the store gives up after STORAGE_TIMEOUT_MS (3 s here).
  expect(Date.now() - started).toBeLessThan(20_000);
});

it('reports 503 from /health', async () => {
  const response = await send(app, graphRequest({ method: 'GET', path: '/health' }));
  expectGraphError(response, 503, 'ServiceUnavailable');
});

it('stored nothing: the table does not even exist on the live Azurite', async () => {
  const live = TableClient.fromConnectionString(process.env.TEST_AZURITE_CONNECTION!, process.env.ASSIGNMENTS_TABLE!, {
    allowInsecureConnection: true,
  });
  const pages = live.listEntities().byPage({ maxPageSize: 1 });
  await expect(pages.next()).rejects.toMatchObject({ statusCode: 404 });
});
