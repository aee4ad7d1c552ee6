/**
 * `npm run bench:compare -- <app folder> <app folder> ...`: CPU per POST of two or more builds of the
 * app, each in its own function process against the same Azurite, in interleaved rounds, with two raw
 * clients as reference rows: createEntity of the row, and the transaction a create sends (the row and
 * its counter slot, bench/raw-client.ts). This is how the figure in each src change's commit message
 * was measured: copy dist/package aside before the change, build, compare the two folders.
 *
 * CPU per request (process.cpuUsage over the round ÷ requests served) moves much less than throughput
 * when other processes compete for the cores, so it is the figure to compare on a shared machine.
 *
 * Env: COMPARE_ROUNDS (8), COMPARE_DURATION_MS (3000), COMPARE_CONCURRENCY (16), COMPARE_RATE (requests/s
 * for the app folders: CPU per request falls as throughput rises, more requests sharing each turn of
 * the event loop, so builds are best compared at one fixed rate; unset = as fast as they go),
 * COMPARE_SETTINGS (deployed | local: the app folders with local.settings.json's settings, the journal
 * kept, as LOCAL_DEFAULTS in harness.ts), COMPARE_REQUEST (post | get: GET of one assignment, each app
 * folder reading one it created; the raw rows stay the POST's references, and `bare` answers POST only).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort, startAzurite } from '../dev/azurite';
import { collectionPath, POST_BODY } from './entity';
import { childEnv, LOCAL_DEFAULTS, QuietGate, request, startBareServer, startFunctionHost, type FunctionHost } from './harness';
import type { HttpRound } from './http-load';
import { forkChild, type BenchChild } from './ipc';
import type { RawRound } from './raw-client';
import { processCpuMs } from './procstat';
import { spread, type Spread } from './stats';

/** An app folder for bench/floor-app.ts (compiled next to this file), as the runner loads one. */
function floorApp(): string {
  const dir = path.join(__dirname, 'floor-app');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'floor-app', private: true, main: '../floor-app.js' }));
  return dir;
}

