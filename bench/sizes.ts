/**
 * `npm run bench:sizes`: what each operation costs as data grows, at 0, 1k, 10k and 100k assignments
 * (BENCH_SIZES), in two ways: in the configuration worked on, and in the table overall (the configuration
 * worked on starts empty, another configuration of the same table holds the assignments). Every operation
 * goes through the app behind the local runner, one request at a time, and shows:
 *
 * - the app's storage round trips: calls, and sequential waits (calls in flight together count once),
 *   counted by the proxy of test/helpers/counting-proxy.ts in front of Azurite (a function process of
 *   its own, on a table of its own, since the proxy holds every answer to tell overlapping calls apart);
 * - the app's CPU per request (the function process's own process.cpuUsage(), through bench/ipc.ts) and
 *   its latency, from a second function process talking to Azurite directly;
 * - Azurite's own cost apart: its CPU per request (every thread's scheduler time, from /proc) and the
 *   list's own query sent by a raw client. Azurite answers every query by scanning the whole table in
 *   memory, so its time for a list grows with the table; Azure Table Storage reads a range of one partition.
 *
 * Each size is seeded straight into the table in the store's own layout (docs/consistency.md): rows of the
 * first generation and the marker `~m` with `base` = the size, 100 rows per transaction, four transactions
 * at a time, which is what that many creates leave. The assign actions replace the seeded set, so in the
 * configuration they run last, once per size: of 3 items on the configuration as it is, of 150 on a second
 * configuration seeded with the same size. Writes bench/results/sizes.{json,md,svg}.
 *
 * Env: BENCH_SIZES ("0,1000,10000,100000"), BENCH_SIZE_REPEATS (20: timed requests per operation, size and
 * way), BENCH_SIZE_COUNTED (3: counted requests per operation), BENCH_SIZE_WARMUP (50: requests per operation
 * each fresh function process serves on a configuration of its own first), BENCH_RESULTS_DIR (bench/results).
 */
import { TableClient, type TransactionAction } from '@azure/data-tables';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { freePort, startAzurite, type RunningAzurite } from '../dev/azurite';
import { startCountingProxy, type CountingProxy } from '../test/helpers/counting-proxy';
import { QuietGate, ROOT, startFunctionHost, type FunctionHost } from './harness';
import { processCpuNs } from './procstat';
import { renderSizesChart } from './report';
import { spread, type Spread } from './stats';

const BUNDLE_ROOT = path.join(ROOT, 'dist', 'package');
const OUT = path.resolve(process.env.BENCH_RESULTS_DIR ?? path.join(ROOT, 'bench', 'results'));
const SIZES = (process.env.BENCH_SIZES ?? '0,1000,10000,100000').split(',').map(Number);
const REPEATS = Number(process.env.BENCH_SIZE_REPEATS ?? 20);
const COUNTED = Number(process.env.BENCH_SIZE_COUNTED ?? 3);
/** Requests of each operation a fresh function process serves before anything is measured (JIT, pools, its table's creation). */
const WARMUP = Number(process.env.BENCH_SIZE_WARMUP ?? 50);

/** The operations, in the order they run on a configuration (each one's requests back to back). */
export const OPERATIONS = [
  'create',
  'create with client-request-id',
  'GET one',
  'list, first page',
  'list with $count=true',
  '/$count',
  'PATCH',
  'DELETE',
  '$batch of 3 creates',
  'assign of 3',
  'assign of 150',
] as const;
export type Operation = (typeof OPERATIONS)[number];
const ASSIGNS: readonly Operation[] = ['assign of 3', 'assign of 150'];

/** Where the assignments are: in the configuration worked on, or in another configuration of its table. */
export type Way = 'configuration' | 'table';

export interface OperationFigures {
  /** Sequential waits and calls of each counted request. */
  waits: number[];
  calls: number[];
  /** What the counted requests asked storage, the first one's (for reading where a wait goes). */
  log: string[];
  /** Per timed request: latency and the function process's CPU, ms. */
  latencyMs: Spread;
  cpuMs: Spread;
  /** Azurite's CPU over the timed requests ÷ their number, ms. */
  azuriteCpuMs: number;
  statuses: Record<string, number>;
}

