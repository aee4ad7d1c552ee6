import { TableClient } from '@azure/data-tables';
import { createAssignment } from '../../src/assignments/handlers';
import { health } from '../../src/health';
import { azuriteConnectionString, freePort } from '../../dev/azurite';
import { documentExample, expectGraphError, graphRequest, headerOf, invocationContext } from '../helpers/requests';

// Storage that is not there: a port nothing listens on. Every request must end in a Graph 503 with
// Retry-After after bounded retries, never a hang, a 500 or a 201 for a write that was not stored.

let deadPort: number;

beforeAll(async () => {
  deadPort = await freePort();
  process.env.ASSIGNMENTS_STORAGE = azuriteConnectionString(deadPort);
});

it('answers a create with 503 ServiceUnavailable and Retry-After, within the storage deadline', async () => {
  const started = Date.now();
  const response = await createAssignment(graphRequest({ body: documentExample() }), invocationContext());
  expectGraphError(response, 503, 'ServiceUnavailable');
  expect(Number(headerOf(response, 'retry-after'))).toBeGreaterThan(0);
  // A generous bound that only a hang would break: the store gives up after STORAGE_TIMEOUT_MS (3 s here).
  expect(Date.now() - started).toBeLessThan(20_000);
});

it('reports 503 from /health', async () => {
  const response = await health(graphRequest({ method: 'GET', path: '/health', params: {} }), invocationContext());
  expectGraphError(response, 503, 'ServiceUnavailable');
});

it('stored nothing: the table does not even exist on the live Azurite', async () => {
  const live = TableClient.fromConnectionString(process.env.TEST_AZURITE_CONNECTION!, process.env.ASSIGNMENTS_TABLE!, {
    allowInsecureConnection: true,
  });
  const pages = live.listEntities().byPage({ maxPageSize: 1 });
  await expect(pages.next()).rejects.toMatchObject({ statusCode: 404 });
});
