/**
 * What a setting costs per request: two app processes on one Azurite, one with the setting off and one
 * with it on, serve the same requests from C closed-loop clients; rounds alternate between them, and the
 * figure is the ratio within each pair of rounds. `node dist/bench/setting-cost.js <scenario>`:
 *
 * - `rate-limit` (`npm run bench:rate-limit`): MOCK_RATE_LIMIT off vs a limit never reached (5000/1), GET
 *   of one assignment; its windows are in shared storage. Writes bench/results/rate-limit.md.
 * - `journal` (`npm run bench:journal`): MOCK_ADMIN off vs on (the request journal kept: one insert per
 *   request), GET of one assignment and POST of a new one, without a client-request-id. Writes
 *   bench/results/journal.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, startAzurite } from '../dev/azurite';
import { startRunnerApp } from './harness';
import { spread } from './stats';

const ROOT = path.resolve(__dirname, '..', '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 3000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const headers = { 'Content-Type': 'application/json', Authorization: 'Bearer bench' };
const TARGET = JSON.stringify({ target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' } });

interface Scenario {
  setting: string;
  off: Record<string, string>;
  on: Record<string, string>;
  onLabel: string;
  operations: Array<'GET' | 'POST'>;
}

const SCENARIOS: Record<string, Scenario> = {
  'rate-limit': {
    setting: 'MOCK_RATE_LIMIT',
    off: { MOCK_RATE_LIMIT: 'off', MOCK_ADMIN: 'off' },
    on: { MOCK_RATE_LIMIT: '5000/1', MOCK_ADMIN: 'off' },
    onLabel: '5000/1 (never reached)',
    operations: ['GET'],
  },
  journal: {
    setting: 'MOCK_ADMIN',
    off: { MOCK_ADMIN: 'off' },
    on: { MOCK_ADMIN: 'on', MOCK_JOURNAL: 'on' },
    onLabel: 'on (journal kept)',
    operations: ['GET', 'POST'],
  },
};

async function round(url: string, method: 'GET' | 'POST'): Promise<{ perSecond: number; meanMs: number; other: number }> {
  const until = performance.now() + ROUND_MS;
  let done = 0;
  let other = 0;
  let totalMs = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < until) {
        const started = performance.now();
        const r = await fetch(url, method === 'GET' ? { headers } : { method, headers, body: TARGET });
        await r.arrayBuffer();
        totalMs += performance.now() - started;
        if (r.status === (method === 'GET' ? 200 : 201)) done++;
        else other++;
      }
    }),
  );
  return { perSecond: done / (ROUND_MS / 1000), meanMs: totalMs / Math.max(1, done + other), other };
}

type Round = Awaited<ReturnType<typeof round>>;

async function main(): Promise<void> {
  const name = process.argv[2] ?? '';
  const scenario = SCENARIOS[name];
  if (!scenario) throw new Error(`name a scenario: ${Object.keys(SCENARIOS).join(', ')}`);
  const azurite = await startAzurite({ tablePort: await freePort() });
  const off = await startRunnerApp(azurite.connectionString, 'benchSettingCost', scenario.off);
  const on = await startRunnerApp(azurite.connectionString, 'benchSettingCost', scenario.on);
  try {
    const collection = (base: string) => `${base}/beta/deviceManagement/deviceEnrollmentConfigurations/bench-cost/assignments`;
    const created = await (await fetch(collection(off.url), { method: 'POST', headers, body: TARGET })).json();
    const urls = {
      GET: (base: string) => `${collection(base)}/${(created as { id: string }).id}`,
      POST: collection,
    };
    const f = (xs: number[]) => {
      const s = spread(xs);
      return `${s.median.toFixed(2)} (${s.min.toFixed(2)}–${s.max.toFixed(2)})`;
    };
    const md = [
      `${ROUNDS} pairs of ${ROUND_MS / 1000} s rounds, C = ${CONCURRENCY}, ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} CPUs, Azurite in memory; median (min–max).`,
      '',
      `| request | ${scenario.setting} | req/s | mean latency ms | unexpected answers |`,
      '|---|---|---:|---:|---:|',
    ];
    for (const method of scenario.operations) {
      await round(urls[method](off.url), method);
      await round(urls[method](on.url), method);
      const offRounds: Round[] = [];
      const onRounds: Round[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        offRounds.push(await round(urls[method](off.url), method));
        onRounds.push(await round(urls[method](on.url), method));
      }
      const label = method === 'GET' ? 'GET one assignment' : 'POST (create)';
      md.push(
        `| ${label} | off | ${f(offRounds.map((r) => r.perSecond))} | ${f(offRounds.map((r) => r.meanMs))} | ${offRounds.reduce((n, r) => n + r.other, 0)} |`,
        `| ${label} | ${scenario.onLabel} | ${f(onRounds.map((r) => r.perSecond))} | ${f(onRounds.map((r) => r.meanMs))} | ${onRounds.reduce((n, r) => n + r.other, 0)} |`,
        `| ${label} | on ÷ off, per pair | ${f(onRounds.map((r, i) => r.perSecond / offRounds[i]!.perSecond))} | ${f(onRounds.map((r, i) => r.meanMs / offRounds[i]!.meanMs))} | |`,
      );
    }
    const text = md.join('\n');
    mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(path.join(ROOT, 'bench', 'results', `${name}.md`), `${text}\n`);
    process.stdout.write(`${text}\n`);
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
