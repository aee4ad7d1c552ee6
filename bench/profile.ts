/**
 * `npm run bench:profile`: the function process under POST load with --cpu-prof, then where its CPU
 * went: self time by package and the top functions. Serves the tsc output (not the bundle) so every
 * frame keeps its file and package name. The .cpuprofile goes to bench/results/tmp/ (not committed;
 * open it in Chrome DevTools or VS Code for the call tree).
 *
 * Env: PROFILE_SECONDS (15), PROFILE_CONCURRENCY (16), PROFILE_APP (tsc | bundle),
 * PROFILE_TARGET (function | raw: profile a raw client instead, for comparison), PROFILE_RAW_OP (insert |
 * transaction: what the raw client sends, createEntity or the create's own transaction),
 * PROFILE_SETTINGS (deployed | local: the function process with local.settings.json's, the journal kept),
 * PROFILE_REQUEST (post | get: the request the load sends).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { freePort, startAzurite } from '../dev/azurite';
import { collectionPath, POST_BODY } from './entity';
import { childEnv, DEPLOYED_SETTINGS, LOCAL_DEFAULTS, request } from './harness';
import { forkChild } from './ipc';

const ROOT = path.resolve(__dirname, '..', '..');
const OUT = path.join(ROOT, 'bench', 'results', 'tmp', `profile-${process.env.PROFILE_TARGET === 'raw' ? 'raw' : 'function'}`);

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function category(url: string): string {
  if (!url) return '(native / V8)';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  const own = /\/dist\/((?:src|dev)\/.*)$/.exec(url);
  if (own) return own[1]!.replace(/\.js$/, '.ts');
  return url.replace(/^file:\/\//, '');
}

/**
 * Counts samples rather than summing their time deltas: when other processes hold the cores, the
 * sample taken after this thread was descheduled carries the whole wait as its delta, so deltas
 * measure wall time. A sample is only taken while the thread runs, so counts track CPU time.
 * `requests` (optional) turns the figures into microseconds per request.
 */
export function summariseProfile(file: string, top = 40, requests?: number, intervalUs = 1000): string {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  p.samples.forEach((id) => self.set(id, (self.get(id) ?? 0) + intervalUs));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const idle = [...self].filter(([id]) => byId.get(id)!.callFrame.functionName === '(idle)').reduce((a, [, t]) => a + t, 0);
  const busy = total - idle;
  const byCategory = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const [id, t] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') continue;
    const cat = category(url);
    byCategory.set(cat, (byCategory.get(cat) ?? 0) + t);
    const key = `${functionName || '(anonymous)'}  ${cat}${url ? `:${lineNumber + 1}` : ''}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + t);
  }
  const pct = (t: number) =>
    `${((100 * t) / busy).toFixed(1).padStart(5)} %${requests ? ` ${(t / requests).toFixed(1).padStart(7)} µs/req` : ''}`;
  const lines = [
    `busy ${(busy / 1000).toFixed(0)} ms of ${(total / 1000).toFixed(0)} ms sampled${requests ? `, ${requests} requests: ${(busy / requests / 1000).toFixed(3)} ms per request` : ''}`,
    '',
    'self time by package / file:',
  ];
  for (const [k, t] of [...byCategory].sort((a, b) => b[1] - a[1]).slice(0, 30)) lines.push(`  ${pct(t)}  ${k}`);
  lines.push('', 'top functions by self time:');
  for (const [k, t] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(t)}  ${k}`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const seconds = Number(process.env.PROFILE_SECONDS ?? 15);
  const concurrency = Number(process.env.PROFILE_CONCURRENCY ?? 16);
  const app = process.env.PROFILE_APP === 'bundle' ? path.join(ROOT, 'dist', 'package') : ROOT;
  let requests: number | undefined;
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const azurite = await startAzurite({ tablePort: await freePort() });
  try {
    if (process.env.PROFILE_TARGET === 'raw') {
      const { worker: raw } = await forkChild(path.join(__dirname, 'raw-client.js'), {
        env: { ...process.env, BENCH_STORAGE: azurite.connectionString, BENCH_TABLE: 'Profile' },
        execArgv: ['--cpu-prof', '--cpu-prof-dir', OUT],
      });
      await raw.call({ op: 'init' });
      const op = process.env.PROFILE_RAW_OP === 'transaction' ? 'transaction' : 'insert';
      const r = await raw.call<{ throughput: number; errors: number; cpuMsPerOp: number; completed: number }>({
        op,
        concurrency,
        durationMs: seconds * 1000,
        partition: 'profile',
      });
      console.log(
        `${r.throughput.toFixed(0)} ${op}s/s at C = ${concurrency}, ${r.errors} errors, ${r.cpuMsPerOp.toFixed(3)} ms CPU per ${op}`,
      );
      requests = r.completed;
      // Disconnecting makes the child exit normally, which is when --cpu-prof writes the profile.
      raw.child.disconnect();
      await new Promise((r) => raw.child.once('exit', r));
    } else {
      const port = await freePort();
      const { worker: host, ready } = await forkChild(path.join(__dirname, 'function-host.js'), {
        // The deployed settings unless asked: serving the repository (tsc output), the runner would
        // otherwise take local.settings.json's, the journal included.
        env: childEnv({
          PORT: String(port),
          ASSIGNMENTS_STORAGE: azurite.connectionString,
          ASSIGNMENTS_TABLE: 'Profile',
          RUNNER_APP_ROOT: app,
          ...(process.env.PROFILE_SETTINGS === 'local' ? LOCAL_DEFAULTS : DEPLOYED_SETTINGS),
        }),
        execArgv: ['--cpu-prof', '--cpu-prof-dir', OUT],
      });
      const { worker: load } = await forkChild(path.join(__dirname, 'http-load.js'));
      const get = process.env.PROFILE_REQUEST === 'get';
      let paths = [collectionPath('profile')];
      if (get) {
        const created = await request(`${String(ready.url)}${collectionPath('profile')}`, 'POST', POST_BODY);
        paths = [String(created.headers.location).replace(/^https?:\/\/[^/]+/, '')];
      }
      const round = (durationMs: number) =>
        load.call<{ throughput: number; errors: number }>({
          op: 'profile',
          url: String(ready.url),
          concurrency,
          durationMs,
          method: get ? 'GET' : 'POST',
          paths,
          expect: get ? 200 : 201,
          body: get ? undefined : POST_BODY,
        });
      const r = await round(seconds * 1000);
      console.log(`${r.throughput.toFixed(0)} ${get ? 'GET' : 'POST'}/s at C = ${concurrency}, ${r.errors} errors`);
      const usage = await host.call<{ cpuMs: number; served: number }>({ op: 'usage' });
      console.log(`function process: ${(usage.cpuMs / usage.served).toFixed(3)} ms CPU per request over its life (start-up included)`);
      requests = usage.served;
      await load.stop();
      await host.call({ op: 'stop' }).catch(() => undefined);
      await new Promise((r) => host.child.once('exit', r));
    }
  } finally {
    await azurite.stop();
  }
  const file = readdirSync(OUT).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error('no .cpuprofile written');
  console.log(`\n${path.relative(ROOT, path.join(OUT, file))}\n`);
  console.log(summariseProfile(path.join(OUT, file), 40, requests));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
