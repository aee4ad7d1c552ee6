import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TableClient } from '@azure/data-tables';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy';
import { collectionPath, documentExample } from '../helpers/requests';
import { startRunnerProcess, withRunner, type RunnerProcess } from '../helpers/runner';

// The journal as test suites use it: one journal for every instance of a scaled-out app, its bound, the
// app's secrets never stored, the filters, $batch items, a full reset of the mock state, and seeding by file.

const TOKEN = { Authorization: 'Bearer e2e-journal-caller' };
const table = (suffix: 'Journal' | 'State') =>
  TableClient.fromConnectionString(process.env.ASSIGNMENTS_STORAGE!, `${process.env.ASSIGNMENTS_TABLE}${suffix}`, {
    allowInsecureConnection: true,
  });
const rows = async (suffix: 'Journal' | 'State', partition?: string) => {
  const out: Array<Record<string, unknown>> = [];
  const filter = partition === undefined ? undefined : `PartitionKey eq '${partition}'`;
  for await (const e of table(suffix).listEntities({ queryOptions: { filter } })) out.push(e);
  return out;
};
const post = (runner: RunnerProcess, configuration: string, headers: Record<string, string> = {}, auth = TOKEN) =>
  fetch(`${runner.url}${collectionPath(configuration)}`, {
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(documentExample()),
  });
const count = async (runner: RunnerProcess, configuration: string) =>
  (await fetch(`${runner.url}${collectionPath(configuration)}/$count`, { headers: TOKEN })).text();
