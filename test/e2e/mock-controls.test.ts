import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { odata, TableClient } from '@azure/data-tables';
import { collectionPath, documentExample, jsonBody } from '../helpers/requests';
import { withRunner, type RunnerProcess } from '../helpers/runner';

// Mock controls over real HTTP through the local runner process, each scenario in a freshly started
// process with its own settings (settings, the seeded generator and the rate limiter are per process).

const create = (runner: RunnerProcess, configuration: string, headers: Record<string, string> = {}) =>
  fetch(`${runner.url}${collectionPath(configuration)}`, {
    method: 'POST',
    headers: { Authorization: 'Bearer e2e-mock', 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(documentExample()),
  });

async function storedIn(configuration: string): Promise<number> {
  const table = TableClient.fromConnectionString(process.env.ASSIGNMENTS_STORAGE!, process.env.ASSIGNMENTS_TABLE!, {
    allowInsecureConnection: true,
  });
  let n = 0;
  for await (const _ of table.listEntities({ queryOptions: { filter: odata`PartitionKey eq ${configuration} and RowKey lt '~'` } })) n++;
  return n;
}

describe('header controls', () => {
  it('are honoured in a local run: local.settings.json sets MOCK_CONTROLS=on', async () => {
    await withRunner({}, async (runner) => {
      const configuration = `cfg-e2e-forced-${randomUUID()}`;
      const response = await create(runner, configuration, {
        'x-mock-error': '429',
        'x-mock-retry-after': '2',
        'client-request-id': 'e2e-429',
      });
      expect(response.status).toBe(429);
      expect(response.headers.get('retry-after')).toBe('2');
      expect(response.headers.get('content-type')).toBe('application/json');
      expect(response.headers.get('client-request-id')).toBe('e2e-429');
      const body = await jsonBody(response);
      expect(body.error.code).toBe('TooManyRequests');
      expect(body.error.innerError['client-request-id']).toBe('e2e-429');
      expect((await create(runner, 'cfg-e2e-table-exists')).status).toBe(201);
      expect(await storedIn(configuration)).toBe(0);
    });
  });

  it('are ignored with MOCK_CONTROLS=off, the deployment default', async () => {
    await withRunner({ MOCK_CONTROLS: 'off' }, async (runner) => {
      expect((await create(runner, 'cfg-e2e-off', { 'x-mock-error': '503' })).status).toBe(201);
      expect((await create(runner, 'cfg-e2e-off', { 'x-mock-error': '418' })).status).toBe(201);
    });
  });
});

describe('MOCK_SEED', () => {
  it('repeats the same sequence of failures in two freshly started processes', async () => {
    const soak = { MOCK_FAILURE_RATE: '0.4', MOCK_FAILURE_STATUSES: '429,503,504', MOCK_LATENCY_MS: '0-20', MOCK_SEED: '4242' };
    const run = () =>
      withRunner(soak, async (runner) => {
        const outcome: string[] = [];
        for (let i = 0; i < 15; i++) {
          const response = await create(runner, 'cfg-e2e-seed');
          const retryAfter = response.headers.get('retry-after');
          outcome.push(`${response.status}${retryAfter ? ` retry-after ${retryAfter}` : ''}`);
          await response.arrayBuffer();
        }
        return outcome;
      });
    const first = await run();
    const second = await run();
    expect(second).toEqual(first);
    expect(first).toContain('201');
    expect(first.some((o) => o !== '201')).toBe(true);
    // Retry-After (MOCK_RETRY_AFTER_SECONDS, 10 by default) comes with 429 and 503, not with 504.
    for (const o of first) expect(['201', '429 retry-after 10', '503 retry-after 10', '504']).toContain(o);
  });
});

describe('MOCK_RATE_LIMIT=3/2', () => {
  it('answers the 4th request in 2 s with 429 and a Retry-After after which the caller is served again', async () => {
    await withRunner({ MOCK_RATE_LIMIT: '3/2' }, async (runner) => {
      const configuration = `cfg-e2e-rate-${randomUUID()}`;
      for (let i = 0; i < 3; i++) expect((await create(runner, configuration)).status).toBe(201);
      const throttled = await create(runner, configuration);
      expect(throttled.status).toBe(429);
      expect((await jsonBody(throttled)).error.code).toBe('TooManyRequests');
      const retryAfter = Number(throttled.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(2);
      // Another caller (another token) has its own window.
      expect((await create(runner, configuration, { Authorization: 'Bearer other-caller' })).status).toBe(201);
      await sleep(retryAfter * 1000);
      expect((await create(runner, configuration)).status).toBe(201);
      expect(await storedIn(configuration)).toBe(5); // the throttled request stored nothing
    });
  });
});
