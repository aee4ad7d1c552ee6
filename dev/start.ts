/**
 * `npm start`: Azurite (unless storage is configured explicitly) plus the app, under Azure Functions
 * Core Tools where `func` is installed, else under the local runner. `npm start -- --https` serves https
 * with a loopback certificate made once in .certs/.
 *
 * Stopping: Ctrl-C, SIGINT/SIGTERM/SIGHUP to this process or its group, a closed terminal, or npm (its
 * parent) going away all lead to one orderly stop: requests under way are answered, then Azurite is
 * asked once to save and exit. Azurite runs in its own process group (so the terminal's signals reach
 * only this process) and stops by itself if this process dies without asking (dev/azurite.ts).
 *
 * Environment: PORT (7071), AZURITE_TABLE_PORT (10002), AZURITE_LOCATION (.azurite),
 * START_HOST (auto | func | runner), RUNNER_TLS_CERT and RUNNER_TLS_KEY (serve https with these PEM
 * files), HTTPS_CERT_DIR (.certs: where --https keeps its certificate).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import type http from 'node:http';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { devStorageConnectionString, portIsFree, startAzurite, type RunningAzurite } from './azurite';
import { ensureDevCertificate, type DevCertificate } from './dev-certificate';
import { startRunner, tlsFromEnvironment, type RunnerTls, type RunningServer } from './runner';

const appRoot = path.resolve(__dirname, '..', '..');

const startSettings = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(7071),
  AZURITE_TABLE_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  AZURITE_LOCATION: z.string().min(1).default(path.join(appRoot, '.azurite')),
  START_HOST: z.enum(['auto', 'func', 'runner']).default('auto'),
  HTTPS_CERT_DIR: z.string().min(1).default(path.join(appRoot, '.certs')),
});

/** How long requests under way get to be answered when stopping, before their connections are cut. */
const DRAIN_MS = 5_000;
/** Past this a stop that hangs ends the process anyway (Azurite then stops by itself, its data saved). */
const STOP_DEADLINE_MS = 25_000;

// After the terminal is closed, writing to it fails (EIO); that must not end the process mid-stop.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);

function fail(message: string): never {
  console.error(`npm start: ${message}`);
  process.exit(1);
}

function hasFunc(): boolean {
  return spawnSync('func', ['--version'], { stdio: 'ignore' }).status === 0;
}

function parseArguments(argv: string[]): { https: boolean } {
  const unknown = argv.filter((a) => a !== '--https');
  if (unknown.length > 0) fail(`unknown argument ${unknown.join(' ')}; the one argument is --https (npm start -- --https).`);
  return { https: argv.includes('--https') };
}

/** Stops accepting, lets requests under way finish (up to DRAIN_MS), then cuts what is left. */
async function drain(server: http.Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // Keep-alive connections that go idle once their request is answered are closed as they do.
  const idle = setInterval(() => server.closeIdleConnections(), 50);
  server.closeIdleConnections();
  const cut = setTimeout(() => server.closeAllConnections(), DRAIN_MS);
  await closed;
  clearInterval(idle);
  clearTimeout(cut);
}

