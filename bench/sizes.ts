/**
 * `npm run bench:sizes`: what each operation costs against the size of the configuration it works on
 * (issue 11): list (first page of 100), $count=true, create, GET, and an assign action of 100 items, at
 * 0, 1k, 10k and 100k assignments (BENCH_SIZES to change). One Azurite in memory, the app behind the
 * local runner, one request at a time (latency, not throughput). Writes bench/results/sizes.{json,md,svg}.
 *
 * Each configuration is seeded straight into the table in the store's own layout (rows of generation
 * g0, the marker holding the size: docs/consistency.md), which is what that many creates leave.
 */
import { TableClient, type TransactionAction } from '@azure/data-tables';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, startAzurite } from '../dev/azurite';
import { startRunnerApp } from './harness';
import { renderSizeChart } from './report';
import { spread, type Spread } from './stats';

const ROOT = path.resolve(__dirname, '..', '..');
const OUT = path.join(ROOT, 'bench', 'results');
const sizes = (process.env.BENCH_SIZES ?? '0,1000,10000,100000').split(',').map(Number);
const REPEATS = Number(process.env.BENCH_SIZE_REPEATS ?? 15);
const TABLE = 'benchSizes';
const headers = { 'Content-Type': 'application/json', Authorization: 'Bearer bench' };
const group = (groupId: string) => ({ target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId } });

async function seed(client: TableClient, cfg: string, size: number): Promise<void> {
  const batches: TransactionAction[][] = [];
  for (let i = 0; i < size; i += 100) {
    batches.push(
      Array.from({ length: Math.min(100, size - i) }, (_, j): TransactionAction => [
        'create',
        {
          partitionKey: cfg,
          rowKey: randomUUID(),
          gen: 'g0',
          target: JSON.stringify({
            '@odata.type': '#microsoft.graph.groupAssignmentTarget',
            deviceAndAppManagementAssignmentFilterId: null,
            deviceAndAppManagementAssignmentFilterType: 'none',
            groupId: `seed-${i + j}`,
          }),
          targetType: '#microsoft.graph.groupAssignmentTarget',
          targetGroupId: `seed-${i + j}`,
          source: 'direct',
          createdDateTime: new Date().toISOString(),
        },
      ]),
    );
  }
  for (let i = 0; i < batches.length; i += 4) await Promise.all(batches.slice(i, i + 4).map((b) => client.submitTransaction(b)));
  await client.createEntity({ partitionKey: cfg, rowKey: '~m', current: 'g0', base: size, pending: '[]', retired: '[]' });
}

async function timed(url: string, init?: RequestInit): Promise<{ ms: number; status: number; body: any }> {
  const started = performance.now();
  const r = await fetch(url, { ...init, headers });
  const text = await r.text();
  return { ms: performance.now() - started, status: r.status, body: text ? JSON.parse(text) : undefined };
}

const OPERATIONS = ['list (first page of 100)', '$count=true', 'create', 'get', 'assign (100 items)'] as const;
type Operation = (typeof OPERATIONS)[number];

