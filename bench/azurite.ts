/**
 * The Azurite that `npm start` runs (dev/azurite-server.mts, "embedded") with a data folder, as ratios
 * from one run:
 *
 * - `npm run bench:azurite`: raw inserts (`createEntity`, C closed loops) into the embedded server and
 *   into stock Azurite (its own entry point), each with a data folder of its own, at several numbers of
 *   stored rows. Embedded ÷ stock at each size, and each server at N rows ÷ itself empty: both stay near
 *   1 while a write's cost does not grow with what is stored. Writes bench/results/azurite.{json,md}.
 * - `npm run bench:azurite-crash`: what a crash of the embedded server loses. A writer inserts at a
 *   steady rate; at a random moment the Azurite process alone is killed (SIGKILL); it is started again on
 *   the same folder and every acknowledged write is looked for. Per round: writes acknowledged, those
 *   missing after the restart, and the age at the kill of the oldest missing one (the window). Writes
 *   bench/results/azurite-crash.{json,md}.
 *
 * Settings: BENCH_AZURITE_SIZES (0,5000,20000,50000), BENCH_AZURITE_INSERTS (1000 a round),
 * BENCH_AZURITE_ROUNDS (3), BENCH_CRASH_SIZES (0,20000), BENCH_CRASH_ROUNDS (8), BENCH_CRASH_RATE (200 writes/s).
 */
import { TableClient, type TableEntity, type TransactionAction } from '@azure/data-tables';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { azuriteConnectionString, freePort, startAzurite, type RunningAzurite } from '../dev/azurite';
import { benchEntity } from './entity';
import { spread, type Spread } from './stats';

const ROOT = path.resolve(__dirname, '..', '..');
const OUT = path.join(ROOT, 'bench', 'results');
const TABLE = 'benchAzurite';
const numbers = (name: string, fallback: string) => (process.env[name] ?? fallback).split(',').map(Number);
const setting = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

/** A table server with a data folder, however it is run. */
interface Server {
  name: string;
  connectionString: string;
  pid: number;
  stop(): Promise<void>;
}

async function startEmbedded(location: string): Promise<Server & { azurite: RunningAzurite }> {
  const azurite = await startAzurite({ tablePort: await freePort(), location });
  return { name: 'embedded', connectionString: azurite.connectionString, pid: azurite.process.pid!, stop: () => azurite.stop(), azurite };
}