function exited(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function trustAdvice(cert: DevCertificate, url: string): string {
  const file = cert.certFile;
  const shown = path.relative(process.cwd(), file);
  return `https: ${shown.startsWith('..') ? file : shown} (${cert.created ? 'made now' : 'reused'}; SHA-256 ${cert.fingerprint}; valid until ${cert.validTo.toISOString().slice(0, 10)})
Trust it (it is valid for localhost, 127.0.0.1 and ::1 only):
  Node (Graph JS client, Kiota):  NODE_EXTRA_CA_CERTS='${file}' node your-script.js
  curl:                           curl --cacert '${file}' ${url}/...
  PowerShell 7:                   Invoke-RestMethod -SkipCertificateCheck ..., or trust it once:
                                  Windows: Import-Certificate -FilePath '${file}' -CertStoreLocation Cert:\\CurrentUser\\Root
                                  Linux/macOS: add it to the system's trusted certificates
`;
}

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2));
  const parsed = startSettings.safeParse(process.env);
  if (!parsed.success) fail(parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`).join('; '));
  const settings = parsed.data;
  const host = settings.START_HOST === 'auto' ? (hasFunc() ? 'func' : 'runner') : settings.START_HOST;
  if (host === 'func' && !hasFunc()) fail('START_HOST=func but Azure Functions Core Tools (func) is not on PATH.');

  let azurite: RunningAzurite | undefined;
  let azuriteStarting: Promise<unknown> = Promise.resolve();
  let runner: RunningServer | undefined;
  let func: ChildProcess | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (reason: string, code = 0) =>
    (stopping ??= (async () => {
      const began = Date.now();
      console.log(`\nStopping (${reason})...`);
      setTimeout(() => process.exit(1), STOP_DEADLINE_MS).unref();
      if (runner) await drain(runner.server);
      if (func) {
        if (func.exitCode === null && func.signalCode === null) func.kill('SIGINT');
        await exited(func, 10_000);
      }
      // A stop asked for while Azurite was still starting waits for it, so that it is stopped too.
      await azuriteStarting.catch(() => undefined);
      await azurite?.stop();
      console.log(`Stopped in ${Date.now() - began} ms${azurite ? `; Azurite's data is saved in ${settings.AZURITE_LOCATION}` : ''}.`);
      process.exit(code);
    })());
  // Every signal, however many arrive, leads to the one stop above.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stop(signal));
  // npm does not pass a SIGTERM of its own on to this process: it dies and leaves it to init. A parent
  // that has changed means npm (or whoever started this) is gone.
  const parent = process.ppid;
  if (parent > 1) {
    setInterval(() => {
      if (process.ppid !== parent) void stop('the process that started it has gone');
    }, 250).unref();
  }

  // Storage named in the environment (not in local.settings.json) is used as it is: no Azurite.
  const explicitStorage = !!(process.env.ASSIGNMENTS_STORAGE || process.env.ASSIGNMENTS_STORAGE__tableServiceUri);
  if (!(await portIsFree(settings.PORT))) fail(`port ${settings.PORT} is in use (another npm start?). Stop it or set PORT to a free port.`);
  if (!explicitStorage) {
    const tablePort = settings.AZURITE_TABLE_PORT ?? 10002;
    if (!(await portIsFree(tablePort))) {
      fail(
        `port ${tablePort} is in use (another Azurite?). Stop it, set AZURITE_TABLE_PORT to a free port, ` +
          'or set ASSIGNMENTS_STORAGE to use that storage.',
      );
    }
    // Core Tools also wants blob and queue for AzureWebJobsStorage; the runner needs only the table service.
    const starting = startAzurite({ tablePort, location: settings.AZURITE_LOCATION, allServices: host === 'func' });
    azuriteStarting = starting;
    azurite = await starting.catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
    void azurite.exited.then(() => void stop('Azurite stopped', 1));
    process.env.ASSIGNMENTS_STORAGE = azurite.connectionString;
    if (host === 'func') process.env.AzureWebJobsStorage = devStorageConnectionString(10000, 10001, tablePort);
    console.log(
      `Azurite (pid ${azurite.process.pid}, table service on 127.0.0.1:${tablePort}) keeps its data in ${settings.AZURITE_LOCATION}`,
    );
  }
  if (stopping) return;

  let tls: RunnerTls | undefined;
  let certificate: DevCertificate | undefined;
  try {
    tls = tlsFromEnvironment();
    if (!tls && options.https) {
      certificate = await ensureDevCertificate(settings.HTTPS_CERT_DIR);
      tls = { cert: readFileSync(certificate.certFile), key: readFileSync(certificate.keyFile) };
    }
  } catch (err) {
    await azurite?.stop();
    fail(err instanceof Error ? err.message : String(err));
  }

  if (host === 'func') {
    console.log('Starting Azure Functions Core Tools (func start)...');
    // Core Tools makes and uses a certificate of its own for --useHttps.
    const funcArgs = ['start', '--port', String(settings.PORT), ...(options.https ? ['--useHttps'] : [])];
    func = spawn('func', funcArgs, { cwd: appRoot, stdio: 'inherit', env: process.env });
    func.once('exit', (code) => void stop('func exited', code ?? 0));
  } else {
    console.log('Azure Functions Core Tools not used (not installed, or START_HOST=runner): starting the local runner.');
    try {
      runner = await startRunner({ appRoot, port: settings.PORT, tls });
    } catch (err) {
      await azurite?.stop();
      fail(err instanceof Error ? err.message : String(err));
    }
  }

  const url = runner?.url ?? `${options.https ? 'https' : 'http'}://127.0.0.1:${settings.PORT}`;
  const cacert = certificate ? ` --cacert '${certificate.certFile}'` : '';
  console.log(`
${certificate ? `${trustAdvice(certificate, url)}\n` : ''}Graph mock ready on ${url}  (Ctrl-C stops it${azurite ? ' and Azurite' : ''})

Try it:
  curl -i${cacert} -X POST '${url}/beta/invitations/demo-invitation/invitedUser/deviceEnrollmentConfigurations/demo-configuration/assignments' \\
    -H 'Authorization: Bearer dev-token' -H 'Content-Type: application/json' \\
    -d '{"@odata.type":"#microsoft.graph.enrollmentConfigurationAssignment","target":{"@odata.type":"microsoft.graph.groupAssignmentTarget","groupId":"00000000-0000-0000-0000-000000000001"},"source":"direct","sourceId":"Source Id value"}'
`);
}

void main().catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
