/**
 * The function process under test: the local runner (dist/dev/runner.js, the same code `npm start`
 * uses) started in this process, plus a bench-only IPC channel that reports this process's CPU time,
 * memory and request counts. Nothing is added to the app: the channel is Node's IPC pipe to the
 * orchestrator, not an HTTP endpoint.
 *
 * Env: PORT, RUNNER_APP_ROOT (the app folder: dist/package for the bundle, the repository for tsc
 * output), ASSIGNMENTS_STORAGE, ASSIGNMENTS_TABLE.
 */
import path from 'node:path';
import { startRunner } from '../dev/runner';
import { serveCommands, type Command } from './ipc';

async function main(): Promise<void> {
  const appRoot = path.resolve(process.env.RUNNER_APP_ROOT ?? path.join(__dirname, '..', '..'));
  const running = await startRunner({ appRoot, port: Number(process.env.PORT ?? 0) });
  let served = 0;
  let inFlight = 0;
  running.server.on('request', (_req, res) => {
    inFlight++;
    res.once('close', () => {
      inFlight--;
      served++;
    });
  });
  const handle = async (command: Command): Promise<unknown> => {
    switch (command.op) {
      case 'usage': {
        const cpu = process.cpuUsage();
        const mem = process.memoryUsage();
        return {
          cpuMs: (cpu.user + cpu.system) / 1000,
          systemMs: cpu.system / 1000,
          rss: mem.rss,
          heapUsed: mem.heapUsed,
          heapTotal: mem.heapTotal,
          external: mem.external,
          arrayBuffers: mem.arrayBuffers,
          served,
          inFlight,
        };
      }
      case 'gc':
        // Only with --expose-gc (bench/run.ts's memory check): tells retained memory from garbage not yet collected.
        (globalThis as { gc?: () => void }).gc?.();
        return {};
      case 'stop':
        await running.close();
        setImmediate(() => process.exit(0));
        return {};
      default:
        throw new Error(`unknown op ${command.op}`);
    }
  };
  serveCommands(handle, { url: running.url, pid: process.pid });
  // SIGTERM from the orchestrator: close the server so a --cpu-prof profile is written on exit.
  process.once('SIGTERM', () => void running.close().then(() => process.exit(0)));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
