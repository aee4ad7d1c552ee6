import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../../tools/azurite';

export const APP_ROOT = path.resolve(__dirname, '..', '..');

export interface RunnerProcess {
  url: string;
  process: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts the compiled local runner (dist/, built by `npm test` before jest runs) as its own process:
 * the app is loaded from package.json `main` and served over real HTTP, as `npm start` does.
 */
export async function startRunnerProcess(env: Record<string, string | undefined> = {}): Promise<RunnerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(APP_ROOT, 'dist', 'tools', 'runner.js')], {
    cwd: APP_ROOT,
    env: { ...process.env, PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let url = '';
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`runner did not start:\n${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      // The runner prints the URL it serves: http, or https when RUNNER_TLS_CERT and RUNNER_TLS_KEY are set.
      const listening = /listening on (\S+)\r?\n/.exec(output);
      if (listening) {
        url = listening[1]!;
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`runner exited with ${code}:\n${output}`));
    });
  });
  return { url, process: child, output: () => output, stop };
}
