import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { odata, TableClient } from '@azure/data-tables';
import {
  Client,
  type Context,
  GraphError,
  HTTPMessageHandler,
  type Middleware,
  RedirectHandler,
  RedirectHandlerOptions,
  RetryHandler,
  RetryHandlerOptions,
} from '@microsoft/microsoft-graph-client';
import { collectionPath, documentExample } from '../helpers/requests';
import { startRunnerProcess, type RunnerProcess } from '../helpers/runner';

// Issue 6, item 4: Microsoft's own clients retry a request that the mock fails twice with 429 and
// succeed on the third attempt, waiting the Retry-After the mock sends. Real HTTP to the local runner
// process (MOCK_CONTROLS=on comes from local.settings.json, as in `npm start`).

let runner: RunnerProcess;
beforeAll(async () => {
  runner = await startRunnerProcess();
});
afterAll(async () => {
  await runner?.stop();
});

/** What the server recorded for a client-request-id: its attempt count in the mock state table (the default tenant's). */
async function serverAttempts(clientRequestId: string): Promise<number> {
  const table = TableClient.fromConnectionString(process.env.ASSIGNMENTS_STORAGE!, `${process.env.ASSIGNMENTS_TABLE}State`, {
    allowInsecureConnection: true,
  });
  const key = createHash('sha256').update(clientRequestId).digest('hex');
  return (await table.getEntity<{ attempts: number }>('attempts~00000000-0000-0000-0000-000000000000', key)).attempts;
}

async function storedIn(configuration: string): Promise<string[]> {
  const table = TableClient.fromConnectionString(process.env.ASSIGNMENTS_STORAGE!, process.env.ASSIGNMENTS_TABLE!, {
    allowInsecureConnection: true,
  });
  const ids: string[] = [];
  for await (const e of table.listEntities({ queryOptions: { filter: odata`PartitionKey eq ${configuration} and RowKey lt '~'` } }))
    ids.push(e.rowKey!);
  return ids;
}

const throttleTwice = (clientRequestId: string) => ({
  'x-mock-error': '429',
  'x-mock-error-count': '2',
  'x-mock-retry-after': '1',
  'client-request-id': clientRequestId,
});

describe('@microsoft/microsoft-graph-client v3 (its RetryHandler with default options)', () => {
  let fetchSpy: jest.SpiedFunction<typeof fetch>;
  /** Headers as each attempt sent them: the client reuses and mutates one options object across retries. */
  let sent: Array<Record<string, string>>;
  beforeEach(() => {
    // The client's HTTPMessageHandler calls the global fetch: each call is one attempt on the wire.
    const realFetch = globalThis.fetch;
    sent = [];
    fetchSpy = jest.spyOn(globalThis, 'fetch').mockImplementation((input, init) => {
      sent.push({ ...(init?.headers as Record<string, string>) });
      return realFetch(input, init);
    });
  });
  afterEach(() => fetchSpy.mockRestore());

  /**
   * The v3 client's AuthenticationHandler and TelemetryHandler act only on Graph's own hosts and on
   * https customHosts; on any other URL they delete Authorization and client-request-id. Against a
   * deployed mock (https) `Client.init({ customHosts })` is all it takes. Against http://127.0.0.1 the
   * chain is the default one with those two steps replaced by this one: RetryHandler, RedirectHandler
   * and HTTPMessageHandler are the library's own, with default options.
   */
  class BearerForAnyHost implements Middleware {
    private next: Middleware | undefined;
    constructor(private readonly token: string) {}
    async execute(context: Context): Promise<void> {
      context.options = {
        ...context.options,
        headers: { ...(context.options?.headers as Record<string, string>), Authorization: `Bearer ${this.token}` },
      };
      await this.next!.execute(context);
    }
    setNext(next: Middleware): void {
      this.next = next;
    }
  }

  const client = () =>
    Client.initWithMiddleware({
      baseUrl: runner.url,
      defaultVersion: 'beta',
      middleware: [
        new BearerForAnyHost('graph-client-token'),
        new RetryHandler(new RetryHandlerOptions()),
        new RedirectHandler(new RedirectHandlerOptions()),
        new HTTPMessageHandler(),
      ],
    });

  it('retries twice after 429 with Retry-After: 1, then gets the 201; three attempts on both sides', async () => {
    const clientRequestId = randomUUID();
    const configuration = `cfg-graph-client-${clientRequestId}`;
    const started = Date.now();
    const created = await client()
      .api(`/invitations/inv-1/invitedUser/deviceEnrollmentConfigurations/${configuration}/assignments`)
      .headers(throttleTwice(clientRequestId))
      .post(documentExample());
    const elapsed = Date.now() - started;

    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created['@odata.type']).toBe('#microsoft.graph.enrollmentConfigurationAssignment');
    // Client side: exactly three requests went out, all with the same client-request-id, the retries
    // marked with the RetryHandler's Retry-Attempt header.
    expect(fetchSpy).toHaveBeenCalledTimes(3);
    expect(sent.map((h) => h['client-request-id'])).toEqual([clientRequestId, clientRequestId, clientRequestId]);
    expect(sent.map((h) => h['Retry-Attempt'])).toEqual([undefined, '1', '2']);
    expect(sent.every((h) => h.Authorization === 'Bearer graph-client-token')).toBe(true);
    // Server side: the mock counted three attempts of that request, and stored the assignment once.
    expect(await serverAttempts(clientRequestId)).toBe(3);
    expect(await storedIn(configuration)).toEqual([created.id]);
    // Two waits of Retry-After: 1 s each (loose bound: this checks Retry-After was honoured, not speed).
    expect(elapsed).toBeGreaterThanOrEqual(1800);
  });

  it('needs that chain over plain http: Client.init drops the token and client-request-id there', async () => {
    // What the docs warn about, kept as a test so a client release that changes it is noticed.
    const plain = Client.init({ baseUrl: runner.url, defaultVersion: 'beta', authProvider: (done) => done(null, 'graph-client-token') });
    const error = await plain
      .api(collectionPath('cfg-graph-client-plain').replace(/^\/beta/, ''))
      .headers({ 'client-request-id': 'plain-1' })
      .post(documentExample())
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ statusCode: 401, code: 'InvalidAuthenticationToken' });
    expect(sent[0]).not.toHaveProperty('Authorization');
    expect(sent[0]).not.toHaveProperty('client-request-id');
  });

  it('gives up after its retries with the GraphError Graph would give: 429 TooManyRequests', async () => {
    const clientRequestId = randomUUID();
    const request = client()
      .api(collectionPath('cfg-graph-client-gives-up').replace(/^\/beta/, ''))
      .headers({ 'x-mock-error': '429', 'x-mock-retry-after': '0', 'client-request-id': clientRequestId })
      .post(documentExample());
    const error = await request.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphError);
    expect(error).toMatchObject({ statusCode: 429, code: 'TooManyRequests', message: 'Too many requests.', requestId: expect.any(String) });
    expect(fetchSpy).toHaveBeenCalledTimes(4); // the first attempt and RetryHandlerOptions' default 3 retries
    expect(await storedIn('cfg-graph-client-gives-up')).toEqual([]);
  });
});

