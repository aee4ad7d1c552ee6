/**
 * `npm run bench`: one run that measures the app against raw Table Storage writes on the same machine,
 * against the same Azurite, in the same minutes. See bench/README.md for what each figure means.
 *
 * Env (all optional): BENCH_ROUNDS (3), BENCH_DURATION_MS (5000), BENCH_CONCURRENCY ("1,4,16,64"),
 * BENCH_RESULTS_DIR (bench/results), BENCH_APP (bundle | tsc: which build serves the load rounds),
 * BENCH_MEMORY_REQUESTS (20000), BENCH_CONTENDED_CORES (0.3), BENCH_MAX_RETRIES (4), BENCH_QUIET_BUDGET_MS (60000).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, startAzurite, type RunningAzurite } from '../dev/azurite';
import { collectionPath, POST_BODY } from './entity';
import {
  childEnv,
  cpuCores,
  LOCAL_DEFAULTS,
  cpuSnapshot,
  QuietGate,
  request,
  ROOT,
  startBareServer,
  startFunctionHost,
  startGenuineHost,
  type FunctionHost,
} from './harness';
import type { HttpRound } from './http-load';
import { forkChild, type BenchChild } from './ipc';
import type { RawRound } from './raw-client';
import {
  renderChart,
  renderMarkdown,
  type BenchResults,
  type GenuineHostFigures,
  type ModeFigures,
  type PairFigures,
  type SettingFigures,
  type Target,
} from './report';
import { slope, spread } from './stats';

const BUNDLE_ROOT = path.join(ROOT, 'dist', 'package');
const env = process.env;

const appKind: 'bundle' | 'tsc' = env.BENCH_APP === 'tsc' ? 'tsc' : 'bundle';
const settings = {
  concurrencies: (env.BENCH_CONCURRENCY ?? '1,4,16,64').split(',').map(Number),
  headline: 16,
  rounds: Number(env.BENCH_ROUNDS ?? 3),
  durationMs: Number(env.BENCH_DURATION_MS ?? 5000),
  warmupMs: 3000,
  coldRounds: 5,
  importRounds: 7,
  memoryRequests: Number(env.BENCH_MEMORY_REQUESTS ?? 20_000),
  memoryStep: 2_000,
  memoryConcurrency: 16,
  leakSteps: 4,
  listSeed: 300,
  /** Other processes busier than this (in cores) during a pair make it contended: it is run again, within the budgets below. */
  contendedCores: Number(env.BENCH_CONTENDED_CORES ?? 0.3),
  maxRetries: Number(env.BENCH_MAX_RETRIES ?? 4),
  /** The longest the whole run waits for the machine to go quiet before rounds. */
  quietBudgetMs: Number(env.BENCH_QUIET_BUDGET_MS ?? 60_000),
  app: appKind,
};
const resultsDir = path.resolve(env.BENCH_RESULTS_DIR ?? path.join(ROOT, 'bench', 'results'));
const appRoots = { bundle: BUNDLE_ROOT, tsc: ROOT } as const;

