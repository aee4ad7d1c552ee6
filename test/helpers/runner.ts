import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../../dev/azurite';
import { loadLocalSettings } from '../../dev/local-settings';
import { startFunctionsHost } from './functions-host';
import { startTlsProxy } from './tls-proxy';

export const APP_ROOT = path.resolve(__dirname, '..', '..');

export interface RunnerProcess {
  url: string;
  process: ChildProcess | { pid: number };
  output(): string;
  stop(): Promise<void>;
}

/** Which server the end-to-end suites talk to: the local runner, or the genuine Functions host (npm run test:host). */
export const E2E_SERVER = process.env.E2E_SERVER === 'host' ? 'host' : 'runner';

/**
 * Starts the server the end-to-end tests talk to, in its own process: the compiled local runner (dist/,
 * built by `npm test` before jest runs), which loads the app from package.json `main` as `npm start`
 * does; or, with E2E_SERVER=host, the genuine Functions host serving the deployment package dist/package
 * (see startHostProcess). The same test code runs against both.
 */
export async function startRunnerProcess(env: Record<string, string | undefined> = {}): Promise<RunnerProcess> {
  if (E2E_SERVER === 'host') return startHostProcess(env);
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(APP_ROOT, 'dist', 'dev', 'runner.js')], {
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
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`runner exited with ${code}:\n${output}`));
    });
  });
  return { url, process: child, output: () => output, stop };
}

/** A server with these settings for the length of `use`, stopped afterwards whatever happens. */
export async function withRunner<T>(env: Record<string, string>, use: (runner: RunnerProcess) => Promise<T>): Promise<T> {
  const runner = await startRunnerProcess(env);
  try {
    return await use(runner);
  } finally {
    await runner.stop();
  }
}

/**
 * The genuine host, given what the runner would be given. The runner's own settings map to the host's
 * way of doing the same: local.settings.json's Values become environment without overriding it (what
 * Core Tools does, and what the runner does itself); RUNNER_APP_ROOT is ignored, the host always serves
 * dist/package (what azd deploys); RUNNER_TLS_CERT/KEY put a TLS-terminating proxy in front (the host
 * serves plain http on loopback, as behind Azure's front ends, which terminate TLS and forward
 * X-Forwarded-Proto: the host then sees https with ASPNETCORE_FORWARDEDHEADERS_ENABLED).
 */
async function startHostProcess(env: Record<string, string | undefined>): Promise<RunnerProcess> {
  const { RUNNER_TLS_CERT: cert, RUNNER_TLS_KEY: key, RUNNER_APP_ROOT: _ignored, ...settings } = env;
  const merged: NodeJS.ProcessEnv = { ...process.env, ...settings };
  loadLocalSettings(APP_ROOT, merged);
  // UseDevelopmentStorage=true means Azurite's default ports: another engineer's Azurite on this machine,
  // not the test's. The app's storage is ASSIGNMENTS_STORAGE; an HTTP-only app runs without this one.
  if (merged.AzureWebJobsStorage === 'UseDevelopmentStorage=true') merged.AzureWebJobsStorage = undefined;
  if (cert && key) merged.ASPNETCORE_FORWARDEDHEADERS_ENABLED = 'true';
  const host = await startFunctionsHost(merged);
  if (!(cert && key)) return { url: host.url, process: { pid: host.pid }, output: () => host.output(), stop: () => host.stop() };
  const proxy = await startTlsProxy(host.url, cert, key);
  return {
    url: proxy.url,
    process: { pid: host.pid },
    output: () => host.output(),
    stop: async () => {
      await proxy.close();
      await host.stop();
    },
  };
}