export interface SizeFigures {
  seedMs: number;
  /** What $count=true answered on the last timed list, and the size of the set the assign actions replaced. */
  countSeen: number;
  operations: Partial<Record<Operation, OperationFigures>>;
  /** The list's own storage query (a page of 100 of the current generation) from a raw client, ms. */
  rawListMs: Spread;
}

const label = (n: number) => (n >= 1000 ? `${n / 1000}k` : String(n));
const log = (line: string) => process.stderr.write(`[sizes ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

const group = (groupId: string) => ({ target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId } });
const assignBody = (n: number, tag: string) =>
  JSON.stringify({ enrollmentConfigurationAssignments: Array.from({ length: n }, (_, i) => group(`${tag}-${i}`)) });

/** Rows as the store writes them (src/store/rows.ts), in the first generation, straight into the table. */
async function seed(client: TableClient, partitionKey: string, size: number): Promise<number> {
  const started = performance.now();
  const transactions: TransactionAction[][] = [];
  for (let i = 0; i < size; i += 100) {
    transactions.push(
      Array.from({ length: Math.min(100, size - i) }, (_, j): TransactionAction => {
        const groupId = `seed-${i + j}`;
        return [
          'create',
          {
            partitionKey,
            rowKey: randomUUID(),
            gen: 'g0',
            target: JSON.stringify({
              '@odata.type': '#microsoft.graph.groupAssignmentTarget',
              deviceAndAppManagementAssignmentFilterId: null,
              deviceAndAppManagementAssignmentFilterType: 'none',
              groupId,
            }),
            targetType: '#microsoft.graph.groupAssignmentTarget',
            targetGroupId: groupId,
            source: 'direct',
            createdDateTime: new Date().toISOString(),
          },
        ];
      }),
    );
  }
  const next = async (): Promise<void> => {
    for (let t = transactions.shift(); t; t = transactions.shift()) await client.submitTransaction(t);
  };
  await Promise.all(Array.from({ length: 4 }, next));
  await client.createEntity({ partitionKey, rowKey: '~m', current: 'g0', base: size, pending: '[]', retired: '[]' });
  return performance.now() - started;
}

interface Answer {
  status: number;
  text: string;
  ms: number;
}

/** One request on a kept-alive connection, without a deadline: an assign action over 100k rows takes minutes in Azurite. */
function send(agent: http.Agent, url: string, method: string, body?: string, headers: Record<string, string> = {}): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method,
        agent,
        headers: { Authorization: 'Bearer bench', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text, ms: performance.now() - started }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The requests of one operation on one configuration: what the i-th request sends, and the status it must get. */
interface Step {
  method: string;
  path: string;
  body?: string;
  headers?: Record<string, string>;
  expect: number;
  /** Reads what came back (ids created, the count seen). */
  after?: (a: Answer) => void;
}

/** Builds each operation's i-th request against one configuration, keeping the ids earlier operations created. */
function operationsOn(configurationId: string, tag: string) {
  const collection = `/beta/deviceManagement/deviceEnrollmentConfigurations/${configurationId}/assignments`;
  const created: string[] = [];
  const createdWithId: string[] = [];
  let countSeen = NaN;
  const id = (a: Answer) => (JSON.parse(a.text) as { id: string }).id;
  const steps: Record<Operation, (i: number) => Step> = {
    create: (i) => ({
      method: 'POST',
      path: collection,
      body: JSON.stringify(group(`${tag}-c-${i}`)),
      expect: 201,
      after: (a) => created.push(id(a)),
    }),
    'create with client-request-id': (i) => ({
      method: 'POST',
      path: collection,
      body: JSON.stringify(group(`${tag}-r-${i}`)),
      headers: { 'client-request-id': randomUUID() },
      expect: 201,
      after: (a) => createdWithId.push(id(a)),
    }),
    'GET one': (i) => ({ method: 'GET', path: `${collection}/${created[i % created.length]}`, expect: 200 }),
    'list, first page': () => ({ method: 'GET', path: collection, expect: 200 }),
    'list with $count=true': () => ({
      method: 'GET',
      path: `${collection}?$count=true`,
      expect: 200,
      after: (a) => (countSeen = (JSON.parse(a.text) as { '@odata.count': number })['@odata.count']),
    }),
    '/$count': () => ({ method: 'GET', path: `${collection}/$count`, expect: 200 }),
    PATCH: (i) => ({
      method: 'PATCH',
      path: `${collection}/${created[i % created.length]}`,
      body: JSON.stringify({ sourceId: `${tag}-patched-${i}` }),
      expect: 200,
    }),
    DELETE: () => ({ method: 'DELETE', path: `${collection}/${createdWithId.shift()}`, expect: 204 }),
    '$batch of 3 creates': (i) => ({
      method: 'POST',
      path: '/beta/$batch',
      body: JSON.stringify({
        requests: [1, 2, 3].map((n) => ({
          id: String(n),
          method: 'POST',
          url: collection.replace('/beta', ''),
          headers: { 'Content-Type': 'application/json' },
          body: group(`${tag}-b-${i}-${n}`),
        })),
      }),
      expect: 200,
      after: (a) => {
        const statuses = (JSON.parse(a.text) as { responses: Array<{ status: number }> }).responses.map((r) => r.status);
        if (statuses.some((s) => s !== 201)) throw new Error(`$batch items answered ${statuses.join(', ')}`);
      },
    }),
    'assign of 3': (i) => ({
      method: 'POST',
      path: collection.replace(/\/assignments$/, '/assign'),
      body: assignBody(3, `${tag}-a3-${i}`),
      expect: 204,
    }),
    'assign of 150': (i) => ({
      method: 'POST',
      path: collection.replace(/\/assignments$/, '/assign'),
      body: assignBody(150, `${tag}-a150-${i}`),
      expect: 204,
    }),
  };
  return { steps, countSeen: () => countSeen };
}

/** A function process of its own, and what it costs: through the counting proxy, or timed on Azurite directly. */
interface AppUnderTest {
  host: FunctionHost;
  agent: http.Agent;
  run(step: Step): Promise<Answer>;
}

async function startApp(connectionString: string, table: string): Promise<AppUnderTest> {
  const host = await startFunctionHost(connectionString, table, BUNDLE_ROOT);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  return {
    host,
    agent,
    async run(step) {
      const a = await send(agent, `${host.url}${step.path}`, step.method, step.body, step.headers);
      if (a.status !== step.expect) throw new Error(`${step.method} ${step.path}: ${a.status} ${a.text.slice(0, 300)}`);
      step.after?.(a);
      return a;
    },
  };
}

/** Every operation `times` times on a configuration of its own, so that what is measured runs warm code. */
async function warmUp(app: AppUnderTest, times: number): Promise<void> {
  const { steps } = operationsOn('warm-up', 'w');
  for (const op of OPERATIONS) for (let i = 0; i < times; i++) await app.run(steps[op](i));
}

async function stopApp(app: AppUnderTest): Promise<void> {
  app.agent.destroy();
  await app.host.worker.stop();
}

/** What one process.cpuUsage() read over IPC costs the function process itself, taken off each request's CPU. */
async function ipcOverheadMs(host: FunctionHost): Promise<number> {
  const samples: number[] = [];
  let last = (await host.usage()).cpuMs;
  for (let i = 0; i < 30; i++) {
    const now = (await host.usage()).cpuMs;
    samples.push(now - last);
    last = now;
  }
  return spread(samples).median;
}

interface Timed {
  latency: number[];
  cpu: number[];
  azuriteNs: number;
  statuses: Record<string, number>;
}

/** Runs `count` requests of one operation one at a time, each with its latency and the function process's CPU. */
async function timedBlock(
  app: AppUnderTest,
  azurite: RunningAzurite,
  overheadMs: number,
  make: (i: number) => Step,
  count: number,
): Promise<Timed> {
  const out: Timed = { latency: [], cpu: [], azuriteNs: 0, statuses: {} };
  const az0 = processCpuNs(azurite.process.pid) ?? NaN;
  for (let i = 0; i < count; i++) {
    const step = make(i);
    const before = (await app.host.usage()).cpuMs;
    const a = await app.run(step);
    const after = (await app.host.usage()).cpuMs;
    out.latency.push(a.ms);
    out.cpu.push(Math.max(0, after - before - overheadMs));
    out.statuses[a.status] = (out.statuses[a.status] ?? 0) + 1;
  }
  out.azuriteNs = (processCpuNs(azurite.process.pid) ?? NaN) - az0;
  return out;
}

/** The suite of operations on one configuration: counted through the proxy by one app, timed by the other. */
async function suite(
  ways: { counted: AppUnderTest; timed: AppUnderTest; proxy: CountingProxy; azurite: RunningAzurite; overheadMs: number },
  configurationId: string,
  operations: readonly Operation[],
  repeats: (op: Operation) => { counted: number; timed: number },
  tag: string,
): Promise<{ figures: Partial<Record<Operation, OperationFigures>>; countSeen: number }> {
  const counted = operationsOn(configurationId, `${tag}-n`);
  const timed = operationsOn(configurationId, `${tag}-t`);
  const figures: Partial<Record<Operation, OperationFigures>> = {};
  for (const op of operations) {
    const n = repeats(op);
    const waits: number[] = [];
    const calls: number[] = [];
    let firstLog: string[] = [];
    for (let i = 0; i < n.counted; i++) {
      const cost = await ways.proxy.measure(() => ways.counted.run(counted.steps[op](i)));
      waits.push(cost.waits);
      calls.push(cost.calls);
      if (i === 0) firstLog = cost.log;
    }
    const t = await timedBlock(ways.timed, ways.azurite, ways.overheadMs, timed.steps[op], n.timed);
    figures[op] = {
      waits,
      calls,
      log: firstLog.length > 40 ? [...firstLog.slice(0, 20), `… ${firstLog.length - 40} more …`, ...firstLog.slice(-20)] : firstLog,
      latencyMs: spread(t.latency),
      cpuMs: spread(t.cpu),
      azuriteCpuMs: t.azuriteNs / 1e6 / Math.max(1, n.timed),
      statuses: t.statuses,
    };
  }
  return { figures, countSeen: timed.countSeen() };
}

/** The list's own storage query from a raw client: what Azurite alone takes for it at this size. */
async function rawList(client: TableClient, partitionKey: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const started = performance.now();
    const pages = client
      .listEntities({ queryOptions: { filter: `PartitionKey eq '${partitionKey}' and gen eq 'g0'` } })
      .byPage({ maxPageSize: 100 });
    await pages.next();
    out.push(performance.now() - started);
  }
  return out;
}

async function main(): Promise<void> {
  const started = Date.now();
  const loadavgStart = os.loadavg();
  const azurite = await startAzurite({ tablePort: await freePort() });
  const proxy = await startCountingProxy(azurite.tablePort);
  const quiet = new QuietGate(Number(process.env.BENCH_QUIET_BUDGET_MS ?? 60_000), 0);
  const results: Record<Way, Record<string, SizeFigures>> = { configuration: {}, table: {} };
  const ipcOverhead: number[] = [];
  try {
    for (const size of SIZES) {
      // Each app its own table, seeded alike, deleted after: the counting app's writes never reach the timed one's.
      const tables = { counted: `SizesCounted${size}`, timed: `SizesTimed${size}` };
      const clients = {
        counted: TableClient.fromConnectionString(azurite.connectionString, tables.counted, { allowInsecureConnection: true }),
        timed: TableClient.fromConnectionString(azurite.connectionString, tables.timed, { allowInsecureConnection: true }),
      };
      let seedMs = 0;
      for (const c of Object.values(clients)) {
        await c.createTable();
        seedMs = await seed(c, 'big', size);
      }
      log(`${label(size)}: seeded ${size} assignments into each table in ${(seedMs / 1000).toFixed(1)} s`);
      const counted = await startApp(proxy.connectionString, tables.counted);
      const timed = await startApp(azurite.connectionString, tables.timed);
      try {
        // The counting app only needs its first-request work (creating its table handle) done; the timed one warm code.
        await Promise.all([warmUp(counted, 1), warmUp(timed, WARMUP)]);
        const overheadMs = await ipcOverheadMs(timed.host);
        ipcOverhead.push(overheadMs);
        const ways = { counted, timed, proxy, azurite, overheadMs };
        await quiet.wait();

        // In the table: a configuration of its own, the seeded one beside it. Every operation repeats here.
        const inTable = await suite(ways, 'small', OPERATIONS, () => ({ counted: COUNTED, timed: REPEATS }), `t${size}`);
        results.table[String(size)] = {
          seedMs,
          countSeen: inTable.countSeen,
          operations: inTable.figures,
          rawListMs: spread(await rawList(clients.timed, 'small')),
        };
        log(`${label(size)} in the table: ${summary(inTable.figures)}`);

        // In the configuration: the seeded one. The assign actions replace it, so they run once each, on a set of this size.
        const rawListMs = spread(await rawList(clients.timed, 'big'));
        const inConfiguration = await suite(
          ways,
          'big',
          OPERATIONS.filter((o) => !ASSIGNS.includes(o)),
          () => ({ counted: COUNTED, timed: REPEATS }),
          `c${size}`,
        );
        const once = () => ({ counted: 1, timed: 1 });
        const assign3 = await suite(ways, 'big', ['assign of 3'], once, `c${size}`);
        for (const c of Object.values(clients)) await seed(c, 'big2', size);
        const assign150 = await suite(ways, 'big2', ['assign of 150'], once, `c${size}`);
        results.configuration[String(size)] = {
          seedMs,
          countSeen: inConfiguration.countSeen,
          operations: { ...inConfiguration.figures, ...assign3.figures, ...assign150.figures },
          rawListMs,
        };
        log(`${label(size)} in the configuration: ${summary(results.configuration[String(size)]!.operations)}`);
      } finally {
        await stopApp(counted);
        await stopApp(timed);
        for (const c of Object.values(clients)) await c.deleteTable();
      }
    }
  } finally {
    await proxy.stop();
    await azurite.stop();
  }
  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    loadavgStart,
    loadavgEnd: os.loadavg(),
    durationS: (Date.now() - started) / 1000,
    quietWaitS: quiet.waitedMs / 1000,
    ipcOverheadMs: ipcOverhead,
    sizes: SIZES,
    repeats: REPEATS,
    counted: COUNTED,
  };
  mkdirSync(OUT, { recursive: true });
  writeFileSync(path.join(OUT, 'sizes.json'), `${JSON.stringify({ meta, results }, null, 2)}\n`);
  const md = renderSizesMarkdown(meta, results);
  writeFileSync(path.join(OUT, 'sizes.md'), md);
  writeFileSync(
    path.join(OUT, 'sizes.svg'),
    renderSizesChart(
      SIZES.map(label),
      OPERATIONS.filter((o) => !ASSIGNS.includes(o)).map((o) => ({
        name: o,
        app: SIZES.map((s) => results.configuration[String(s)]!.operations[o]!.cpuMs),
        azurite: SIZES.map((s) => results.configuration[String(s)]!.operations[o]!.azuriteCpuMs),
      })),
    ),
  );
  process.stdout.write(md);
}

function summary(ops: Partial<Record<Operation, OperationFigures>>): string {
  return Object.entries(ops)
    .map(([o, f]) => `${o} ${median(f.waits)} waits, ${f.cpuMs.median.toFixed(2)} ms CPU, ${f.latencyMs.median.toFixed(1)} ms`)
    .join('; ');
}

const median = (xs: number[]) => spread(xs).median;

/** "waits (calls)", with the range when the counted requests differed. */
function trips(f: OperationFigures | undefined): string {
  if (!f) return 'n/a';
  const w = spread(f.waits);
  const c = spread(f.calls);
  const one = (s: Spread) => (s.min === s.max ? String(s.min) : `${s.min}–${s.max}`);
  return `${one(w)} (${one(c)})`;
}

function renderSizesMarkdown(
  meta: {
    date: string;
    node: string;
    cores: number;
    loadavgStart: number[];
    loadavgEnd: number[];
    durationS: number;
    ipcOverheadMs: number[];
  },
  results: Record<Way, Record<string, SizeFigures>>,
): string {
  const sizes = SIZES.map(String);
  const header = (what: string) => [
    `| ${what} | ${sizes.map((s) => `${label(Number(s))} in the configuration`).join(' | ')} | ${sizes.map((s) => `${label(Number(s))} in the table`).join(' | ')} |`,
    `|---|${sizes.map(() => '---:').join('|')}|${sizes.map(() => '---:').join('|')}|`,
  ];
  const row = (op: Operation, cell: (f: OperationFigures | undefined) => string) =>
    `| ${op} | ${sizes.map((s) => cell(results.configuration[s]?.operations[op])).join(' | ')} | ${sizes.map((s) => cell(results.table[s]?.operations[op])).join(' | ')} |`;
  const ms = (v: number, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');
  const spreadCell = (s: Spread | undefined, d = 2) => (s ? `${ms(s.median, d)} (${ms(s.min, d)}–${ms(s.max, d)})` : 'n/a');
  const lines = [
    `# Cost against data size`,
    '',
    `${meta.date.slice(0, 16).replace('T', ' ')} UTC; Node ${meta.node}, ${meta.cores} cores, Azurite in memory; load average ${meta.loadavgStart.map((v) => v.toFixed(1)).join('/')} at the start, ` +
      `${meta.loadavgEnd.map((v) => v.toFixed(1)).join('/')} at the end; ${meta.durationS.toFixed(0)} s. "In the configuration": the configuration worked on holds that many ` +
      `assignments. "In the table": it starts empty, and another configuration of its table holds them. The app: dist/package behind the local runner, deployed settings, one request at a time. ` +
      `Each operation: ${COUNTED} requests counted through the proxy, ${REPEATS} timed (the assign actions in the configuration: one of each, since each replaces the set).`,
    '',
    '## Storage round trips: sequential waits (calls)',
    '',
    `Counted by test/helpers/counting-proxy.ts in front of Azurite, one function process that had not touched the configuration before its first request ` +
      `(a range where the counted requests differed: the first of an operation in a configuration this instance has not read yet costs one more).`,
    '',
    ...header('operation'),
    ...OPERATIONS.map((op) => row(op, trips)),
    '',
    '## The app: CPU per request, ms',
    '',
    `The function process's own process.cpuUsage() around each request, median (min–max), less what the IPC read itself costs (median ${ms(median(meta.ipcOverheadMs), 3)} ms).`,
    '',
    ...header('operation'),
    ...OPERATIONS.map((op) => row(op, (f) => spreadCell(f?.cpuMs, 3))),
    '',
    '## Latency, ms',
    '',
    'Median (min–max), from the bench process, one request at a time on a kept-alive connection.',
    '',
    ...header('operation'),
    ...OPERATIONS.map((op) => row(op, (f) => spreadCell(f?.latencyMs, 1))),
    '',
    "## Azurite's own cost",
    '',
    "Azurite's CPU per request, ms (every thread's scheduler time over the timed requests ÷ their number), and the list's own query (a page of 100 of the current generation) from a raw client.",
    '',
    ...header('operation'),
    ...OPERATIONS.map((op) => row(op, (f) => (f ? ms(f.azuriteCpuMs, 2) : 'n/a'))),
    `| raw client: the list's query, ms | ${sizes.map((s) => spreadCell(results.configuration[s]?.rawListMs, 1)).join(' | ')} | ${sizes.map((s) => spreadCell(results.table[s]?.rawListMs, 1)).join(' | ')} |`,
    '',
    `$count=true answered (the size plus the bench's own creates): ${sizes.map((s) => `${label(Number(s))}: ${results.configuration[s]?.countSeen} in the configuration, ${results.table[s]?.countSeen} in the table`).join('; ')}.`,
    '',
  ];
  return lines.join('\n');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
