import { spawn } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../../dev/azurite';

const APP_ROOT = path.resolve(__dirname, '..', '..');

/** ../shared/functions-host: the genuine Azure Functions host and Node worker, built from source. */
export const FUNCTIONS_HOST_RUN = path.resolve(APP_ROOT, '..', 'shared', 'functions-host', 'run');

export interface FunctionsHost {
  url: string;
  /** The host's PID (the run script execs the host): its Node worker is a child of it. */
  pid: number;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts the genuine Functions host on a free loopback port serving `app` (dist/package, what azd deploys,
 * unless told otherwise), with `env` over this process's environment as the app settings (the host reads
 * settings only from its environment). Resolves once the host printed its ready line: functions indexed,
 * routes mapped. Start-up takes about 4 s on a 2-core machine: start one per test file, not per test.
 */
export async function startFunctionsHost(
  env: Record<string, string | undefined> = {},
  options: { app?: string } = {},
): Promise<FunctionsHost> {
  const port = await freePort();
  const app = options.app ?? path.join(APP_ROOT, 'dist', 'package');
  const node = path.join(APP_ROOT, 'node_modules', '.bin', 'node');
  const child = spawn(FUNCTIONS_HOST_RUN, ['--app', app, '--port', String(port), '--node', node], {
    cwd: APP_ROOT,
    env: Object.fromEntries(Object.entries({ ...process.env, ...env }).filter((e): e is [string, string] => e[1] !== undefined)),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`the Functions host did not start within 90 s:\n${output}`));
    }, 90_000);
    const onData = () => {
      if (output.includes(`Functions host listening on http://127.0.0.1:${port}`)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the Functions host exited with ${code}:\n${output}`));
    });
  });
  return { url: `http://127.0.0.1:${port}`, pid: child.pid!, output: () => output, stop };
}
