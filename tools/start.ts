/**
 * `npm start`: Azurite (unless storage is configured explicitly) plus the app, under Azure Functions
 * Core Tools where `func` is installed, else under the local runner. Ctrl-C stops everything.
 *
 * Environment: PORT (7071), AZURITE_TABLE_PORT (10002), AZURITE_LOCATION (.azurite),
 * START_HOST (auto | func | runner), RUNNER_TLS_CERT and RUNNER_TLS_KEY (serve https).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { z } from 'zod';
import { AZURITE_ACCOUNT, AZURITE_KEY, portIsFree, startAzurite, type RunningAzurite } from './azurite';
import { startRunner, tlsFromEnvironment, type RunningServer } from './runner';

const appRoot = path.resolve(__dirname, '..', '..');

const startSettings = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(7071),
  AZURITE_TABLE_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  AZURITE_LOCATION: z.string().min(1).default(path.join(appRoot, '.azurite')),
  START_HOST: z.enum(['auto', 'func', 'runner']).default('auto'),
});

function fail(message: string): never {
  console.error(`npm start: ${message}`);
  process.exit(1);
}

function hasFunc(): boolean {
  return spawnSync('func', ['--version'], { stdio: 'ignore' }).status === 0;
}

function devStorageConnectionString(blobPort: number, queuePort: number, tablePort: number): string {
  const base = `http://127.0.0.1`;
  return (
    `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};` +
    `BlobEndpoint=${base}:${blobPort}/${AZURITE_ACCOUNT};QueueEndpoint=${base}:${queuePort}/${AZURITE_ACCOUNT};` +
    `TableEndpoint=${base}:${tablePort}/${AZURITE_ACCOUNT};`
  );
}

async function main(): Promise<void> {
  const parsed = startSettings.safeParse(process.env);
  if (!parsed.success) fail(parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`).join('; '));
  const settings = parsed.data;
  const host = settings.START_HOST === 'auto' ? (hasFunc() ? 'func' : 'runner') : settings.START_HOST;
  if (host === 'func' && !hasFunc()) fail('START_HOST=func but Azure Functions Core Tools (func) is not on PATH.');

  // Storage named in the environment (not in local.settings.json) is used as it is: no Azurite.
  const explicitStorage = !!(process.env.ASSIGNMENTS_STORAGE || process.env.ASSIGNMENTS_STORAGE__tableServiceUri);
  let azurite: RunningAzurite | undefined;
  if (!explicitStorage) {
    const tablePort = settings.AZURITE_TABLE_PORT ?? 10002;
    if (!(await portIsFree(tablePort))) {
      fail(
        `port ${tablePort} is in use (another Azurite?). Stop it, set AZURITE_TABLE_PORT to a free port, ` +
          'or set ASSIGNMENTS_STORAGE to use that storage.',
      );
    }
    // Core Tools also wants blob and queue for AzureWebJobsStorage; the runner needs only the table service.
    azurite = await startAzurite({ tablePort, location: settings.AZURITE_LOCATION, allServices: host === 'func' });
    process.env.ASSIGNMENTS_STORAGE = azurite.connectionString;
    if (host === 'func') process.env.AzureWebJobsStorage = devStorageConnectionString(10000, 10001, tablePort);
    console.log(`Azurite (table service on 127.0.0.1:${tablePort}) keeps its data in ${settings.AZURITE_LOCATION}`);
  }

  let runner: RunningServer | undefined;
  let func: ChildProcess | undefined;
  let stopping = false;
  const stop = async (code = 0) => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping...');
    await runner?.close();
    if (func && func.exitCode === null) func.kill('SIGINT');
    await azurite?.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());

  if (host === 'func') {
    console.log('Starting Azure Functions Core Tools (func start)...');
    func = spawn('func', ['start', '--port', String(settings.PORT)], { cwd: appRoot, stdio: 'inherit', env: process.env });
    func.once('exit', (code) => void stop(code ?? 0));
  } else {
    console.log('Azure Functions Core Tools not used (not installed, or START_HOST=runner): starting the local runner.');
    try {
      // RUNNER_TLS_CERT and RUNNER_TLS_KEY serve https, which Microsoft's Graph JS client needs to send its token.
      runner = await startRunner({ appRoot, port: settings.PORT, tls: tlsFromEnvironment() });
    } catch (err) {
      await azurite?.stop();
      fail(err instanceof Error ? err.message : String(err));
    }
  }

  const url = runner?.url ?? `http://127.0.0.1:${settings.PORT}`;
  console.log(`
Graph mock ready on ${url}  (Ctrl-C stops it${azurite ? ' and Azurite' : ''})

Try it:
  curl -i -X POST '${url}/beta/invitations/demo-invitation/invitedUser/deviceEnrollmentConfigurations/demo-configuration/assignments' \\
    -H 'Authorization: Bearer dev-token' -H 'Content-Type: application/json' \\
    -d '{"@odata.type":"#microsoft.graph.enrollmentConfigurationAssignment","target":{"@odata.type":"microsoft.graph.groupAssignmentTarget","groupId":"00000000-0000-0000-0000-000000000001"},"source":"direct","sourceId":"Source Id value"}'
`);
}

void main().catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