describe('Kiota (@microsoft/kiota-http-fetchlibrary FetchRequestAdapter, default middleware: RetryHandler)', () => {
  interface KiotaRun {
    ok: boolean;
    body?: any;
    error?: string;
    status?: number;
    elapsedMs: number;
    attempts: Array<{
      at: number;
      status: number;
      clientRequestId: string | null;
      retryAttempt: string | null;
      authorization: string | null;
      retryAfter: string | null;
    }>;
  }

  async function kiota(input: { path: string; headers: Record<string, string>; body?: unknown }): Promise<KiotaRun> {
    const script = path.join(__dirname, '..', 'helpers', 'kiota-client.mjs');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [script, JSON.stringify({ baseUrl: `${runner.url}/beta`, method: 'POST', token: 'kiota-token', ...input })],
      { timeout: 30_000 },
    );
    return JSON.parse(stdout) as KiotaRun;
  }

  it('retries twice after 429 with Retry-After: 1, then gets the 201; three attempts on both sides', async () => {
    const clientRequestId = randomUUID();
    const configuration = `cfg-kiota-${clientRequestId}`;
    const run = await kiota({
      path: `/invitations/inv-1/invitedUser/deviceEnrollmentConfigurations/${configuration}/assignments`,
      headers: throttleTwice(clientRequestId),
      body: documentExample(),
    });

    expect(run.error).toBeUndefined();
    expect(run.ok).toBe(true);
    expect(run.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(run.attempts.map((a) => a.status)).toEqual([429, 429, 201]);
    expect(run.attempts.map((a) => a.retryAfter)).toEqual(['1', '1', null]);
    expect(run.attempts.map((a) => a.clientRequestId)).toEqual([clientRequestId, clientRequestId, clientRequestId]);
    expect(run.attempts.map((a) => a.retryAttempt)).toEqual([null, '1', '2']);
    expect(run.attempts.every((a) => a.authorization === 'Bearer kiota-token')).toBe(true);
    expect(await serverAttempts(clientRequestId)).toBe(3);
    expect(await storedIn(configuration)).toEqual([run.body.id]);
    // Each retry waited Retry-After (1 s) after the failure it answered.
    const [first, second, third] = run.attempts;
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(900);
    expect(third!.at - second!.at).toBeGreaterThanOrEqual(900);
    expect(run.elapsedMs).toBeGreaterThanOrEqual(1800);
  });

  it('retries 503 and 504 too, and not 500 or 502, as its RetryHandler is written to', async () => {
    const outcome = async (status: string) => {
      const run = await kiota({
        path: collectionPath('cfg-kiota-statuses').replace(/^\/beta/, ''),
        headers: { 'x-mock-error': status, 'x-mock-error-count': '1', 'x-mock-retry-after': '0', 'client-request-id': randomUUID() },
        body: documentExample(),
      });
      return run.attempts.map((a) => a.status);
    };
    expect(await outcome('503')).toEqual([503, 201]);
    expect(await outcome('504')).toEqual([504, 201]);
    expect(await outcome('500')).toEqual([500]);
    expect(await outcome('502')).toEqual([502]);
  });
});