async function journal(runner: RunnerProcess, query = '', headers: Record<string, string> = {}) {
  const r = await fetch(`${runner.url}/__admin/requests${query}`, { headers });
  expect(r.status).toBe(200);
  return ((await r.json()) as { value: Array<Record<string, any>> }).value;
}
const reset = async (runner: RunnerProcess) => expect((await fetch(`${runner.url}/__admin/reset`, { method: 'POST' })).status).toBe(204);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fault proxy in front of the suite's Azurite for the length of `use`, and a table of its own behind it. */
async function withFaultProxy(
  use: (proxy: FaultProxy, storage: { ASSIGNMENTS_STORAGE: string; ASSIGNMENTS_TABLE: string }) => Promise<void>,
): Promise<void> {
  const proxy = await startFaultProxy(Number(/:(\d+)\//.exec(process.env.ASSIGNMENTS_STORAGE!)![1]));
  try {
    await use(proxy, { ASSIGNMENTS_STORAGE: proxy.connectionString, ASSIGNMENTS_TABLE: `f${randomUUID().replace(/-/g, '')}` });
  } finally {
    await proxy.stop();
  }
}

it('two instances on one storage account keep one journal: a retry counted by the other instance is attempt 2', async () => {
  const a = await startRunnerProcess({ MOCK_ADMIN: 'on' });
  const b = await startRunnerProcess({ MOCK_ADMIN: 'on' });
  try {
    await reset(a);
    const crid = `scale-${randomUUID()}`;
    const h = { 'client-request-id': crid, 'x-mock-error': '503', 'x-mock-error-count': '1', 'x-mock-retry-after': '1' };
    expect((await post(a, 'cfg-scale', h)).status).toBe(503);
    await sleep(1100); // as Retry-After asked
    expect((await post(b, 'cfg-scale', h)).status).toBe(201);
    for (const instance of [a, b]) {
      const entries = await journal(instance, `?clientRequestId=${crid}`);
      expect(entries.map((e) => [e.attempt, e.response.status, e.retryAfterViolation])).toEqual([
        [2, 201, false],
        [1, 503, false],
      ]);
    }
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});

it('an entry has what the issue lists, and the filters narrow the journal; bad filters are Graph 400s', async () => {
  await withRunner({ MOCK_ADMIN: 'on' }, async (runner) => {
    await reset(runner);
    const crid = `fields-${randomUUID()}`;
    const created = await post(runner, 'cfg-fields', { 'client-request-id': crid });
    expect(created.status).toBe(201);
    const since = new Date().toISOString();
    await sleep(20);
    expect((await fetch(`${runner.url}${collectionPath('cfg-fields')}`, { headers: TOKEN })).status).toBe(200);
    expect(
      (await fetch(`${runner.url}/beta/deviceManagement/deviceEnrollmentConfigurations/cfg-other/assignments`, { headers: TOKEN })).status,
    ).toBe(200);

    const [entry] = await journal(runner, `?clientRequestId=${crid}`);
    expect(entry).toMatchObject({
      method: 'POST',
      url: `${runner.url}${collectionPath('cfg-fields')}`,
      body: documentExample(),
      response: { status: 201 },
      requestId: created.headers.get('request-id'),
      clientRequestId: crid,
      principal: { kind: 'dev' },
      attempt: 1,
      retryAfterViolation: false,
    });
    expect(entry!.headers['content-type']).toBe('application/json');
    expect(entry!.response.headers.Location ?? entry!.response.headers.location).toBeTruthy();
    expect(typeof entry!.durationMs).toBe('number');
    expect(Date.parse(entry!.receivedDateTime)).toBeLessThanOrEqual(Date.parse(since));

    expect((await journal(runner)).map((e) => e.method)).toEqual(['GET', 'GET', 'POST']);
    expect((await journal(runner, '?method=post')).map((e) => e.clientRequestId)).toEqual([crid]);
    expect((await journal(runner, `?since=${since}`)).map((e) => e.method)).toEqual(['GET', 'GET']);
    expect((await journal(runner, '?path=/beta/deviceManagement')).map((e) => e.url)).toEqual([
      `${runner.url}/beta/deviceManagement/deviceEnrollmentConfigurations/cfg-other/assignments`,
    ]);
    expect((await journal(runner, '?$top=1')).map((e) => e.url)).toEqual([
      `${runner.url}/beta/deviceManagement/deviceEnrollmentConfigurations/cfg-other/assignments`,
    ]);
    // Admin requests themselves are not journaled.
    expect((await journal(runner)).length).toBe(3);

    for (const bad of ['?$top=0', '?$top=1001', '?since=yesterday', '?verb=GET', '?method=']) {
      const r = await fetch(`${runner.url}/__admin/requests${bad}`);
      expect([bad, r.status]).toEqual([bad, 400]);
      expect(((await r.json()) as any).error).toMatchObject({ code: 'BadRequest', innerError: { 'request-id': expect.any(String) } });
    }
  });
});

it('each $batch item is journaled once, beside the batch itself', async () => {
  await withRunner({ MOCK_ADMIN: 'on' }, async (runner) => {
    await reset(runner);
    const url = `/deviceManagement/deviceEnrollmentConfigurations/cfg-batch/assignments`;
    const r = await fetch(`${runner.url}/beta/$batch`, {
      method: 'POST',
      headers: { ...TOKEN, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        requests: [
          { id: '1', method: 'POST', url, headers: { 'Content-Type': 'application/json' }, body: documentExample() },
          { id: '2', method: 'GET', url, dependsOn: ['1'] },
        ],
      }),
    });
    expect(r.status).toBe(200);
    const entries = await journal(runner);
    expect(entries.map((e) => `${e.method} ${new URL(e.url).pathname}`).sort()).toEqual(
      [`GET /beta${url}`, `POST /beta${url}`, 'POST /beta/$batch'].sort(),
    );
    expect(entries.find((e) => e.method === 'POST' && e.url.endsWith('/assignments'))!.response.status).toBe(201);
  });
});

it('the journal keeps at most MOCK_JOURNAL_MAX_ENTRIES: reads never return more, and storage is pruned', async () => {
  await withRunner({ MOCK_ADMIN: 'on', MOCK_JOURNAL_MAX_ENTRIES: '20' }, async (runner) => {
    await reset(runner);
    const item = (i: number) => `${runner.url}${collectionPath('cfg-bound')}?n=${i}`;
    for (let i = 0; i < 60; i++) expect((await fetch(item(i), { headers: TOKEN })).status).toBe(200);
    const entries = await journal(runner, '?$top=1000');
    expect(entries.length).toBe(20);
    expect(entries.map((e) => e.url)).toEqual(Array.from({ length: 20 }, (_, k) => item(59 - k)));
    // Pruning runs every max(1, min(100, 20/10)) = 2 writes, in the background: at most 20 + 2 stay.
    let stored = Infinity;
    for (let tries = 0; tries < 50 && stored > 22; tries++, await sleep(100)) stored = (await rows('Journal', 'j')).length;
    expect(stored).toBeLessThanOrEqual(22);
  });
});

it('storage failing while an instance prunes the journal is logged, and the instance serves on (it crashed once)', async () => {
  // The scale-out test's Azurite SIGSTOP caught it: the background prune's rejection was unhandled,
  // which ends a Node process. Here only the prune's listing of the journal hangs, every other call passes.
  await withFaultProxy(async (proxy, storage) => {
    await withRunner({ MOCK_ADMIN: 'on', MOCK_JOURNAL_MAX_ENTRIES: '1', STORAGE_TIMEOUT_MS: '500', ...storage }, async (runner) => {
      proxy.hangWhen((method, url) => method === 'GET' && /Journal\(\)\?/.test(url));
      for (let i = 0; i < 3; i++) expect(await count(runner, 'cfg-prune')).toBe('0');
      await sleep(1500); // each prune gives up after STORAGE_TIMEOUT_MS
      expect(await count(runner, 'cfg-prune')).toBe('0');
      expect(runner.output()).toMatch(/Request journal: pruning failed .*the next prune tries again/);
      proxy.hangWhen(undefined);
      // Storage back: the next prune brings the journal down to its bound again.
      for (let i = 0; i < 3; i++) expect(await count(runner, 'cfg-prune')).toBe('0');
      expect((await journal(runner, '?$top=1000')).length).toBe(1);
    });
  });
});

it('a journal storage cannot reach holds an answer once, not every answer; once it is back, answers wait for their entries again', async () => {
  // The reliability figures caught it: with the journal kept, each answer during a storage outage waited
  // for the journal's read and write to fail too, so 503s came late, some after storage was back.
  await withFaultProxy(async (proxy, storage) => {
    await withRunner({ MOCK_ADMIN: 'on', STORAGE_TIMEOUT_MS: '2000', ...storage }, async (runner) => {
      expect(await count(runner, 'cfg-unreachable')).toBe('0'); // the tables exist before the journal hangs
      proxy.hangWhen((_method, url) => url.includes('Journal'));
      const timed = async () => {
        const t0 = Date.now();
        const r = await fetch(`${runner.url}${collectionPath('cfg-unreachable')}/$count`, {
          headers: { ...TOKEN, 'client-request-id': randomUUID() },
        });
        expect(r.status).toBe(200);
        return Date.now() - t0;
      };
      expect(await timed()).toBeGreaterThanOrEqual(1900); // the first waits out one storage deadline
      // The rest do not wait for the journal (each would take 2 s to 4 s if they did).
      for (let i = 0; i < 3; i++) expect(await timed()).toBeLessThan(1500);
      await sleep(2500); // the hung journal calls give up
      proxy.hangWhen(undefined);
      await timed(); // its entry, written in the background, shows the journal is back
      await sleep(500);
      const last = `${runner.url}${collectionPath('cfg-unreachable')}?last=1`;
      expect((await fetch(last, { headers: TOKEN })).status).toBe(200);
      expect((await journal(runner, '?$top=1'))[0]?.url).toBe(last);
      expect(runner.output()).toContain('Request journal: could not record');
    });
  });
});

it("the app's secrets are never stored: API keys and MOCK_ADMIN_KEY, in headers, URL and body", async () => {
  const apiKey = `api-key-${randomUUID()}`;
  const adminKey = `admin-key-${randomUUID()}`;
  await withRunner(
    { MOCK_ADMIN: 'on', MOCK_ADMIN_KEY: adminKey, AUTH_MODE: 'apikey', AUTH_API_KEYS: `other-key,${apiKey}` },
    async (runner) => {
      const admin = { Authorization: `Bearer ${adminKey}` };
      expect((await fetch(`${runner.url}/__admin/reset`, { method: 'POST', headers: admin })).status).toBe(204);
      const byKey = { Authorization: `Bearer ${apiKey}` };
      expect((await post(runner, 'cfg-secret', { 'x-forwarded-key': adminKey }, byKey)).status).toBe(201);
      const withKeyInBody = await fetch(`${runner.url}${collectionPath('cfg-secret')}?note=${apiKey}`, {
        method: 'POST',
        headers: { ...byKey, 'Content-Type': 'application/json' },
        body: JSON.stringify({ ...documentExample(), sourceId: adminKey }),
      });
      expect(withKeyInBody.status).toBe(201);
      const entries = await journal(runner, '', admin);
      expect(entries.length).toBe(2);
      expect(entries[1]!.headers.authorization).toMatch(/^Bearer sha256:[0-9a-f]{12}$/);
      expect(entries[1]!.headers['x-forwarded-key']).toBe('[redacted]');
      expect(entries[1]!.principal.kind).toBe('apikey');
      expect(entries[0]!.url).toContain('note=[redacted]');
      expect(entries[0]!.body.sourceId).toBe('[redacted]');
      const stored = JSON.stringify(await rows('Journal'));
      expect(stored).toContain('sha256:');
      expect(stored).not.toContain(apiKey);
      expect(stored).not.toContain(adminKey);
    },
  );
});

it('a full reset clears the assignments, the journal and the mock state: attempt counts and rate-limit windows', async () => {
  await withRunner({ MOCK_ADMIN: 'on', MOCK_RATE_LIMIT: '2/60' }, async (runner) => {
    await reset(runner);
    const crid = `reset-${randomUUID()}`;
    const h = { 'client-request-id': crid, 'x-mock-error': '500', 'x-mock-error-count': '1' };
    expect((await post(runner, 'cfg-reset', h)).status).toBe(500);
    expect((await post(runner, 'cfg-reset')).status).toBe(201);
    expect((await post(runner, 'cfg-reset')).status).toBe(429); // the window of 2 is full
    expect((await rows('State')).length).toBeGreaterThan(0);
    expect((await journal(runner)).length).toBe(3);

    await reset(runner);
    expect(await rows('State')).toEqual([]);
    expect(await journal(runner)).toEqual([]);
    expect(await rows('Journal')).toEqual([]);
    // The same client-request-id fails again: its count started over. The window is empty again too.
    expect((await post(runner, 'cfg-reset', h)).status).toBe(500);
    expect(await count(runner, 'cfg-reset')).toBe('0');
    expect((await journal(runner, `?clientRequestId=${crid}`)).map((e) => e.attempt)).toEqual([1]);
  });
});

describe('MOCK_SEED_FILE', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mock-seed-'));
  const file = path.join(dir, 'seed.json');
  writeFileSync(
    file,
    JSON.stringify({
      assignments: [
        { configurationId: 'cfg-seeded', id: 'tenant-id-1', target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' } },
        { configurationId: 'cfg-seeded', target: { '@odata.type': '#microsoft.graph.allLicensedUsersAssignmentTarget' } },
      ],
    }),
  );

  it('is loaded at start-up, and a restart (or a second instance) does not duplicate it', async () => {
    const ids = async (runner: RunnerProcess) =>
      (
        ((await (await fetch(`${runner.url}${collectionPath('cfg-seeded')}`, { headers: TOKEN })).json()) as any).value as Array<{
          id: string;
        }>
      )
        .map((a) => a.id)
        .sort();
    const first = await withRunner({ MOCK_ADMIN: 'on', MOCK_SEED_FILE: file }, async (runner) => {
      expect(await count(runner, 'cfg-seeded')).toBe('2');
      return ids(runner);
    });
    expect(first).toContain('tenant-id-1');
    await withRunner({ MOCK_ADMIN: 'on', MOCK_SEED_FILE: file }, async (runner) => {
      expect(await count(runner, 'cfg-seeded')).toBe('2');
      expect(await ids(runner)).toEqual(first);
      expect(runner.output()).toContain('MOCK_SEED_FILE: 2 assignment(s) present.');
    });
  });

  it('a file that is not a valid seed is logged once and the app serves on', async () => {
    const bad = path.join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({ assignments: [{ configurationId: 'cfg-bad-seed', target: { '@odata.type': '#microsoft.graph.nothing' } }] }),
    );
    await withRunner({ MOCK_ADMIN: 'on', MOCK_SEED_FILE: bad }, async (runner) => {
      expect(await count(runner, 'cfg-bad-seed')).toBe('0');
      expect(await count(runner, 'cfg-bad-seed')).toBe('0');
      expect(runner.output().match(/was not loaded/g)).toHaveLength(1);
    });
  });

  it('is tried again by the next request when storage could not take it', async () => {
    await withFaultProxy(async (proxy, storage) => {
      proxy.mode = 'blackhole';
      await withRunner({ MOCK_SEED_FILE: file, STORAGE_TIMEOUT_MS: '500', ...storage }, async (runner) => {
        const down = await fetch(`${runner.url}${collectionPath('cfg-seeded')}/$count`, { headers: TOKEN });
        expect(down.status).toBe(503);
        expect(down.headers.get('retry-after')).toBeTruthy();
        proxy.mode = 'pass';
        expect(await count(runner, 'cfg-seeded')).toBe('2');
        expect(runner.output()).toContain('the next request tries again');
      });
    });
  });
});
