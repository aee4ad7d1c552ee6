import { createHash, randomUUID } from 'node:crypto';
import { odata, TableClient } from '@azure/data-tables';
import { send, testApp } from '../helpers/app';
import { devToken } from '../helpers/tenants';
import {
  collectionPath,
  documentExample,
  expectGraphError,
  graphRequest,
  headerOf,
  invocationContext,
  jsonOf,
  type CapturedLog,
} from '../helpers/requests';

// Header controls (MOCK_CONTROLS=on) through the app, with Azurite behind the store and the mock state.
const app = testApp({ MOCK_CONTROLS: 'on' });
const DEFAULT_TENANT = '00000000-0000-0000-0000-000000000000';

const post = (headers: Record<string, string>, configuration = 'cfg-mock', logs: CapturedLog[] = []) =>
  send(
    app,
    graphRequest({
      body: documentExample(),
      path: collectionPath(configuration),
      headers: { authorization: 'Bearer mock-test', ...headers },
    }),
    invocationContext(logs),
  );

const connection = () => process.env.ASSIGNMENTS_STORAGE!;
const assignments = () => TableClient.fromConnectionString(connection(), process.env.ASSIGNMENTS_TABLE!, { allowInsecureConnection: true });
const mockState = () =>
  TableClient.fromConnectionString(connection(), `${process.env.ASSIGNMENTS_TABLE}State`, { allowInsecureConnection: true });
/** Where an attempt count is kept: the tenant's partition, a row per client-request-id. */
const stateKey = (clientRequestId: string, tenantId = DEFAULT_TENANT) =>
  [`attempts~${tenantId}`, createHash('sha256').update(clientRequestId).digest('hex')] as const;

async function storedIn(configuration: string): Promise<number> {
  let n = 0;
  for await (const _ of assignments().listEntities({ queryOptions: { filter: odata`PartitionKey eq ${configuration} and RowKey lt '~'` } }))
    n++;
  return n;
}

describe('x-mock-error: a Graph-shaped error on demand', () => {
  it.each([
    [429, 'TooManyRequests', '10'],
    [500, 'UnknownError', undefined],
    [502, 'BadGateway', undefined],
    [503, 'ServiceUnavailable', '10'],
    [504, 'GatewayTimeout', undefined],
  ])('%i answers %s in Graph envelope, Retry-After %s (MOCK_RETRY_AFTER_SECONDS default)', async (status, code, retryAfter) => {
    const logs: CapturedLog[] = [];
    const response = await post({ 'x-mock-error': String(status), 'client-request-id': 'forced-1' }, 'cfg-mock', logs);
    const error = expectGraphError(response, status, code);
    expect(headerOf(response, 'retry-after')).toBe(retryAfter);
    expect(headerOf(response, 'client-request-id')).toBe('forced-1');
    if (status === 429) expect(error.message).toBe('Too many requests.');
    // The log says the failure was made on purpose, so it is not mistaken for a real one.
    expect(logs.some((l) => l.message.includes(`Mock control: answering ${status} ${code} (x-mock-error)`))).toBe(true);
  });

  it('takes Retry-After from x-mock-retry-after for 429 and 503', async () => {
    expect(headerOf(await post({ 'x-mock-error': '429', 'x-mock-retry-after': '1' }), 'retry-after')).toBe('1');
    expect(headerOf(await post({ 'x-mock-error': '503', 'x-mock-retry-after': '0' }), 'retry-after')).toBe('0');
  });

  it('stores nothing: a forced failure happens before any write', async () => {
    for (const status of ['429', '500', '502', '503', '504']) {
      await post({ 'x-mock-error': status }, 'cfg-never-stored');
    }
    expect((await post({}, 'cfg-stored-once')).status).toBe(201); // the table exists, so an empty partition means nothing was written
    expect(await storedIn('cfg-stored-once')).toBe(1);
    expect(await storedIn('cfg-never-stored')).toBe(0);
  });

  it('leaves a 401 a 401: controls apply after authentication', async () => {
    const request = graphRequest({ body: documentExample(), headers: { 'x-mock-error': '429' } });
    request.headers.delete('authorization');
    expectGraphError(await send(app, request), 401, 'InvalidAuthenticationToken');
  });

  it('leaves /health and unknown paths alone', async () => {
    const healthRequest = graphRequest({ method: 'GET', path: '/health', headers: { 'x-mock-error': '503' } });
    expect((await send(app, healthRequest)).status).toBe(200);
    const unknown = graphRequest({ method: 'GET', path: '/beta/nowhere', headers: { 'x-mock-error': '503' } });
    expectGraphError(await send(app, unknown), 400, 'BadRequest');
  });
});