async function main(): Promise<void> {
  const azurite = await startAzurite({ tablePort: await freePort() });
  const app = await startRunnerApp(azurite.connectionString, TABLE);
  const client = TableClient.fromConnectionString(azurite.connectionString, TABLE, { allowInsecureConnection: true });
  await client.createTable();
  const results: Record<string, Record<Operation, Spread> & { seedMs: number; count: number; staleAfterAssign: number }> = {};
  try {
    for (const size of sizes) {
      const cfg = `size-${size}`;
      const seeded = Date.now();
      await seed(client, cfg, size);
      const seedMs = Date.now() - seeded;
      const collection = `${app.url}/beta/deviceManagement/deviceEnrollmentConfigurations/${cfg}/assignments`;
      const ms: Record<Operation, number[]> = Object.fromEntries(OPERATIONS.map((o) => [o, []])) as unknown as Record<Operation, number[]>;
      const check = (r: { status: number }, want: number, what: string) => {
        if (r.status !== want) throw new Error(`${what} at ${size}: ${r.status}`);
      };
      let count = NaN;
      let someId = '';
      for (let i = 0; i < REPEATS; i++) {
        const page = await timed(`${collection}?$top=100`);
        check(page, 200, 'list');
        ms['list (first page of 100)'].push(page.ms);
        const counted = await timed(`${collection}?$count=true&$top=1`);
        check(counted, 200, '$count');
        count = counted.body['@odata.count'];
        ms['$count=true'].push(counted.ms);
        const created = await timed(collection, { method: 'POST', body: JSON.stringify(group(`bench-${i}`)) });
        check(created, 201, 'create');
        someId = created.body.id;
        ms.create.push(created.ms);
        const got = await timed(`${collection}/${someId}`);
        check(got, 200, 'get');
        ms.get.push(got.ms);
      }
      // Last: an assign action replaces the set, so each size gets one (with its sweep) and a few more on the small set it leaves.
      const assignUrl = collection.replace(/\/assignments$/, '/assign');
      const body = JSON.stringify({ enrollmentConfigurationAssignments: Array.from({ length: 100 }, (_, i) => group(`assigned-${i}`)) });
      const first = await timed(assignUrl, { method: 'POST', body });
      check(first, 204, 'assign');
      ms['assign (100 items)'].push(first.ms);
      let staleAfterAssign = 0;
      for await (const _ of client.listEntities({
        queryOptions: { filter: `PartitionKey eq '${cfg}' and gen eq 'g0'`, select: ['RowKey'] },
      }))
        staleAfterAssign++;
      results[String(size)] = {
        ...(Object.fromEntries(OPERATIONS.map((o) => [o, spread(ms[o])])) as Record<Operation, Spread>),
        seedMs,
        count,
        staleAfterAssign,
      };
      process.stderr.write(
        `${size}: ${OPERATIONS.map((o) => `${o} ${results[String(size)]![o].median.toFixed(1)} ms`).join(', ')}; $count ${count}; old rows left after assign ${staleAfterAssign}\n`,
      );
    }
  } finally {
    app.stop();
    await azurite.stop();
  }
  const label = (n: number) => (n >= 1000 ? `${n / 1000}k` : String(n));
  const header = `| operation | ${sizes.map((s) => `${label(s)} assignments`).join(' | ')} |`;
  const rows = OPERATIONS.map(
    (o) =>
      `| ${o} | ${sizes
        .map((s) => {
          const f = results[String(s)]![o];
          return o.startsWith('assign') ? f.median.toFixed(1) : `${f.median.toFixed(1)} (${f.min.toFixed(1)}–${f.max.toFixed(1)})`;
        })
        .join(' | ')} |`,
  );
  const md = [
    `Latency in ms, median (min–max) of ${REPEATS} sequential requests (assign: one call, including its sweep of the replaced set for up to 4 s), ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} CPUs, Node ${process.version}, Azurite in memory.`,
    '',
    header,
    `|---|${sizes.map(() => '---:').join('|')}|`,
    ...rows,
    `| $count answered on the last round (the size + ${REPEATS - 1} bench creates) | ${sizes.map((s) => results[String(s)]!.count).join(' | ')} |`,
    `| replaced rows left after that assign | ${sizes.map((s) => results[String(s)]!.staleAfterAssign).join(' | ')} |`,
  ].join('\n');
  mkdirSync(OUT, { recursive: true });
  writeFileSync(path.join(OUT, 'sizes.json'), JSON.stringify({ sizes, repeats: REPEATS, results }, null, 2));
  writeFileSync(path.join(OUT, 'sizes.md'), `${md}\n`);
  writeFileSync(
    path.join(OUT, 'sizes.svg'),
    renderSizeChart(
      sizes.map(label),
      OPERATIONS.map((o) => ({ name: o, points: sizes.map((s) => results[String(s)]![o]) })),
    ),
  );
  process.stdout.write(`${md}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
