import { randomUUID } from 'node:crypto';
import { startCountingProxy, type Cost, type CountingProxy } from '../helpers/counting-proxy';
import { startRunnerProcess, type RunnerProcess } from '../helpers/runner';

/**
 * What each HTTP request costs in storage round trips, counted by a proxy between the app and Azurite:
 * `waits` is how many storage calls the request waited for one after another. Deployed settings
 * (no admin, no mock controls) and the local defaults (local.settings.json: the journal on) are both
 * measured; the journal may add at most one wait. docs/consistency.md states these figures.
 */

const auth = { Authorization: 'Bearer dev-token', 'Content-Type': 'application/json' };
const target = (groupId: string) => ({ target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId } });

interface Figures {
  [operation: string]: Cost;
}

async function measureAll(runner: RunnerProcess, proxy: CountingProxy): Promise<Figures> {
  const base = `${runner.url}/beta/deviceManagement/deviceEnrollmentConfigurations/${randomUUID()}/assignments`;
  const send = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) => {
    const r = await fetch(url, { method, headers: { ...auth, ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    if (r.status >= 300) throw new Error(`${method} ${url}: ${r.status} ${text}`);
    return { status: r.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
  };
  // The configuration is known to the instance after its first create (and the tables exist).
  const first = await send('POST', base, target('warm'));
  const id = first.body!.id as string;
  const f: Figures = {};
  f['create'] = await proxy.measure(() => send('POST', base, target('a')));
  f['create with client-request-id'] = await proxy.measure(() => send('POST', base, target('b'), { 'client-request-id': randomUUID() }));
  f['GET one'] = await proxy.measure(() => send('GET', `${base}/${id}`));
  f['list page'] = await proxy.measure(() => send('GET', `${base}?$top=10`));
  f['list page with $count'] = await proxy.measure(() => send('GET', `${base}?$top=10&$count=true`));
  f['PATCH'] = await proxy.measure(() => send('PATCH', `${base}/${id}`, { sourceId: 'x' }));
  const doomed = (await send('POST', base, target('c'))).body!.id as string;
  f['DELETE'] = await proxy.measure(() => send('DELETE', `${base}/${doomed}`));
  const assign = base.replace(/\/assignments$/, '/assign');
  f['assign of 3'] = await proxy.measure(() =>
    send('POST', assign, { enrollmentConfigurationAssignments: [target('x'), target('y'), target('z')] }),
  );
  f['create after assign'] = await proxy.measure(() => send('POST', base, target('d')));
  const path = new URL(base).pathname.replace(/^\/beta/, '');
  f['$batch of 3 creates'] = await proxy.measure(() =>
    send('POST', `${runner.url}/beta/$batch`, {
      requests: ['1', '2', '3'].map((n) => ({
        id: n,
        method: 'POST',
        url: path,
        headers: { 'Content-Type': 'application/json' },
        body: target(n),
      })),
    }),
  );
  return f;
}

const waits = (f: Figures) => Object.fromEntries(Object.entries(f).map(([op, c]) => [op, c.waits]));

const DEPLOYED = {
  create: 1,
  'create with client-request-id': 1,
  'GET one': 1,
  'list page': 1,
  'list page with $count': 1,
  PATCH: 2,
  DELETE: 2,
  'assign of 3': 2,
  'create after assign': 1,
  '$batch of 3 creates': 1,
};

describe.each([
  ['deployed settings', { MOCK_ADMIN: 'off', MOCK_CONTROLS: 'off' }, 0],
  ['the local defaults (journal on)', {}, 1],
])('storage round trips per request, %s', (_name, settings, journal) => {
  let proxy: CountingProxy;
  let runner: RunnerProcess;

  beforeAll(async () => {
    proxy = await startCountingProxy(Number(process.env.TEST_AZURITE_TABLE_PORT));
    runner = await startRunnerProcess({
      ...settings,
      ASSIGNMENTS_STORAGE: proxy.connectionString,
      ASSIGNMENTS_TABLE: `rt${randomUUID().replace(/-/g, '').slice(0, 12)}`,
    });
  });

  afterAll(async () => {
    await runner?.stop();
    await proxy?.stop();
  });

  it('each operation waits for the fewest round trips the design allows', async () => {
    const figures = await measureAll(runner, proxy);
    const expected = Object.fromEntries(Object.entries(DEPLOYED).map(([op, n]) => [op, n + journal]));
    const detail = Object.entries(figures)
      .map(([op, c]) => `${op}: ${c.waits} waits (${c.calls} calls): ${c.log.join(', ')}`)
      .join('\n');
    expect({ waits: waits(figures), detail }).toEqual({ waits: expected, detail });
  }, 60_000);
});