describe('x-mock-error-count: fail the first n attempts of one client-request-id', () => {
  it('fails twice, then stores and answers 201; the state table counted 3 attempts', async () => {
    const id = randomUUID();
    const headers = { 'x-mock-error': '503', 'x-mock-error-count': '2', 'x-mock-retry-after': '1', 'client-request-id': id };
    const configuration = `cfg-count-${id}`;
    const first = await post(headers, configuration);
    expectGraphError(first, 503, 'ServiceUnavailable');
    expect(headerOf(first, 'retry-after')).toBe('1');
    expect(await storedIn(configuration)).toBe(0);
    const second = await post(headers, configuration);
    expectGraphError(second, 503, 'ServiceUnavailable');
    const third = await post(headers, configuration);
    expect(third.status).toBe(201);
    // Each answer says which attempt of the client-request-id it was.
    expect([first, second, third].map((r) => headerOf(r, 'x-mock-attempt'))).toEqual(['1', '2', '3']);
    expect(jsonOf(third).id).toBeDefined();
    expect(await storedIn(configuration)).toBe(1);
    const state = await mockState().getEntity<{ attempts: number; clientRequestId: string; expiresOn: Date }>(...stateKey(id));
    expect(state.attempts).toBe(3);
    expect(state.clientRequestId).toBe(id);
    // A later attempt with the same id is past the count: it succeeds too.
    expect((await post(headers, configuration)).status).toBe(201);
  });

  it('counts each client-request-id on its own', async () => {
    const a = randomUUID();
    const b = randomUUID();
    const headers = (id: string) => ({ 'x-mock-error': '429', 'x-mock-error-count': '1', 'client-request-id': id });
    expect((await post(headers(a))).status).toBe(429);
    expect((await post(headers(b))).status).toBe(429);
    expect((await post(headers(a))).status).toBe(201);
    expect((await post(headers(b))).status).toBe(201);
  });

  it("counts each tenant's attempts apart: two tenants may send the same client-request-id", async () => {
    const id = randomUUID();
    const [a, b] = ['3f1c2a4e-0000-4000-8000-0000000000a1', '3f1c2a4e-0000-4000-8000-0000000000b2'];
    const headers = (tenant: string) => ({
      authorization: `Bearer ${devToken(tenant)}`,
      'x-mock-error': '429',
      'x-mock-error-count': '1',
      'client-request-id': id,
    });
    expect((await post(headers(a))).status).toBe(429);
    expect((await post(headers(b))).status).toBe(429); // not the second attempt of tenant a's request
    expect((await post(headers(a))).status).toBe(201);
    expect((await mockState().getEntity<{ attempts: number }>(...stateKey(id, b))).attempts).toBe(1);
  });

  it('accepts client-request-ids that could not be table keys', async () => {
    const id = `odd/id#with?chars\\${randomUUID()}`;
    const headers = { 'x-mock-error': '429', 'x-mock-error-count': '1', 'client-request-id': id };
    expect((await post(headers)).status).toBe(429);
    expect((await post(headers)).status).toBe(201);
  });

  it('starts again once the state has expired', async () => {
    const id = randomUUID();
    // What an attempt count looks like 10 minutes after its first attempt.
    await mockState()
      .createTable()
      .catch(() => undefined);
    await mockState().createEntity({
      partitionKey: stateKey(id)[0],
      rowKey: stateKey(id)[1],
      attempts: 5,
      expiresOn: new Date(Date.now() - 1000),
      clientRequestId: id,
    });
    const headers = { 'x-mock-error': '429', 'x-mock-error-count': '1', 'client-request-id': id };
    expect((await post(headers)).status).toBe(429);
    const state = await mockState().getEntity<{ attempts: number; expiresOn: Date }>(...stateKey(id));
    expect(state.attempts).toBe(1);
    const expiresIn = new Date(state.expiresOn).getTime() - Date.now();
    expect(expiresIn).toBeGreaterThan(9 * 60_000);
    expect(expiresIn).toBeLessThanOrEqual(10 * 60_000);
    expect((await post(headers)).status).toBe(201);
  });

  it('counts concurrent attempts of one id exactly (ETag-conditional updates)', async () => {
    const id = randomUUID();
    const headers = { 'x-mock-error': '429', 'x-mock-error-count': '2', 'client-request-id': id };
    // Ten at once, as a scaled-out app saw them (where 15-25% of them used to answer a 503 of their own).
    const responses = await Promise.all(Array.from({ length: 10 }, () => post(headers, 'cfg-mock-concurrent')));
    expect(responses.map((r) => r.status).sort()).toEqual([201, 201, 201, 201, 201, 201, 201, 201, 429, 429]);
    expect((await mockState().getEntity<{ attempts: number }>(...stateKey(id))).attempts).toBe(10);
    // One client-request-id is one request: the eight that got through answer the one assignment stored.
    expect(new Set(responses.filter((r) => r.status === 201).map((r) => jsonOf(r).id)).size).toBe(1);
    expect(await storedIn('cfg-mock-concurrent')).toBe(1);
  });

  it('answers 400 without a client-request-id: retries could not be told from new requests', async () => {
    const error = expectGraphError(await post({ 'x-mock-error': '429', 'x-mock-error-count': '2' }), 400, 'BadRequest');
    expect(error.message).toContain("'client-request-id'");
    expect(error.message).toContain("'x-mock-error-count'");
  });
});

