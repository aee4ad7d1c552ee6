import { send, testApp } from '../helpers/app';
import { documentExample, graphRequest } from '../helpers/requests';

// MOCK_CONTROLS unset: the deployment default. x-mock-* headers are ignored, valid or not.
const app = testApp();

const post = (headers: Record<string, string>) =>
  send(app, graphRequest({ body: documentExample(), headers: { authorization: 'Bearer t', ...headers } }));

it.each<Record<string, string>>([
  { 'x-mock-error': '429' },
  { 'x-mock-error': '503', 'x-mock-error-count': '2', 'client-request-id': 'off-1' },
  { 'x-mock-error': '418' },
  { 'x-mock-error-count': 'lots' },
  { 'x-mock-retry-after': 'never' },
])('ignores %j and creates the assignment', async (headers) => {
  expect((await post(headers)).status).toBe(201);
});

it('ignores x-mock-latency: the answer is not held back', async () => {
  const started = Date.now();
  expect((await post({ 'x-mock-latency': '25000' })).status).toBe(201);
  // With the control on this would take 25 s; the bound is loose on purpose and only that would break it.
  expect(Date.now() - started).toBeLessThan(15_000);
});
