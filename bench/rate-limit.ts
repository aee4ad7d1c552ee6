/**
 * `npm run bench:rate-limit`: what MOCK_RATE_LIMIT costs per request now that its windows are in
 * shared storage. Two app processes on one Azurite, one with the limit off and one with a limit that
 * is never reached (5000/1), serve GET of one assignment from C closed-loop clients; rounds alternate
 * between them, and the figure is the ratio within each pair of rounds. Writes bench/results/rate-limit.md.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, startAzurite } from '../tools/azurite';
import { spread } from './stats';

const ROOT = path.resolve(__dirname, '..', '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 3000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const headers = { 'Content-Type': 'application/json', Authorization: 'Bearer bench' };

async function startApp(connectionString: string, env: Record<string, string>): Promise<{ url: string; stop(): void }> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'tools', 'runner.js')], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), ASSIGNMENTS_STORAGE: connectionString, ASSIGNMENTS_TABLE: 'benchRateLimit', ...env },
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

async function round(url: string): Promise<{ perSecond: number; meanMs: number; other: number }> {
  const until = performance.now() + ROUND_MS;
  let done = 0;
  let other = 0;
  let totalMs = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < until) {
        const started = performance.now();
        const r = await fetch(url, { headers });
        await r.arrayBuffer();
        totalMs += performance.now() - started;
        if (r.status === 200) done++;
        else other++;
      }
    }),
  );
  return { perSecond: done / (ROUND_MS / 1000), meanMs: totalMs / Math.max(1, done + other), other };
}

async function main(): Promise<void> {
  const azurite = await startAzurite({ tablePort: await freePort() });
  const off = await startApp(azurite.connectionString, { MOCK_RATE_LIMIT: 'off' });
  const on = await startApp(azurite.connectionString, { MOCK_RATE_LIMIT: '5000/1' });
  try {
    const collection = `${off.url}/beta/deviceManagement/deviceEnrollmentConfigurations/bench-rate/assignments`;
    const created = await (await fetch(collection, { method: 'POST', headers, body: JSON.stringify({ target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' } }) })).json();
    const item = (base: string) => `${base}/beta/deviceManagement/deviceEnrollmentConfigurations/bench-rate/assignments/${(created as { id: string }).id}`;
    await round(item(off.url));
    await round(item(on.url));
    const offRounds: Awaited<ReturnType<typeof round>>[] = [];
    const onRounds: Awaited<ReturnType<typeof round>>[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      offRounds.push(await round(item(off.url)));
      onRounds.push(await round(item(on.url)));
    }
    const f = (xs: number[]) => {
      const s = spread(xs);
      return `${s.median.toFixed(2)} (${s.min.toFixed(2)}–${s.max.toFixed(2)})`;
    };
    const md = [
      `GET of one assignment, C = ${CONCURRENCY}, ${ROUNDS} pairs of ${ROUND_MS / 1000} s rounds, ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} CPUs, Azurite in memory; median (min–max).`,
      '',
      '| MOCK_RATE_LIMIT | req/s | mean latency ms | non-200 answers |',
      '|---|---:|---:|---:|',
      `| off | ${f(offRounds.map((r) => r.perSecond))} | ${f(offRounds.map((r) => r.meanMs))} | ${offRounds.reduce((n, r) => n + r.other, 0)} |`,
      `| 5000/1 (never reached) | ${f(onRounds.map((r) => r.perSecond))} | ${f(onRounds.map((r) => r.meanMs))} | ${onRounds.reduce((n, r) => n + r.other, 0)} |`,
      `| on ÷ off, per pair | ${f(onRounds.map((r, i) => r.perSecond / offRounds[i]!.perSecond))} | ${f(onRounds.map((r, i) => r.meanMs / offRounds[i]!.meanMs))} | |`,
    ].join('\n');
    mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(path.join(ROOT, 'bench', 'results', 'rate-limit.md'), `${md}\n`);
    process.stdout.write(`${md}\n`);
  } finally {
    off.stop();
    on.stop();
    await azurite.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
