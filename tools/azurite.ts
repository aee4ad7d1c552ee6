/**
 * Starts Azurite as a child process, the same way for `npm start`, the tests and the benchmarks:
 * always with --disableTelemetry (it otherwise reports usage to the internet) and on 127.0.0.1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

export const AZURITE_ACCOUNT = 'devstoreaccount1';
/** Azurite's published development key: the same for every Azurite install, not a secret. */
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export function azuriteConnectionString(tablePort: number): string {
  return (
    `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};` +
    `TableEndpoint=http://127.0.0.1:${tablePort}/${AZURITE_ACCOUNT};`
  );
}

/** A port that was free a moment ago (Azurite's `--tablePort 0` prints 0, not the port it bound). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export interface AzuriteOptions {
  tablePort: number;
  /** A folder for the data; omitted means in memory. */
  location?: string;
  /** Blob, queue and table (what `func start` needs for AzureWebJobsStorage), or the table service only. */
  allServices?: boolean;
  /** Echo Azurite's output. */
  verbose?: boolean;
}

export interface RunningAzurite {
  tablePort: number;
  connectionString: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

function azuriteScript(allServices: boolean): string {
  const root = path.dirname(require.resolve('azurite/package.json'));
  return path.join(root, 'dist', 'src', allServices ? 'azurite.js' : path.join('table', 'main.js'));
}

export function startAzurite(options: AzuriteOptions): Promise<RunningAzurite> {
  const args = [azuriteScript(!!options.allServices), '--disableTelemetry', '--skipApiVersionCheck'];
  args.push('--tableHost', '127.0.0.1', '--tablePort', String(options.tablePort));
  if (options.allServices) args.push('--blobHost', '127.0.0.1', '--queueHost', '127.0.0.1');
  if (options.location) args.push('--location', options.location);
  else args.push('--inMemoryPersistence');
  // Azurite 3.37 wants Node 22: run it on the same Node as this process (node@22 under npm scripts).
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      // SIGINT, not SIGTERM: azurite-table only flushes its data file (saved every 5 s otherwise) on SIGINT.
      child.kill('SIGINT');
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`Azurite did not start within 30 s:\n${output}`));
    }, 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (options.verbose) process.stdout.write(chunk);
      // Table-only Azurite says "Table service successfully started"; all services say "... is successfully
      // listening", table last.
      if (/Table service (is )?successfully/i.test(output)) {
        clearTimeout(timer);
        // From here Azurite writes an access-log line per request. Collecting it made `output` grow
        // without bound and searched it whole on every chunk: stop collecting, keep the pipes drained.
        for (const stream of [child.stdout, child.stderr]) {
          stream.off('data', onData);
          if (options.verbose) stream.on('data', (c: Buffer) => process.stdout.write(c));
          else stream.resume();
        }
        resolve({ tablePort: options.tablePort, connectionString: azuriteConnectionString(options.tablePort), process: child, stop });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited with code ${code}:\n${output}`));
    });
  });
}