async function main(): Promise<void> {
  // "bare" stands for the bare node:http stand-in (bench/bare-server.ts) instead of an app folder, and
  // "floor" for bench/floor-app.ts, an app folder whose one function does nothing.
  // "<folder>::<node flags>" serves the folder with extra Node flags, e.g. dist/package::--max-semi-space-size=4.
  const specs = process.argv.slice(2).map((arg) => {
    const [f = '', flags] = arg.split('::');
    const folder = f === 'bare' ? f : f === 'floor' ? floorApp() : path.resolve(f);
    return { folder, execArgv: flags ? flags.split(/\s+/) : [], label: flags ? `${f} ${flags}` : undefined };
  });
  const folders = specs.map((s) => s.folder);
  if (folders.length < 1) throw new Error('usage: npm run bench:compare -- <app folder> [<app folder> ...]');
  const rounds = Number(process.env.COMPARE_ROUNDS ?? 8);
  const durationMs = Number(process.env.COMPARE_DURATION_MS ?? 3000);
  const concurrency = Number(process.env.COMPARE_CONCURRENCY ?? 16);
  const rate = process.env.COMPARE_RATE ? Number(process.env.COMPARE_RATE) : undefined;
  const settings: Record<string, string> = process.env.COMPARE_SETTINGS === 'local' ? { ...LOCAL_DEFAULTS } : {};
  const azurite = await startAzurite({ tablePort: await freePort() });
  const children: BenchChild[] = [];
  const quiet = new QuietGate(60_000, 0);
  try {
    const table = `Compare${Date.now().toString(36)}`;
    const { worker: raw } = await forkChild(path.join(__dirname, 'raw-client.js'), {
      env: childEnv({ BENCH_STORAGE: azurite.connectionString, BENCH_TABLE: table }),
    });
    children.push(raw);
    await raw.call({ op: 'init' });
    const { worker: load } = await forkChild(path.join(__dirname, 'http-load.js'));
    children.push(load);
    const hosts: FunctionHost[] = [];
    for (const { folder, execArgv } of specs) {
      const host =
        folder === 'bare'
          ? await startBareServer(azurite.connectionString, table)
          : await startFunctionHost(azurite.connectionString, table, folder, execArgv, settings);
      children.push(host.worker);
      hosts.push(host);
    }
    const reads = process.env.COMPARE_REQUEST === 'get';
    const itemPaths = new Map<FunctionHost, string>();
    const loadRound = async (host: FunctionHost, partition: string, ms: number) => {
      if (!reads) {
        return load.call<HttpRound>({
          op: 'post',
          url: host.url,
          concurrency,
          durationMs: ms,
          method: 'POST',
          paths: [collectionPath(partition)],
          expect: 201,
          body: POST_BODY,
          rate,
        });
      }
      if (!itemPaths.has(host)) {
        const created = await request(`${host.url}${collectionPath(`get-${partition}`)}`, 'POST', POST_BODY);
        itemPaths.set(host, `${collectionPath(`get-${partition}`)}/${(JSON.parse(created.text) as { id: string }).id}`);
      }
      return load.call<HttpRound>({
        op: 'post',
        url: host.url,
        concurrency,
        durationMs: ms,
        method: 'GET',
        paths: [itemPaths.get(host)!],
        expect: 200,
        rate,
      });
    };
    // Warm-up: JIT and connection pools of every process.
    await raw.call({ op: 'insert', concurrency, durationMs: 2000, partition: 'warm' });
    await raw.call({ op: 'transaction', concurrency, durationMs: 2000, partition: 'warm-transaction' });
    for (const host of hosts) await loadRound(host, 'warm', 2000);

    const RAW = 2;
    const names = [
      'raw createEntity',
      'raw transaction: row + counter slot',
      ...specs.map(({ folder: f, label }) =>
        f === 'bare'
          ? 'bare node:http + createEntity'
          : f.endsWith('floor-app')
            ? 'floor: runner + @azure/functions, empty function'
            : (label ?? (path.relative(process.cwd(), f) || '.')),
      ),
    ];
    const cpu: number[][] = names.map(() => []);
    const sys: number[][] = names.map(() => []);
    const rps: number[][] = names.map(() => []);
    // Azurite's own CPU per request of each row: what the same work costs the storage emulator.
    const storage: number[][] = names.map(() => []);
    const azuriteMs = () => processCpuMs(azurite.process.pid) ?? NaN;
    for (let round = 0; round < rounds; round++) {
      const order = names.map((_, i) => (i + round) % names.length);
      for (const i of order) {
        await quiet.wait();
        const a0 = azuriteMs();
        if (i < RAW) {
          const op = i === 0 ? 'insert' : 'transaction';
          const r = await raw.call<RawRound>({ op, concurrency, durationMs, partition: `raw-${op}-${round}` });
          cpu[i]!.push(r.cpuMsPerOp);
          sys[i]!.push(r.systemMsPerOp);
          rps[i]!.push(r.throughput);
          storage[i]!.push((azuriteMs() - a0) / Math.max(1, r.completed + r.errors));
        } else {
          const host = hosts[i - RAW]!;
          const u0 = await host.drained();
          const r = await loadRound(host, `v${i}-${round}`, durationMs);
          const u1 = await host.drained();
          const served = Math.max(1, u1.served - u0.served);
          cpu[i]!.push((u1.cpuMs - u0.cpuMs) / served);
          sys[i]!.push((u1.systemMs - u0.systemMs) / served);
          rps[i]!.push(r.throughput);
          storage[i]!.push((azuriteMs() - a0) / served);
        }
      }
      process.stdout.write(`round ${round + 1}/${rounds}: ${names.map((n, i) => `${n} ${cpu[i]!.at(-1)!.toFixed(3)} ms`).join(' | ')}\n`);
    }
    const f = (s: Spread, d: number) => `${s.median.toFixed(d)} (${s.min.toFixed(d)}–${s.max.toFixed(d)})`;
    process.stdout.write(
      `\nC = ${concurrency}${rate ? `, app folders at ${rate} requests/s` : ''}, ${rounds} rounds of ${durationMs / 1000} s, median (min–max); waited ${(quiet.waitedMs / 1000).toFixed(0)} s for quiet\n`,
    );
    process.stdout.write(
      '| build | CPU ms per request | of which system (kernel) | requests/s | Azurite CPU ms per request |\n|---|---:|---:|---:|---:|\n',
    );
    names.forEach((n, i) =>
      process.stdout.write(
        `| ${n} | ${f(spread(cpu[i]!), 3)} | ${f(spread(sys[i]!), 3)} | ${f(spread(rps[i]!), 0)} | ${f(spread(storage[i]!), 3)} |\n`,
      ),
    );
  } finally {
    for (const c of children) await c.stop().catch(() => undefined);
    await azurite.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