function log(message: string): void {
  process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function versionOf(pkg: string): string {
  try {
    return (JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`, { paths: [ROOT] }), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

interface RoundRecord {
  throughput: number;
  p50: number;
  p99: number;
  cpuMsPerOp: number;
  systemMsPerOp?: number;
  azuriteCpuMsPerOp?: number;
  loadGenCpuMsPerOp?: number;
  errors: number;
  ops: number;
  cores: Record<string, number>;
  /** Genuine host rounds: CPU per request of the host process and of its Node worker(s), apart. */
  hostCpuMsPerOp?: number;
  workerCpuMsPerOp?: number;
  contended?: boolean;
}

function modeFigures(rounds: RoundRecord[]): ModeFigures {
  const maybe = (values: Array<number | undefined>) => (values.every((v) => v !== undefined) ? spread(values) : undefined);
  return {
    throughput: spread(rounds.map((r) => r.throughput)),
    p50: spread(rounds.map((r) => r.p50)),
    p99: spread(rounds.map((r) => r.p99)),
    cpuMsPerOp: spread(rounds.map((r) => r.cpuMsPerOp)),
    azuriteCpuMsPerOp: maybe(rounds.map((r) => r.azuriteCpuMsPerOp)),
    loadGenCpuMsPerOp: maybe(rounds.map((r) => r.loadGenCpuMsPerOp)),
    systemMsPerOp: maybe(rounds.map((r) => r.systemMsPerOp)),
    errors: rounds.reduce((n, r) => n + r.errors, 0),
    ops: rounds.reduce((n, r) => n + r.ops, 0),
    rounds,
  };
}

function pairFigures(raw: RoundRecord[], e2e: RoundRecord[]): PairFigures {
  return {
    raw: modeFigures(raw),
    e2e: modeFigures(e2e),
    // Each end-to-end round against the raw round run right beside it.
    ratio: {
      throughput: spread(e2e.map((r, i) => r.throughput / raw[i]!.throughput)),
      p99: spread(e2e.map((r, i) => r.p99 / raw[i]!.p99)),
    },
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  const runId = Date.now().toString(36);
  const loadavgStart = os.loadavg();
  log(`settings ${JSON.stringify(settings)}`);

  const quiet = new QuietGate(settings.quietBudgetMs, settings.maxRetries);
  const azurite: RunningAzurite = await startAzurite({ tablePort: await freePort() });
  const table = `Bench${runId}`;
  const children: BenchChild[] = [];
  try {
    const { worker: raw, ready: rawReady } = await forkChild(path.join(__dirname, 'raw-client.js'), {
      env: childEnv({ BENCH_STORAGE: azurite.connectionString, BENCH_TABLE: table }),
    });
    children.push(raw);
    const { worker: load, ready: loadReady } = await forkChild(path.join(__dirname, 'http-load.js'));
    children.push(load);
    await raw.call({ op: 'init' });
    const host = await startFunctionHost(azurite.connectionString, table, appRoots[settings.app]);
    children.push(host.worker);
    const bare = await startBareServer(azurite.connectionString, table);
    children.push(bare.worker);
    const pids: Record<string, number | undefined> = {
      azurite: azurite.process.pid,
      function: host.pid,
      bare: bare.pid,
      raw: Number(rawReady.pid),
      loadgen: Number(loadReady.pid),
      bench: process.pid,
    };

    // ---- one raw round and one end-to-end round, each with the CPU of every process around it ----
    const rawRound = async (op: string, concurrency: number, extra: Record<string, unknown>): Promise<RoundRecord> => {
      const before = cpuSnapshot(pids);
      const t0 = performance.now();
      const r = await raw.call<RawRound>({ op, concurrency, durationMs: settings.durationMs, ...extra });
      const cores = cpuCores(before, cpuSnapshot(pids), performance.now() - t0);
      const az = cores.azurite === undefined ? undefined : (cores.azurite * (performance.now() - t0)) / Math.max(1, r.completed);
      if (r.errors > 0) log(`  raw ${op} C=${concurrency}: ${r.errors} errors, first: ${r.firstError}`);
      return {
        throughput: r.throughput,
        p50: r.latency.p50,
        p99: r.latency.p99,
        cpuMsPerOp: r.cpuMsPerOp,
        systemMsPerOp: r.systemMsPerOp,
        azuriteCpuMsPerOp: az,
        errors: r.errors,
        ops: r.completed,
        cores,
      };
    };
    const e2eRound = (op: string, concurrency: number, method: string, paths: string[], expect: number, body?: string) =>
      httpRound(host, op, concurrency, method, paths, expect, body);
    const httpRound = async (
      target: FunctionHost,
      op: string,
      concurrency: number,
      method: string,
      paths: string[],
      expect: number,
      body?: string,
      uniqueHeader?: string,
    ): Promise<RoundRecord> => {
      const u0 = await target.drained();
      const before = cpuSnapshot(pids);
      const t0 = performance.now();
      const r = await load.call<HttpRound>({
        op,
        url: target.url,
        concurrency,
        durationMs: settings.durationMs,
        method,
        paths,
        expect,
        body,
        uniqueHeader,
      });
      const u1 = await target.drained();
      const wall = performance.now() - t0;
      const cores = cpuCores(before, cpuSnapshot(pids), wall);
      const served = u1.served - u0.served;
      if (r.errors > 0) log(`  ${op} C=${concurrency}: ${r.errors} unexpected (${JSON.stringify(r.statusCounts)})`);
      return {
        throughput: r.throughput,
        p50: r.latency.p50,
        p99: r.latency.p99,
        cpuMsPerOp: (u1.cpuMs - u0.cpuMs) / Math.max(1, served),
        systemMsPerOp: (u1.systemMs - u0.systemMs) / Math.max(1, served),
        azuriteCpuMsPerOp: cores.azurite === undefined ? undefined : (cores.azurite * wall) / Math.max(1, served),
        loadGenCpuMsPerOp: r.cpuMsPerOp,
        errors: r.errors,
        ops: served,
        cores,
      };
    };

    // ---- a round against the genuine host: CPU of the host process and its Node worker(s) from /proc ----
    const genuineRound = async (
      url: string,
      op: string,
      concurrency: number,
      method: string,
      paths: string[],
      expect: number,
      body?: string,
    ): Promise<RoundRecord> => {
      const before = cpuSnapshot(pids);
      const t0 = performance.now();
      const r = await load.call<HttpRound>({ op, url, concurrency, durationMs: settings.durationMs, method, paths, expect, body });
      const wall = performance.now() - t0;
      const after = cpuSnapshot(pids);
      const cores = cpuCores(before, after, wall);
      const served = Math.max(1, r.completed);
      const delta = (keys: string[]) => keys.reduce((sum, k) => sum + ((after[k] ?? 0) - (before[k] ?? 0)), 0);
      const workerKeys = Object.keys(pids).filter((k) => k.startsWith('hostWorker'));
      if (r.errors > 0) log(`  host ${op} C=${concurrency}: ${r.errors} unexpected (${JSON.stringify(r.statusCounts)})`);
      return {
        throughput: r.throughput,
        p50: r.latency.p50,
        p99: r.latency.p99,
        cpuMsPerOp: delta(['host', ...workerKeys]) / served,
        hostCpuMsPerOp: delta(['host']) / served,
        workerCpuMsPerOp: delta(workerKeys) / served,
        azuriteCpuMsPerOp: cores.azurite === undefined ? undefined : (cores.azurite * wall) / served,
        loadGenCpuMsPerOp: r.cpuMsPerOp,
        errors: r.errors,
        ops: r.completed,
        cores,
      };
    };
    const genuineHostRounds = async (readsTable: string, readsConfig: string, ids: string[]): Promise<GenuineHostFigures> => {
      log('genuine host: starting ../shared/functions-host/run on dist/package');
      let gh: Awaited<ReturnType<typeof startGenuineHost>>;
      try {
        gh = await startGenuineHost(azurite.connectionString, readsTable, BUNDLE_ROOT);
      } catch (err) {
        log(`genuine host not available: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
        return { available: false, reason: err instanceof Error ? err.message.split('\n')[0]! : String(err) };
      }
      try {
        pids.host = gh.pid;
        gh.workerPids.forEach((pid, i) => (pids[`hostWorker${i}`] = pid));
        const c = settings.headline;
        const hostConfig = `host-${runId}`;
        await load.call({
          op: 'warm',
          url: gh.url,
          concurrency: c,
          durationMs: settings.warmupMs,
          method: 'POST',
          paths: [collectionPath(`warm-host-${runId}`)],
          expect: 201,
          body: POST_BODY,
        });
        const itemPaths = ids.map((id) => `${collectionPath(readsConfig)}/${id}`);
        const probe = ids.length ? await request(`${gh.url}${itemPaths[0]}`, 'GET') : undefined;
        const getAvailable = probe?.status === 200;
        if (getAvailable)
          await load.call({
            op: 'warm',
            url: gh.url,
            concurrency: c,
            durationMs: settings.warmupMs,
            method: 'GET',
            paths: itemPaths,
            expect: 200,
          });
        // All GET rounds first, then the POSTs: the POSTs add rows to the reads table.
        const get = { raw: [] as RoundRecord[], e2e: [] as RoundRecord[] };
        const post = { raw: [] as RoundRecord[], e2e: [] as RoundRecord[] };
        for (let round = 0; getAvailable && round < settings.rounds; round++) {
          const r = await pair(`host GET item round ${round + 1}/${settings.rounds} C=${c}`, pairIndex++, {
            raw: () => rawRound('get', c, { table: readsTable, partition: readsConfig, ids }),
            e2e: () => genuineRound(gh.url, 'host-get-item', c, 'GET', itemPaths, 200),
          });
          get.raw.push(r.raw);
          get.e2e.push(r.e2e);
        }
        for (let round = 0; round < settings.rounds; round++) {
          const r = await pair(`host POST round ${round + 1}/${settings.rounds} C=${c}`, pairIndex++, {
            raw: (a) => rawRound('insert', c, { table: readsTable, partition: `raw-${hostConfig}-r${round}-a${a}` }),
            e2e: (a) => genuineRound(gh.url, 'host-post', c, 'POST', [collectionPath(`${hostConfig}-r${round}-a${a}`)], 201, POST_BODY),
          });
          post.raw.push(r.raw);
          post.e2e.push(r.e2e);
        }
        const split = (rounds: RoundRecord[]) => ({
          host: spread(rounds.map((r) => r.hostCpuMsPerOp ?? NaN)),
          worker: spread(rounds.map((r) => r.workerCpuMsPerOp ?? NaN)),
        });
        return {
          available: true,
          workers: gh.workerPids.length,
          post: pairFigures(post.raw, post.e2e),
          postCpu: split(post.e2e),
          getItem: getAvailable ? pairFigures(get.raw, get.e2e) : undefined,
          getItemCpu: getAvailable ? split(get.e2e) : undefined,
          getProbeStatus: probe?.status,
        };
      } finally {
        await gh.stop();
        delete pids.host;
        for (const k of Object.keys(pids)) if (k.startsWith('hostWorker')) delete pids[k];
      }
    };

    // ---- warm-up: JIT, connection pools and the table, on both sides; not recorded ----
    log('warm-up');
    const warmConfig = `warm-${runId}`;
    await raw.call({ op: 'insert', concurrency: settings.headline, durationMs: settings.warmupMs, partition: warmConfig });
    await load.call({
      op: 'warm',
      url: host.url,
      concurrency: settings.headline,
      durationMs: settings.warmupMs,
      method: 'POST',
      paths: [collectionPath(warmConfig)],
      expect: 201,
      body: POST_BODY,
    });
    await load.call({
      op: 'warm',
      url: bare.url,
      concurrency: settings.headline,
      durationMs: settings.warmupMs,
      method: 'POST',
      paths: [collectionPath(warmConfig)],
      expect: 201,
      body: POST_BODY,
    });

    // ---- rounds run back to back (raw baselines and end-to-end), alternating their order ----
    type Runner = (attempt: number) => Promise<RoundRecord>;
    const pair = async <K extends string>(label: string, index: number, runners: Record<K, Runner>): Promise<Record<K, RoundRecord>> => {
      for (let attempt = 0; ; attempt++) {
        await quiet.wait();
        const names = Object.keys(runners) as K[];
        // Alternate which goes first, so neither side always inherits the other's leftovers.
        const steps = index % 2 === 0 ? names : [...names].reverse();
        const out = {} as Record<K, RoundRecord>;
        for (const step of steps) out[step] = await runners[step](attempt);
        const others = Math.max(...names.map((n) => out[n].cores.others ?? 0));
        log(
          `${label}: ${names.map((n) => `${n} ${out[n].throughput.toFixed(0)}/s p99 ${out[n].p99.toFixed(2)} ms cpu ${out[n].cpuMsPerOp.toFixed(3)} ms`).join(' | ')} | other processes ${others.toFixed(2)} cores`,
        );
        // Another process took a real share of the 2 cores during the pair: run it again, a bounded number of times.
        if (others > settings.contendedCores && quiet.retry()) {
          log(`  ${label}: other processes used ${others.toFixed(2)} cores, running the pair again`);
          continue;
        }
        for (const n of names) out[n].contended = others > settings.contendedCores;
        return out;
      }
    };

    // ---- POST: the app against a raw client sending the same one transaction, and against raw createEntity;
    // at the headline C also with a client-request-id (against the transaction with its record) and the bare
    // stand-in. A fresh partition per round. ----
    const postRounds = new Map<number, Record<'tx' | 'insert' | 'e2e', RoundRecord[]>>();
    const headlineExtra = { txRecord: [] as RoundRecord[], e2eCrid: [] as RoundRecord[], bare: [] as RoundRecord[] };
    let pairIndex = 0;
    for (let round = 0; round < settings.rounds; round++) {
      for (const c of settings.concurrencies) {
        const at = `c${c}-r${round}`;
        const runners: Record<string, Runner> = {
          tx: (a) => rawRound('transaction', c, { partition: `tx-${at}-a${a}` }),
          insert: (a) => rawRound('insert', c, { partition: `raw-${at}-a${a}` }),
          e2e: (a) => e2eRound('post', c, 'POST', [collectionPath(`e2e-${at}-a${a}`)], 201, POST_BODY),
        };
        if (c === settings.headline) {
          runners.txRecord = (a) => rawRound('transaction', c, { partition: `txr-${at}-a${a}`, record: true });
          runners.e2eCrid = (a) =>
            httpRound(host, 'post-crid', c, 'POST', [collectionPath(`crid-${at}-a${a}`)], 201, POST_BODY, 'client-request-id');
          runners.bare = (a) => httpRound(bare, 'post', c, 'POST', [collectionPath(`bare-${at}-a${a}`)], 201, POST_BODY);
        }
        const r = await pair(`POST round ${round + 1}/${settings.rounds} C=${c}`, pairIndex++, runners);
        const kept = postRounds.get(c) ?? { tx: [], insert: [], e2e: [] };
        kept.tx.push(r.tx!);
        kept.insert.push(r.insert!);
        kept.e2e.push(r.e2e!);
        postRounds.set(c, kept);
        if (c === settings.headline) {
          headlineExtra.txRecord.push(r.txRecord!);
          headlineExtra.e2eCrid.push(r.e2eCrid!);
          headlineExtra.bare.push(r.bare!);
        }
      }
    }
    const post: Record<string, PairFigures> = {};
    for (const c of settings.concurrencies) {
      const k = postRounds.get(c)!;
      post[c] = {
        ...pairFigures(k.tx, k.e2e),
        insert: modeFigures(k.insert),
        ratioToInsert: spread(k.e2e.map((r, i) => r.throughput / k.insert[i]!.throughput)),
      };
    }
    const postWithCrid = headlineExtra.e2eCrid.length ? pairFigures(headlineExtra.txRecord, headlineExtra.e2eCrid) : undefined;
    const bareFigures = headlineExtra.bare.length ? pairFigures(postRounds.get(settings.headline)!.insert, headlineExtra.bare) : undefined;

    // ---- GET item and a 100-item list page, when the app has those routes ----
    // A table of their own: Azurite answers a query by scanning the table, so the list would
    // otherwise slow down with every row the POST rounds wrote. A function process of its own serves it.
    log('reads: probing GET item and list');
    await host.worker.stop();
    const readsTable = `Reads${runId}`;
    await raw.call({ op: 'init', table: readsTable });
    const readHost = await startFunctionHost(azurite.connectionString, readsTable, appRoots[settings.app]);
    children.push(readHost.worker);
    pids.function = readHost.pid;
    await load.call({
      op: 'warm',
      url: readHost.url,
      concurrency: settings.headline,
      durationMs: settings.warmupMs,
      method: 'POST',
      paths: [collectionPath(`warm-${runId}`)],
      expect: 201,
      body: POST_BODY,
    });
    const readsConfig = `reads-${runId}`;
    const created = await request(`${readHost.url}${collectionPath(readsConfig)}`, 'POST', POST_BODY);
    const location = created.headers.location;
    const itemProbe = location ? await request(String(location), 'GET') : undefined;
    const listProbe = await request(`${readHost.url}${collectionPath(readsConfig)}?$top=100`, 'GET');
    const reads: BenchResults['reads'] = {
      item: { available: itemProbe?.status === 200, probeStatus: itemProbe?.status },
      list: { available: listProbe.status === 200, probeStatus: listProbe.status },
    };
    let readIds: string[] = [];
    let itemPaths: string[] = [];
    if (reads.item.available || reads.list.available) {
      const { ids } = await raw.call<{ ids: string[] }>({
        op: 'seed',
        table: readsTable,
        partition: readsConfig,
        count: settings.listSeed,
      });
      readIds = ids;
      if (reads.list.available) {
        const page = JSON.parse((await request(`${readHost.url}${collectionPath(readsConfig)}?$top=100`, 'GET')).text) as {
          value?: unknown[];
          '@odata.nextLink'?: string;
        };
        reads.list.pageSize = page.value?.length;
        reads.list.hasNextLink = typeof page['@odata.nextLink'] === 'string';
      }
      const c = settings.headline;
      itemPaths = ids.map((id) => `${collectionPath(readsConfig)}/${id}`);
      const item = { raw: [] as RoundRecord[], e2e: [] as RoundRecord[] };
      const list = { raw: [] as RoundRecord[], e2e: [] as RoundRecord[] };
      for (let round = 0; round < settings.rounds; round++) {
        if (reads.item.available) {
          const r = await pair(`GET item round ${round + 1}/${settings.rounds} C=${c}`, pairIndex++, {
            raw: () => rawRound('get', c, { table: readsTable, partition: readsConfig, ids }),
            e2e: () => httpRound(readHost, 'get-item', c, 'GET', itemPaths, 200),
          });
          item.raw.push(r.raw);
          item.e2e.push(r.e2e);
        }
        if (reads.list.available) {
          const r = await pair(`GET list round ${round + 1}/${settings.rounds} C=${c}`, pairIndex++, {
            raw: () => rawRound('list', c, { table: readsTable, partition: readsConfig, pageSize: 100 }),
            e2e: () => httpRound(readHost, 'get-list', c, 'GET', [`${collectionPath(readsConfig)}?$top=100`], 200),
          });
          list.raw.push(r.raw);
          list.e2e.push(r.e2e);
        }
      }
      if (reads.item.available) reads.item.figures = pairFigures(item.raw, item.e2e);
      if (reads.list.available) reads.list.figures = pairFigures(list.raw, list.e2e);
    } else {
      log(`reads not available: GET item answered ${itemProbe?.status}, GET list answered ${listProbe.status}`);
    }

    // ---- local defaults (local.settings.json: the request journal kept) against the deployed settings, both
    // function processes on the reads table, POST and GET item in pairs of rounds at the headline C ----
    log('local defaults against the deployed settings');
    const localHost = await startFunctionHost(azurite.connectionString, readsTable, appRoots[settings.app], [], LOCAL_DEFAULTS);
    children.push(localHost.worker);
    pids.local = localHost.pid;
    await load.call({
      op: 'warm',
      url: localHost.url,
      concurrency: settings.headline,
      durationMs: settings.warmupMs,
      method: 'POST',
      paths: [collectionPath(`warm-local-${runId}`)],
      expect: 201,
      body: POST_BODY,
    });
    const settingRounds = {
      getDeployed: [] as RoundRecord[],
      getLocal: [] as RoundRecord[],
      postDeployed: [] as RoundRecord[],
      postLocal: [] as RoundRecord[],
    };
    {
      const c = settings.headline;
      for (let round = 0; round < settings.rounds; round++) {
        if (reads.item.available) {
          const r = await pair(`GET item, deployed / local defaults, round ${round + 1}/${settings.rounds} C=${c}`, pairIndex++, {
            deployed: () => httpRound(readHost, 'get-item', c, 'GET', itemPaths, 200),
            local: () => httpRound(localHost, 'get-item-local', c, 'GET', itemPaths, 200),
          });
          settingRounds.getDeployed.push(r.deployed);
          settingRounds.getLocal.push(r.local);
        }
        const r = await pair(`POST, deployed / local defaults, round ${round + 1}/${settings.rounds} C=${c}`, pairIndex++, {
          deployed: (a) => httpRound(readHost, 'post', c, 'POST', [collectionPath(`deployed-r${round}-a${a}`)], 201, POST_BODY),
          local: (a) => httpRound(localHost, 'post-local', c, 'POST', [collectionPath(`local-r${round}-a${a}`)], 201, POST_BODY),
        });
        settingRounds.postDeployed.push(r.deployed);
        settingRounds.postLocal.push(r.local);
      }
    }
    const settingFigures = (deployed: RoundRecord[], local: RoundRecord[]): SettingFigures | undefined =>
      deployed.length
        ? {
            deployed: modeFigures(deployed),
            local: modeFigures(local),
            ratio: spread(local.map((r, i) => r.throughput / deployed[i]!.throughput)),
          }
        : undefined;
    const localDefaults = {
      post: settingFigures(settingRounds.postDeployed, settingRounds.postLocal),
      get: settingFigures(settingRounds.getDeployed, settingRounds.getLocal),
    };
    await localHost.worker.stop();
    delete pids.local;
    await readHost.worker.stop();
    await bare.worker.stop();

    // ---- the genuine Functions host (../shared/functions-host) serving dist/package: POST and GET item at
    // the headline C, each round beside a raw round, as Azure runs the app (host + gRPC + Node worker) ----
    const genuineHost = await genuineHostRounds(readsTable, readsConfig, readIds);
    await raw.stop();

    // ---- memory: a fresh function process, RSS every 2k POSTs up to 20k, then a leak check ----
    log('memory');
    // --expose-gc changes nothing until gc() is called, which happens only after the 20k natural samples.
    const memHost = await startFunctionHost(azurite.connectionString, table, appRoots[settings.app], ['--expose-gc']);
    children.push(memHost.worker);
    const series: BenchResults['memory']['series'] = [];
    const retained: BenchResults['memory']['retained'] = [];
    const mb = (bytes: number) => bytes / 2 ** 20;
    const sendPosts = (amount: number) =>
      load.call({
        op: 'memory',
        url: memHost.url,
        concurrency: settings.memoryConcurrency,
        amount,
        method: 'POST',
        paths: [collectionPath(`mem-${runId}`)],
        expect: 201,
        body: POST_BODY,
      });
    const sample = async (requests: number) => {
      const u = await memHost.drained();
      series.push({ requests, rssMB: mb(u.rss), heapUsedMB: mb(u.heapUsed), heapTotalMB: mb(u.heapTotal) });
    };
    // What stays alive after a full collection, every 2k requests past 20k: a leak shows as a rising line.
    const retainedSample = async (requests: number) => {
      await memHost.drained();
      await memHost.worker.call({ op: 'gc' });
      const u = await memHost.usage();
      retained.push({ requests, heapUsedMB: mb(u.heapUsed), rssMB: mb(u.rss) });
    };
    await sample(0);
    for (let sent = 0; sent < settings.memoryRequests; sent += settings.memoryStep) {
      await sendPosts(settings.memoryStep);
      await sample(sent + settings.memoryStep);
    }
    await retainedSample(settings.memoryRequests);
    for (let k = 1; k <= settings.leakSteps; k++) {
      await sendPosts(settings.memoryStep);
      await retainedSample(settings.memoryRequests + k * settings.memoryStep);
    }
    await memHost.worker.stop();
    await load.stop();
    const at = (n: number) => series.find((s) => s.requests === n)?.rssMB ?? NaN;
    const secondHalf = series.filter((s) => s.requests >= settings.memoryRequests / 2);
    const memory: BenchResults['memory'] = {
      series,
      retained,
      rssAt10kMB: at(10_000),
      rssAt20kMB: at(20_000),
      slopeMBPer10k:
        slope(
          secondHalf.map((s) => s.requests),
          secondHalf.map((s) => s.rssMB),
        ) * 10_000,
      retainedSlopeMBPer10k:
        slope(
          retained.map((s) => s.requests),
          retained.map((s) => s.heapUsedMB),
        ) * 10_000,
    };
    log(
      `memory: RSS ${memory.rssAt10kMB.toFixed(1)} MB at 10k, ${memory.rssAt20kMB.toFixed(1)} MB at 20k (slope ${memory.slopeMBPer10k.toFixed(2)} MB/10k); ` +
        `retained heap after full GC ${retained.map((r) => r.heapUsedMB.toFixed(1)).join(', ')} MB (slope ${memory.retainedSlopeMBPer10k.toFixed(2)} MB/10k)`,
    );

    // ---- cold start: process start → first 201, Azurite already up, for the bundle and for tsc output ----
    log('cold start');
    const coldStart = { bundle: [] as ColdSample[], tsc: [] as ColdSample[] };
    for (const app of ['bundle', 'tsc'] as const) await coldStartOnce(app, azurite.connectionString, table); // file cache warm-up, not recorded
    for (let round = 0; round < settings.coldRounds; round++) {
      for (const app of round % 2 ? (['tsc', 'bundle'] as const) : (['bundle', 'tsc'] as const)) {
        await quiet.wait();
        coldStart[app].push(await coldStartOnce(app, azurite.connectionString, table));
      }
    }
    log(
      `cold start medians: bundle ${spread(coldStart.bundle.map((s) => s.first201Ms)).median.toFixed(0)} ms, tsc ${spread(coldStart.tsc.map((s) => s.first201Ms)).median.toFixed(0)} ms`,
    );

    // ---- import time of the entry module, each in a fresh process ----
    log('import time');
    const imports = { bundle: [] as ImportSample[], tsc: [] as ImportSample[] };
    for (const app of ['bundle', 'tsc'] as const) importOnce(app); // file cache warm-up, not recorded
    for (let round = 0; round < settings.importRounds; round++) {
      for (const app of round % 2 ? (['tsc', 'bundle'] as const) : (['bundle', 'tsc'] as const)) {
        await quiet.wait();
        imports[app].push(importOnce(app));
      }
    }
    const importFigures = (samples: ImportSample[]) => ({
      wallMs: spread(samples.map((s) => s.importMs)),
      cpuMs: spread(samples.map((s) => s.cpuMs)),
    });
    const importMs = { bundle: importFigures(imports.bundle), tsc: importFigures(imports.tsc) };
    log(`import medians: bundle ${importMs.bundle.wallMs.median.toFixed(0)} ms, tsc ${importMs.tsc.wallMs.median.toFixed(0)} ms`);

    const results: BenchResults = {
      meta: {
        date: new Date().toISOString(),
        commit: spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() || 'unknown',
        node: process.version,
        azurite: versionOf('azurite'),
        dataTables: versionOf('@azure/data-tables'),
        functions: versionOf('@azure/functions'),
        autocannon: versionOf('autocannon'),
        cpu: os.cpus()[0]?.model ?? 'unknown',
        cores: os.cpus().length,
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        loadavgStart,
        loadavgEnd: os.loadavg(),
        durationS: (Date.now() - started) / 1000,
        quietWaitS: quiet.waitedMs / 1000,
        contendedRetries: quiet.retries,
        settings: {
          ...settings,
          appUnderLoad: settings.app === 'bundle' ? 'dist/package (esbuild bundle, what azd deploys)' : 'tsc output',
        },
      },
      post,
      postWithCrid,
      localDefaults,
      bare: bareFigures,
      reads,
      genuineHost,
      coldStart: {
        bundle: {
          first201Ms: spread(coldStart.bundle.map((s) => s.first201Ms)),
          listeningMs: spread(coldStart.bundle.map((s) => s.listeningMs)),
          samples: coldStart.bundle,
        },
        tsc: {
          first201Ms: spread(coldStart.tsc.map((s) => s.first201Ms)),
          listeningMs: spread(coldStart.tsc.map((s) => s.listeningMs)),
          samples: coldStart.tsc,
        },
      },
      importMs,
      memory,
      targets: [],
    };
    results.targets = evaluateTargets(results);
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(path.join(resultsDir, 'latest.json'), JSON.stringify(results, null, 2) + '\n');
    writeFileSync(path.join(resultsDir, 'latest.md'), renderMarkdown(results));
    writeFileSync(path.join(resultsDir, 'chart.svg'), renderChart(results));
    log(`done in ${results.meta.durationS.toFixed(0)} s: ${path.relative(ROOT, resultsDir)}/latest.json, latest.md, chart.svg`);
    for (const t of results.targets) log(`${t.met ? 'MET    ' : 'NOT MET'} ${t.name}: ${t.measured}`);
  } finally {
    for (const c of children) await c.stop().catch(() => undefined);
    await azurite.stop();
  }
}

