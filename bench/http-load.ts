/**
 * The end-to-end load generator: autocannon in a process of its own, so its CPU is not charged to
 * the function process. Latency percentiles come from autocannon's per-response timings (float ms;
 * its own histogram truncates to whole milliseconds, too coarse for sub-millisecond p99s at C = 1).
 */
import autocannon from 'autocannon';
import { randomUUID } from 'node:crypto';
import { serveCommands, type Command } from './ipc';
import { summarise, type Round } from './stats';

export interface HttpRound extends Round {
  statusCounts: Record<string, number>;
}

const HEADERS = { Authorization: 'Bearer bench-token', 'Content-Type': 'application/json' };

async function run(command: Command): Promise<HttpRound> {
  const concurrency = Number(command.concurrency);
  const durationMs = command.durationMs === undefined ? undefined : Number(command.durationMs);
  const amount = command.amount === undefined ? undefined : Number(command.amount);
  const expect = Number(command.expect);
  const paths = command.paths as string[];
  const method = String(command.method);
  const body = typeof command.body === 'string' ? command.body : undefined;
  // A header with a fresh value on every request (client-request-id: each request a new create, as an SDK sends it).
  const unique = typeof command.uniqueHeader === 'string' ? command.uniqueHeader : undefined;
  const headers = (extra: Record<string, string> = {}) => ({
    ...HEADERS,
    ...(command.headers as Record<string, string> | undefined),
    ...extra,
  });
  const latencies: number[] = [];
  const statusCounts: Record<string, number> = {};
  let inWindow = 0;
  let next = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const deadline = durationMs === undefined ? Infinity : start + durationMs;
  const instance = autocannon({
    url: String(command.url),
    connections: concurrency,
    ...(amount !== undefined ? { amount } : { duration: durationMs! / 1000 }),
    // A fixed request rate (all connections together), for comparing builds at equal load.
    ...(command.rate !== undefined ? { overallRate: Number(command.rate) } : {}),
    timeout: 30,
    // autocannon stops at its first sample tick after the duration; ticking every 100 ms ends rounds promptly.
    sampleInt: 100,
    requests: [
      {
        method,
        headers: headers(),
        body,
        path: paths[0],
        setupRequest: (request) => ({
          ...request,
          path: paths[next++ % paths.length],
          ...(unique ? { headers: headers({ [unique]: randomUUID() }) } : {}),
        }),
      },
    ],
  });
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    statusCounts[statusCode] = (statusCounts[statusCode] ?? 0) + 1;
    if (statusCode !== expect) return;
    latencies.push(responseTime);
    if (performance.now() <= deadline) inWindow++;
  });
  const result = await new Promise<{ errors: number; timeouts: number }>((resolve, reject) =>
    instance.once('done', resolve).once('error', reject),
  );
  const elapsed = amount !== undefined ? performance.now() - start : durationMs!;
  const cpu = process.cpuUsage(cpu0);
  const unexpected = Object.entries(statusCounts).reduce((n, [s, c]) => (Number(s) === expect ? n : n + c), 0);
  return {
    op: String(command.op),
    concurrency,
    durationMs: elapsed,
    inWindow: amount !== undefined ? latencies.length : inWindow,
    completed: latencies.length,
    errors: unexpected + result.errors + result.timeouts,
    statusCounts,
    throughput: (amount !== undefined ? latencies.length : inWindow) / (elapsed / 1000),
    latency: summarise(latencies),
    cpuMsPerOp: (cpu.user + cpu.system) / 1000 / Math.max(1, latencies.length),
  };
}

serveCommands(run, { pid: process.pid });
