/** Pieces the bench scripts share: child environments, the function host, CPU accounting, the quiet gate. */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { freePort } from '../dev/azurite';
import { forkChild, type BenchChild } from './ipc';
import { machineBusyMs, processCpuMs } from './procstat';

export const ROOT = path.resolve(__dirname, '..', '..');

/**
 * The environment a child gets: ours, minus any app setting, plus the ones given. MOCK_ADMIN and
 * MOCK_CONTROLS are off (the code's and the Bicep's defaults, what a deployment runs) unless given: the
 * runner reads local.settings.json for what the environment leaves unset, and that file turns both on.
 * What the local defaults cost is a figure of its own (LOCAL_DEFAULTS), not a part of every other one.
 */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(ASSIGNMENTS_|AUTH_|STORAGE_TIMEOUT|RUNNER_APP_ROOT$|PORT$|MOCK_)/.test(k)) base[k] = v;
  }
  return { ...base, ...DEPLOYED_SETTINGS, ...extra };
}

/** The settings a deployment runs with (infra/ passes these; they are also the code's defaults). */
export const DEPLOYED_SETTINGS = { MOCK_ADMIN: 'off', MOCK_CONTROLS: 'off' } as const;

/** What `npm start` and `func start` run with: local.settings.json's settings, the request journal kept. */
export const LOCAL_DEFAULTS = { MOCK_ADMIN: 'on', MOCK_CONTROLS: 'on', MOCK_JOURNAL: 'on' } as const;