describe('x-mock-latency: a slow answer on demand', () => {
  it('delays the answer by at least the asked milliseconds, errors included', async () => {
    let started = Date.now();
    expect((await post({ 'x-mock-latency': '400' })).status).toBe(201);
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    started = Date.now();
    expect((await post({ 'x-mock-latency': '300', 'x-mock-error': '504' })).status).toBe(504);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });
});

describe('bad x-mock-* values: 400 naming the header', () => {
  it.each([
    [{ 'x-mock-error': '418' }, 'x-mock-error'],
    [{ 'x-mock-error': 'throttle' }, 'x-mock-error'],
    [{ 'x-mock-error': '' }, 'x-mock-error'],
    [{ 'x-mock-error': '429.0' }, 'x-mock-error'],
    [{ 'x-mock-error': '429', 'x-mock-error-count': '0', 'client-request-id': 'x' }, 'x-mock-error-count'],
    [{ 'x-mock-error': '429', 'x-mock-error-count': 'two', 'client-request-id': 'x' }, 'x-mock-error-count'],
    [{ 'x-mock-error': '429', 'x-mock-error-count': '101', 'client-request-id': 'x' }, 'x-mock-error-count'],
    [{ 'x-mock-error-count': '2', 'client-request-id': 'x' }, 'x-mock-error-count'],
    [{ 'x-mock-error': '429', 'x-mock-retry-after': '-1' }, 'x-mock-retry-after'],
    [{ 'x-mock-error': '429', 'x-mock-retry-after': '1.5' }, 'x-mock-retry-after'],
    [{ 'x-mock-error': '429', 'x-mock-retry-after': '3601' }, 'x-mock-retry-after'],
    [{ 'x-mock-latency': 'slow' }, 'x-mock-latency'],
    [{ 'x-mock-latency': '30001' }, 'x-mock-latency'],
  ])('%j', async (headers, name) => {
    const configuration = `cfg-bad-${randomUUID()}`;
    const error = expectGraphError(await post(headers, configuration), 400, 'BadRequest');
    expect(error.message).toContain(`'${name}'`);
    expect(await storedIn(configuration)).toBe(0);
  });

  it('names the setting that bounds x-mock-latency', async () => {
    const error = expectGraphError(await post({ 'x-mock-latency': '30001' }), 400, 'BadRequest');
    expect(error.message).toContain('MOCK_MAX_LATENCY_MS');
    expect(error.message).toContain('30000');
  });
});
