import type { App } from '../../src/createApp';
import { azuriteConnectionString, freePort } from '../../dev/azurite';
import { send, testApp } from '../helpers/app';
import { documentExample, expectGraphError, graphRequest, headerOf } from '../helpers/requests';

// x-mock-error-count keeps its count in Table Storage; when storage is not there, the caller gets the
// same 503 + Retry-After as any other storage failure, never a 500 or a hang.

let app: App;

beforeAll(async () => {
  app = testApp({ MOCK_CONTROLS: 'on', ASSIGNMENTS_STORAGE: azuriteConnectionString(await freePort()) });
});

it('answers x-mock-error-count with 503 ServiceUnavailable and Retry-After when the state table is unreachable', async () => {
  const headers = { authorization: 'Bearer t', 'x-mock-error': '429', 'x-mock-error-count': '1', 'client-request-id': 'dead-1' };
  const response = await send(app, graphRequest({ body: documentExample(), headers }));
  expectGraphError(response, 503, 'ServiceUnavailable');
  expect(Number(headerOf(response, 'retry-after'))).toBeGreaterThan(0);
});

it('still forces a plain x-mock-error without storage: it needs no state', async () => {
  const headers = { authorization: 'Bearer t', 'x-mock-error': '429' };
  expectGraphError(await send(app, graphRequest({ body: documentExample(), headers })), 429, 'TooManyRequests');
});