/** Stock Azurite's own table entry point, as `azurite-table` runs it, on loopback and without telemetry. */
async function startStock(location: string): Promise<Server> {
  const port = await freePort();
  const main = path.join(path.dirname(require.resolve('azurite/package.json')), 'dist', 'src', 'table', 'main.js');
  const args = ['--disableTelemetry', '--skipApiVersionCheck', '--silent', '--tableHost', '127.0.0.1', '--tablePort', String(port)];
  const child: ChildProcess = spawn(process.execPath, [main, ...args, '--location', location], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`stock Azurite did not start:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('successfully started')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`stock Azurite exited with ${code}:\n${output}`));
    });
  });
  return {
    name: 'stock',
    connectionString: azuriteConnectionString(port),
    pid: child.pid!,
    // Its one SIGINT saves and exits (a second would kill it unsaved).
    stop: async () => {
      child.kill('SIGINT');
      await exited;
    },
  };
}

const client = (server: Server) => TableClient.fromConnectionString(server.connectionString, TABLE, { allowInsecureConnection: true });

/** Rows in batches of 100 (one transaction each, four in flight), in partitions of their own. */
async function fill(table: TableClient, from: number, to: number): Promise<void> {
  const batches: TransactionAction[][] = [];
  for (let i = from; i < to; i += 100) {
    const partition = `fill-${i}`;
    batches.push(Array.from({ length: Math.min(100, to - i) }, (): TransactionAction => ['create', benchEntity(partition)]));
  }
  for (let i = 0; i < batches.length; i += 4) await Promise.all(batches.slice(i, i + 4).map((b) => table.submitTransaction(b)));
}

/** Inserts per second: `count` createEntity calls from `concurrency` closed loops. */
async function insertRate(table: TableClient, count: number, concurrency = 16): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < count) await table.createEntity(benchEntity('measure'));
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

interface SizeRow {
  rows: number;
  embedded: Spread;
  stock: Spread;
  /** Median of the per-round ratios embedded ÷ stock (rounds run side by side). */
  embeddedOverStock: number;
  embeddedOverEmpty: number;
  stockOverEmpty: number;
}

const median = (values: number[]) => spread(values).median;
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const machine = () => `${os.cpus().length} CPUs, Node ${process.version}, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`;

async function sizes(): Promise<void> {
  const targets = numbers('BENCH_AZURITE_SIZES', '0,5000,20000,50000');
  const count = setting('BENCH_AZURITE_INSERTS', 1000);
  const rounds = setting('BENCH_AZURITE_ROUNDS', 3);
  const work = mkdtempSync(path.join(os.tmpdir(), 'bench-azurite-'));
  const servers = [await startEmbedded(path.join(work, 'embedded')), await startStock(path.join(work, 'stock'))];
  const tables = servers.map(client);
  const stored = servers.map(() => 0);
  const rows: SizeRow[] = [];
  try {
    await Promise.all(tables.map((t) => t.createTable()));
    // Warm-up, not counted: the first inserts pay for connections and the JIT on both sides.
    for (const table of tables) await insertRate(table, 300);
    stored.fill(300);
    for (const target of targets) {
      for (const [i, table] of tables.entries()) {
        if (stored[i]! < target) await fill(table, stored[i]!, target);
        stored[i] = Math.max(stored[i]!, target);
      }
      const rates: number[][] = [[], []];
      for (let r = 0; r < rounds; r++) {
        for (const [i, table] of tables.entries()) {
          rates[i]!.push(await insertRate(table, count));
          stored[i]! += count;
        }
      }
      const [embedded, stock] = rates as [number[], number[]];
      rows.push({
        rows: target,
        embedded: spread(embedded),
        stock: spread(stock),
        embeddedOverStock: median(embedded.map((e, r) => e / stock[r]!)),
        embeddedOverEmpty: median(embedded) / (rows[0]?.embedded.median ?? median(embedded)),
        stockOverEmpty: median(stock) / (rows[0]?.stock.median ?? median(stock)),
      });
      const last = rows[rows.length - 1]!;
      console.log(
        `${fmt(target)} rows: embedded ${fmt(last.embedded.median)}/s, stock ${fmt(last.stock.median)}/s, ` +
          `embedded ÷ stock ${fmt(last.embeddedOverStock, 2)}, embedded ÷ empty ${fmt(last.embeddedOverEmpty, 2)}`,
      );
    }
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(work, { recursive: true, force: true });
  }
  const md = [
    '# Raw inserts into the embedded Azurite and stock Azurite, by rows stored',
    '',
    `Output of \`npm run bench:azurite\`: ${rounds} rounds of ${fmt(count)} \`createEntity\` calls (16 closed loops) per server and size, ` +
      `the two servers' rounds side by side, each server with a data folder of its own; ${machine()}.`,
    '"rows" is what the table holds when the size\'s rounds start. Inserts/s: median (min–max).',
    '',
    '| rows | embedded inserts/s | stock inserts/s | embedded ÷ stock | embedded ÷ embedded empty | stock ÷ stock empty |',
    '|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${fmt(r.rows)} | ${fmt(r.embedded.median)} (${fmt(r.embedded.min)}–${fmt(r.embedded.max)}) | ` +
        `${fmt(r.stock.median)} (${fmt(r.stock.min)}–${fmt(r.stock.max)}) | ${fmt(r.embeddedOverStock, 2)} | ` +
        `${fmt(r.embeddedOverEmpty, 2)} | ${fmt(r.stockOverEmpty, 2)} |`,
    ),
    '',
    'Both ratio columns stay near 1 while a write costs the same whatever is stored. Before the embedded server',
    'stopped holding each answer until LokiJS had saved the whole data file, the same measurement gave 380 inserts/s',
    'empty, 150/s at 5k rows, 37/s at 20k and 22/s at 50k.',
    '',
  ].join('\n');
  write('azurite', { rounds, count, rows }, md);
}