/** The real runner (dist/dev/runner.js) in its own process, on a free port, with childEnv's settings. */
export async function startRunnerApp(
  connectionString: string,
  table: string,
  env: Record<string, string> = {},
): Promise<{ url: string; stop(): void }> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'dev', 'runner.js')], {
    cwd: ROOT,
    env: childEnv({ PORT: String(port), ASSIGNMENTS_STORAGE: connectionString, ASSIGNMENTS_TABLE: table, ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const onData = (c: Buffer) => {
      out += c.toString();
      const m = /listening on (\S+)\r?\n/.exec(out);
      if (m) resolve(m[1]!);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', () => reject(new Error(`runner exited:\n${out}`)));
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

/** A plain request with its own connection (no agent state carried between calls). */
export function request(
  url: string,
  method: string,
  body?: string,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method, agent: false, headers: { Authorization: 'Bearer bench-token', ...(body ? { 'Content-Type': 'application/json' } : {}) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export interface HostUsage {
  cpuMs: number;
  systemMs: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  served: number;
  inFlight: number;
}

export interface FunctionHost {
  worker: BenchChild;
  url: string;
  pid: number;
  usage(): Promise<HostUsage>;
  /** Usage once every request the load generator started has been answered. */
  drained(): Promise<HostUsage>;
}

export async function startFunctionHost(
  connectionString: string,
  table: string,
  appRoot: string,
  execArgv: string[] = [],
  settings: Record<string, string> = {},
): Promise<FunctionHost> {
  const port = await freePort();
  return startHost(
    'function-host.js',
    childEnv({
      PORT: String(port),
      ASSIGNMENTS_STORAGE: connectionString,
      ASSIGNMENTS_TABLE: table,
      RUNNER_APP_ROOT: appRoot,
      ...settings,
    }),
    execArgv,
  );
}

/** The bare node:http stand-in (bench/bare-server.ts), measured the same way as the function process. */
export async function startBareServer(connectionString: string, table: string): Promise<FunctionHost> {
  const port = await freePort();
  return startHost('bare-server.js', childEnv({ PORT: String(port), BENCH_STORAGE: connectionString, BENCH_TABLE: table }));
}

async function startHost(script: string, env: NodeJS.ProcessEnv, execArgv: string[] = []): Promise<FunctionHost> {
  const { worker, ready } = await forkChild(path.join(__dirname, script), { env, execArgv });
  const usage = () => worker.call<HostUsage>({ op: 'usage' });
  return {
    worker,
    url: String(ready.url),
    pid: Number(ready.pid),
    usage,
    async drained() {
      for (let i = 0; i < 200; i++) {
        const u = await usage();
        if (u.inFlight === 0) return u;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error('the function host did not drain');
    },
  };
}

/** ../shared/functions-host: the genuine Azure Functions host and its Node worker, built from source. */
export const FUNCTIONS_HOST_RUN = path.resolve(ROOT, '..', 'shared', 'functions-host', 'run');

export interface GenuineHost {
  url: string;
  /** The host's PID (the run script execs the host). */
  pid: number;
  /** Its Node worker(s): the host's children running the worker's nodejsWorker.js. */
  workerPids: number[];
  output(): string;
  stop(): Promise<void>;
}

/** Children of `pid` whose command line contains `needle`, from /proc. */
function childrenOf(pid: number, needle: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid && readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(needle)) found.push(Number(name));
    } catch {
      // gone while we looked
    }
  }
  return found;
}

/**
 * The genuine host serving `appRoot` (dist/package, what azd deploys) with the same app settings as the
 * runner's function process. FUNCTIONS_HOST_NO_READY_LINE=1 execs the host without the run script's
 * output filter (a bash loop reading every log line, which would cost CPU that is neither host nor worker);
 * this process drains the host's output itself. The host logs every invocation at Information, as it
 * does by default in Azure. CPU is read from /proc for the host and its Node worker: no bench code runs in them.
 */
export async function startGenuineHost(connectionString: string, table: string, appRoot: string): Promise<GenuineHost> {
  const port = await freePort();
  const node = path.join(ROOT, 'node_modules', '.bin', 'node');
  const child = spawn(FUNCTIONS_HOST_RUN, ['--app', appRoot, '--port', String(port), '--node', node], {
    cwd: ROOT,
    env: childEnv({ ASSIGNMENTS_STORAGE: connectionString, ASSIGNMENTS_TABLE: table, FUNCTIONS_HOST_NO_READY_LINE: '1' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let listening = false;
  let started = false;
  const keep = (c: Buffer) => {
    // Flags, not a search of `output` later: start-up logs more than the 20k characters kept.
    output = (output + c.toString()).slice(-20_000);
    if (output.includes(`Now listening on: http://127.0.0.1:${port}`)) listening = true;
    if (output.includes('Job host started')) started = true;
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  const t0 = performance.now();
  while (!listening || !started) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the Functions host exited:\n${output}`);
    if (performance.now() - t0 > 90_000) {
      await stop();
      throw new Error(`the Functions host did not start within 90 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const workerPids = childrenOf(child.pid!, 'nodejsWorker');
  if (workerPids.length === 0) {
    await stop();
    throw new Error(`the Functions host started no Node worker:\n${output}`);
  }
  return { url: `http://127.0.0.1:${port}`, pid: child.pid!, workerPids, output: () => output, stop };
}

/** CPU of every process in the run, to say what bounds a figure on a shared 2-core machine. */
export function cpuSnapshot(pids: Record<string, number | undefined>): Record<string, number | undefined> {
  const snap: Record<string, number | undefined> = { machine: machineBusyMs() };
  for (const [name, pid] of Object.entries(pids)) snap[name] = processCpuMs(pid);
  return snap;
}

export function cpuCores(
  before: Record<string, number | undefined>,
  after: Record<string, number | undefined>,
  wallMs: number,
): Record<string, number> {
  const out: Record<string, number> = {};
  let ours = 0;
  for (const key of Object.keys(after)) {
    const a = after[key];
    const b = before[key];
    if (a === undefined || b === undefined) continue;
    out[key] = (a - b) / wallMs;
    if (key !== 'machine') ours += out[key];
  }
  if (out.machine !== undefined) out.others = Math.max(0, out.machine - ours);
  return out;
}

/**
 * Other engineers' builds and tests share these 2 cores. Before each pair the bench waits (within a
 * budget for the whole run) until the machine has been nearly idle for a moment, and a pair that other
 * processes disturbed anyway is run again (a bounded number of times). Both are recorded in the results.
 */
export class QuietGate {
  waitedMs = 0;
  retries = 0;
  constructor(
    private readonly budgetMs: number,
    private readonly maxRetries: number,
  ) {}

  async wait(): Promise<void> {
    const start = performance.now();
    for (;;) {
      const before = machineBusyMs();
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, 400));
      const after = machineBusyMs();
      if (before === undefined || after === undefined) return;
      const busyCores = (after - before) / (performance.now() - t0);
      if (busyCores < 0.25 || this.waitedMs + (performance.now() - start) > this.budgetMs) break;
      await new Promise((r) => setTimeout(r, 600));
    }
    this.waitedMs += performance.now() - start;
  }

  retry(): boolean {
    if (this.retries >= this.maxRetries) return false;
    this.retries++;
    return true;
  }
}