interface ColdSample {
  listeningMs: number;
  first201Ms: number;
}

/** Spawns the real runner (dist/dev/runner.js) and times process start → listening → first 201. */
async function coldStartOnce(app: 'bundle' | 'tsc', connectionString: string, table: string): Promise<ColdSample> {
  const port = await freePort();
  const envFor = childEnv({
    PORT: String(port),
    ASSIGNMENTS_STORAGE: connectionString,
    ASSIGNMENTS_TABLE: table,
    ...(app === 'bundle' ? { RUNNER_APP_ROOT: BUNDLE_ROOT } : {}),
  });
  const t0 = performance.now();
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'dev', 'runner.js')], {
    cwd: ROOT,
    env: envFor,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let output = '';
    const listeningMs = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`runner did not start:\n${output}`)), 30_000);
      const onData = (c: Buffer) => {
        output += c.toString();
        if (output.includes('listening on')) {
          clearTimeout(timer);
          resolve(performance.now() - t0);
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', (code) => reject(new Error(`runner exited with ${code}:\n${output}`)));
    });
    const res = await request(`http://127.0.0.1:${port}${collectionPath(`cold-${app}`)}`, 'POST', POST_BODY);
    if (res.status !== 201) throw new Error(`cold start: first POST answered ${res.status}: ${res.text}`);
    return { listeningMs, first201Ms: performance.now() - t0 };
  } finally {
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }
}