interface CrashRound {
  rows: number;
  /** When the kill came, in ms after the writer started. */
  killedAtMs: number;
  acknowledged: number;
  lost: number;
  /** Age at the kill of the oldest acknowledged write that was missing afterwards; 0 when none was. */
  windowMs: number;
  /** Acknowledged writes missing while a later-acknowledged one survived: a loss that is not just the last seconds. */
  holes: number;
}

/**
 * Writes at `rate` a second (each write's answer time kept) until `killAfterMs`, then kills the
 * Azurite process alone and returns the answer times by row key and when it was killed.
 */
async function writeUntilKilled(azurite: RunningAzurite, table: TableClient, partition: string, rate: number, killAfterMs: number) {
  const acknowledged = new Map<string, number>();
  const inFlight = new Set<Promise<void>>();
  const started = performance.now();
  let sent = 0;
  let killedAt = 0;
  while (!killedAt) {
    const now = performance.now() - started;
    if (now >= killAfterMs) {
      killedAt = performance.now();
      azurite.process.kill('SIGKILL');
      break;
    }
    for (; sent < (now / 1000) * rate && inFlight.size < 256; sent++) {
      const entity = benchEntity(partition);
      const write: Promise<void> = table
        .createEntity(entity)
        .then(
          () => void acknowledged.set(entity.rowKey, performance.now()),
          () => undefined,
        )
        .finally(() => inFlight.delete(write));
      inFlight.add(write);
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await azurite.exited;
  await Promise.all(inFlight);
  // An answer that came after the kill was on its way before it: still an acknowledged write.
  return { acknowledged, killedAt, killedAtMs: killedAt - started };
}

async function crash(): Promise<void> {
  const sizesToTry = numbers('BENCH_CRASH_SIZES', '0,20000');
  const roundsPerSize = setting('BENCH_CRASH_ROUNDS', 8);
  const rate = setting('BENCH_CRASH_RATE', 200);
  const rounds: CrashRound[] = [];
  const fileSizes: Record<number, number> = {};
  for (const rows of sizesToTry) {
    const work = mkdtempSync(path.join(os.tmpdir(), 'bench-azurite-crash-'));
    const location = path.join(work, 'data');
    mkdirSync(location);
    try {
      // The fill is saved by an orderly stop before the first round, so a round can only lose its own writes.
      let azurite = await startAzurite({ tablePort: await freePort(), location });
      let table = TableClient.fromConnectionString(azurite.connectionString, TABLE, { allowInsecureConnection: true });
      await table.createTable();
      await fill(table, 0, rows);
      await azurite.stop();
      fileSizes[rows] = statSync(path.join(location, '__azurite_db_table__.json')).size;
      for (let round = 0; round < roundsPerSize; round++) {
        azurite = await startAzurite({ tablePort: await freePort(), location });
        // No retries: a write the dead server did not answer is simply not acknowledged.
        table = TableClient.fromConnectionString(azurite.connectionString, TABLE, {
          allowInsecureConnection: true,
          retryOptions: { maxRetries: 0 },
        });
        const partition = `crash-${round}`;
        // Uniform over two autosave periods after the first two seconds, so kills land at every phase of the 5 s cycle.
        const killAfterMs = 2000 + Math.random() * 10_000;
        const { acknowledged, killedAt, killedAtMs } = await writeUntilKilled(azurite, table, partition, rate, killAfterMs);
        const after = await startAzurite({ tablePort: await freePort(), location });
        const reader = TableClient.fromConnectionString(after.connectionString, TABLE, { allowInsecureConnection: true });
        const present = new Set<string>();
        for await (const e of reader.listEntities<TableEntity>({
          queryOptions: { filter: `PartitionKey eq '${partition}'`, select: ['RowKey'] },
        })) {
          present.add(e.rowKey);
        }
        await after.stop();
        const missing = [...acknowledged].filter(([key]) => !present.has(key)).map(([, at]) => at);
        const newestKept = Math.max(0, ...[...acknowledged].filter(([key]) => present.has(key)).map(([, at]) => at));
        const result: CrashRound = {
          rows,
          killedAtMs: Math.round(killedAtMs),
          acknowledged: acknowledged.size,
          lost: missing.length,
          windowMs: missing.length ? Math.round(killedAt - Math.min(...missing)) : 0,
          holes: missing.filter((at) => at < newestKept).length,
        };
        rounds.push(result);
        console.log(
          `${fmt(rows)} rows, round ${round + 1}: killed ${fmt(result.killedAtMs)} ms in, ${fmt(result.acknowledged)} acknowledged, ` +
            `${fmt(result.lost)} lost, oldest lost ${fmt(result.windowMs)} ms before the kill`,
        );
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  const bySize = sizesToTry.map((rows) => {
    const these = rounds.filter((r) => r.rows === rows);
    return { rows, these, lost: spread(these.map((r) => r.lost)), window: spread(these.map((r) => r.windowMs)) };
  });
  const md = [
    '# What a crash of the embedded Azurite loses',
    '',
    `Output of \`npm run bench:azurite-crash\`: a writer inserts ${rate} rows a second into the Azurite that \`npm start\` runs ` +
      `(dev/azurite-server.mts, with a data folder); at a random moment 2-12 s in, that process alone gets SIGKILL; it is ` +
      `started again on the same folder and every write that had been answered is looked for; ${machine()}.`,
    '"window": how long before the kill the oldest missing answered write was answered. "holes": missing writes answered',
    'before one that survived (0: only the last writes are lost).',
    '',
    '| rows stored | data file | rounds | answered writes lost per round, median (min–max) | window ms, median (min–max) | holes |',
    '|---:|---:|---:|---:|---:|---:|',
    ...bySize.map(
      (s) =>
        `| ${fmt(s.rows)} | ${fmt((fileSizes[s.rows] ?? 0) / 1024 / 1024, 1)} MB | ${s.these.length} | ` +
        `${fmt(s.lost.median)} (${fmt(s.lost.min)}–${fmt(s.lost.max)}) | ${fmt(s.window.median)} (${fmt(s.window.min)}–${fmt(s.window.max)}) | ` +
        `${s.these.reduce((n, r) => n + r.holes, 0)} |`,
    ),
    '',
    '| rows stored | killed at ms | answered | lost | window ms |',
    '|---:|---:|---:|---:|---:|',
    ...rounds.map((r) => `| ${fmt(r.rows)} | ${fmt(r.killedAtMs)} | ${fmt(r.acknowledged)} | ${fmt(r.lost)} | ${fmt(r.windowMs)} |`),
    '',
  ].join('\n');
  write('azurite-crash', { rate, rounds, fileSizes }, md);
}

function write(name: string, json: unknown, md: string): void {
  mkdirSync(OUT, { recursive: true });
  writeFileSync(path.join(OUT, `${name}.json`), JSON.stringify(json, null, 2) + '\n');
  writeFileSync(path.join(OUT, `${name}.md`), md);
  console.log(`\n${md}\nWritten: bench/results/${name}.md and .json`);
}

const mode = process.argv[2];
(mode === 'crash' ? crash() : mode === 'sizes' ? sizes() : Promise.reject(new Error('usage: azurite.js sizes|crash'))).catch(
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
