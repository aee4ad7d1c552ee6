import { odata, TableClient } from '@azure/data-tables';
import type { RequestHandler } from '../../src/pipeline/pipeline';
import { testApp } from '../helpers/app';
import { collectionPath, documentExample, expectGraphError, graphRequest, headerOf, invocationContext } from '../helpers/requests';

// Controls by configuration (soak runs). Each scenario builds an app with its own settings, as a freshly
// started instance would be: settings, generator and rate limiter are per app.

function freshApp(settings: Record<string, string>): RequestHandler {
  return testApp(settings).handle;
}

const post = (handler: RequestHandler, configuration = 'cfg-soak', headers: Record<string, string> = {}) =>
  handler(
    graphRequest({
      body: documentExample(),
      path: collectionPath(configuration),
      headers: { authorization: 'Bearer soak', ...headers },
    }),
    invocationContext(),
  );

async function statuses(handler: RequestHandler, n: number, configuration = 'cfg-soak'): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await post(handler, configuration)).status ?? 200);
  return out;
}

async function storedIn(configuration: string): Promise<number> {
  const table = TableClient.fromConnectionString(process.env.ASSIGNMENTS_STORAGE!, process.env.ASSIGNMENTS_TABLE!, {
    allowInsecureConnection: true,
  });
  let n = 0;
  for await (const _ of table.listEntities({ queryOptions: { filter: odata`PartitionKey eq ${configuration} and RowKey lt '~'` } })) n++;
  return n;
}

describe('MOCK_FAILURE_RATE with MOCK_SEED', () => {
  const soak = { MOCK_FAILURE_RATE: '0.5', MOCK_FAILURE_STATUSES: '429,500,503', MOCK_SEED: '20261128' };

  it('repeats the exact sequence of outcomes in a freshly started app', async () => {
    const first = await statuses(freshApp(soak), 16);
    const second = await statuses(freshApp(soak), 16);
    expect(second).toEqual(first);
    // The sequence mixes successes with each configured failure, and nothing else.
    expect(new Set(first)).toEqual(new Set([201, 429, 500, 503]));
  });

  it('gives another sequence for another seed', async () => {
    const first = await statuses(freshApp(soak), 16);
    const other = await statuses(freshApp({ ...soak, MOCK_SEED: '7' }), 16);
    expect(other).not.toEqual(first);
  });

  it('answers each failure in Graph shape, with Retry-After from MOCK_RETRY_AFTER_SECONDS for 429 and 503', async () => {
    const handler = freshApp({ MOCK_FAILURE_RATE: '1', MOCK_FAILURE_STATUSES: '429', MOCK_RETRY_AFTER_SECONDS: '3' });
    const response = await post(handler);
    expectGraphError(response, 429, 'TooManyRequests');
    expect(headerOf(response, 'retry-after')).toBe('3');
    const gateway = await post(freshApp({ MOCK_FAILURE_RATE: '1', MOCK_FAILURE_STATUSES: '502' }));
    expectGraphError(gateway, 502, 'BadGateway');
  });

  it('stores nothing for a failed request: MOCK_FAILURE_RATE=1 fails every write before it happens', async () => {
    const handler = freshApp({ MOCK_FAILURE_RATE: '1', MOCK_FAILURE_STATUSES: '429,503' });
    expect(new Set(await statuses(handler, 6, 'cfg-soak-none'))).not.toContain(201);
    expect((await post(freshApp({}), 'cfg-soak-one')).status).toBe(201); // the table exists
    expect(await storedIn('cfg-soak-none')).toBe(0);
  });

  it('gives way to x-mock-error: a request that carries it is decided by its headers alone', async () => {
    const handler = freshApp({ MOCK_CONTROLS: 'on', MOCK_FAILURE_RATE: '1', MOCK_FAILURE_STATUSES: '500' });
    const headers = { 'x-mock-error': '429', 'x-mock-error-count': '1', 'client-request-id': `soak-${Date.now()}` };
    expect((await post(handler, 'cfg-soak', headers)).status).toBe(429);
    expect((await post(handler, 'cfg-soak', headers)).status).toBe(201);
    expect((await post(handler)).status).toBe(500);
  });
});

describe('MOCK_LATENCY_MS', () => {
  it('holds every answer back by a time inside the range', async () => {
    const handler = freshApp({ MOCK_LATENCY_MS: '250-300', MOCK_SEED: '1' });
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      expect((await post(handler)).status).toBe(201);
      expect(Date.now() - started).toBeGreaterThanOrEqual(240);
    }
  });

  it('gives way to x-mock-latency when header controls are on', async () => {
    const handler = freshApp({ MOCK_CONTROLS: 'on', MOCK_LATENCY_MS: '20000-20000' });
    const started = Date.now();
    expect((await post(handler, 'cfg-soak', { 'x-mock-latency': '0' })).status).toBe(201);
    expect(Date.now() - started).toBeLessThan(15_000); // only the configured 20 s would break this
  });
});

describe('MOCK_RATE_LIMIT', () => {
  it('answers 429 with Retry-After once a caller has used the window, and counts callers apart', async () => {
    const handler = freshApp({ MOCK_RATE_LIMIT: '2/30' });
    expect((await post(handler)).status).toBe(201);
    expect((await post(handler)).status).toBe(201);
    const throttled = await post(handler, 'cfg-rate-none');
    expectGraphError(throttled, 429, 'TooManyRequests');
    const retryAfter = Number(headerOf(throttled, 'retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(25);
    expect(retryAfter).toBeLessThanOrEqual(30);
    expect(await storedIn('cfg-rate-none')).toBe(0);
    // Another token is another caller, with a window of its own.
    expect((await post(handler, 'cfg-soak', { authorization: 'Bearer another-caller' })).status).toBe(201);
  });

  it('intune: 100 writes per caller in 20 s', async () => {
    // The limiter decides before storage; a long storage deadline keeps a loaded machine from turning
    // the 100 admitted writes into 503s, which would say nothing about the limit.
    const handler = freshApp({ MOCK_RATE_LIMIT: 'intune', STORAGE_TIMEOUT_MS: '30000' });
    const results = await Promise.all(Array.from({ length: 101 }, () => post(handler, 'cfg-intune')));
    const counts: Record<number, number> = {};
    for (const { status = 200 } of results) counts[status] = (counts[status] ?? 0) + 1;
    expect(counts).toEqual({ 201: 100, 429: 1 });
  }, 60_000);
});