interface ImportSample {
  importMs: number;
  cpuMs: number;
}

function importOnce(app: 'bundle' | 'tsc'): ImportSample {
  const res = spawnSync(process.execPath, [path.join(__dirname, 'import-time.js'), appRoots[app]], {
    cwd: ROOT,
    env: childEnv({ ASSIGNMENTS_STORAGE: 'UseDevelopmentStorage=true' }),
    encoding: 'utf8',
  });
  if (res.status !== 0) throw new Error(`import-time ${app} failed: ${res.stderr}`);
  return JSON.parse(res.stdout.trim().split('\n').pop()!) as ImportSample;
}

function evaluateTargets(r: BenchResults): Target[] {
  const c = settings.headline;
  const h = r.post[String(c)];
  const targets: Target[] = [];
  const range = (s: { min: number; median: number; max: number }, d = 2) =>
    `median ${s.median.toFixed(d)}, rounds ${s.min.toFixed(d)}–${s.max.toFixed(d)}`;
  if (h) {
    targets.push({
      name: `POST create ≥ 0.85 × a raw client sending the same transaction (row + counter slot), C = ${c}`,
      measured:
        `${range(h.ratio.throughput)} (${h.e2e.throughput.median.toFixed(0)} vs ${h.raw.throughput.median.toFixed(0)} req/s)` +
        (h.ratioToInsert ? `; × raw createEntity: ${range(h.ratioToInsert)} (${h.insert!.throughput.median.toFixed(0)} req/s)` : ''),
      met: h.ratio.throughput.median >= 0.85,
    });
  }
  const crid = r.postWithCrid;
  if (crid) {
    targets.push({
      name: `POST create with client-request-id ≥ 0.85 × the same transaction with its record, C = ${c}`,
      measured: `${range(crid.ratio.throughput)} (${crid.e2e.throughput.median.toFixed(0)} vs ${crid.raw.throughput.median.toFixed(0)} req/s)`,
      met: crid.ratio.throughput.median >= 0.85,
    });
  }
  const item = r.reads.item.figures;
  if (item) {
    targets.push({
      name: `GET one ≥ 0.85 × raw getEntity, C = ${c}`,
      measured: `${range(item.ratio.throughput)} (${item.e2e.throughput.median.toFixed(0)} vs ${item.raw.throughput.median.toFixed(0)} req/s)`,
      met: item.ratio.throughput.median >= 0.85,
    });
  }
  for (const [name, f] of [
    ['POST', r.localDefaults?.post],
    ['GET one', r.localDefaults?.get],
  ] as const) {
    if (!f) continue;
    targets.push({
      name: `${name} with the local defaults (journal on) ≥ 0.75 × the deployed settings, C = ${c}`,
      measured: `${range(f.ratio)} (${f.local.throughput.median.toFixed(0)} vs ${f.deployed.throughput.median.toFixed(0)} req/s)`,
      met: f.ratio.median >= 0.75,
    });
  }
  if (h) {
    targets.push({
      name: `function CPU per POST ≤ 0.5 ms, C = ${c}`,
      measured: `${range(h.e2e.cpuMsPerOp, 3)} ms (raw transaction client ${h.raw.cpuMsPerOp.median.toFixed(3)} ms, raw createEntity ${h.insert?.cpuMsPerOp.median.toFixed(3) ?? 'n/a'} ms)`,
      met: h.e2e.cpuMsPerOp.median <= 0.5,
    });
  }
  targets.push({
    name: 'entry-module import ≤ 100 ms (bundle)',
    measured: `${r.importMs.bundle.wallMs.median.toFixed(0)} ms (min ${r.importMs.bundle.wallMs.min.toFixed(0)}, max ${r.importMs.bundle.wallMs.max.toFixed(0)}; CPU ${r.importMs.bundle.cpuMs.median.toFixed(0)} ms)`,
    met: r.importMs.bundle.wallMs.median <= 100,
  });
  // "No upward trend": what survives a full GC (the live heap) does not grow by 1 MB or more per 10k
  // requests. RSS itself follows V8's heap sizing, which grows in steps; its slope is reported alongside.
  const m = r.memory;
  targets.push({
    name: 'RSS ≤ 150 MB after 20k requests, no upward trend',
    measured:
      `${m.rssAt20kMB.toFixed(1)} MB at 20k (${m.rssAt10kMB.toFixed(1)} MB at 10k, RSS slope ${m.slopeMBPer10k.toFixed(1)} MB per 10k); ` +
      `live heap after full GC ${m.retained[0]?.heapUsedMB.toFixed(1)} → ${m.retained.at(-1)?.heapUsedMB.toFixed(1)} MB over ${m.retained.length - 1} × 2k more (slope ${m.retainedSlopeMBPer10k.toFixed(2)} MB per 10k)`,
    met: m.rssAt20kMB <= 150 && m.retainedSlopeMBPer10k < 1,
  });
  return targets;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
