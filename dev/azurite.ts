/**
 * Starts Azurite as a child process, the same way for `npm start`, the tests and the benchmarks:
 * always with --disableTelemetry (it otherwise reports usage to the internet) and on 127.0.0.1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
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

/**
 * The connection string `UseDevelopmentStorage=true` stands for (blob, queue and table on 127.0.0.1), with
 * the ports given: Core Tools' default is 10000-10002, which other processes (or tests) may hold.
 */
export function devStorageConnectionString(blobPort: number, queuePort: number, tablePort: number): string {
  const base = `http://127.0.0.1`;
  return (
    `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};` +
    `BlobEndpoint=${base}:${blobPort}/${AZURITE_ACCOUNT};QueueEndpoint=${base}:${queuePort}/${AZURITE_ACCOUNT};` +
    `TableEndpoint=${base}:${tablePort}/${AZURITE_ACCOUNT};`
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
  /** With allServices: the blob and queue ports (default Azurite's own, 10000 and 10001). */
  blobPort?: number;
  queuePort?: number;
  /** Echo Azurite's output. */
  verbose?: boolean;
  /** Serve HTTPS with this certificate, and take bearer tokens (Azurite's `--oauth basic`, which needs HTTPS). */
  oauth?: { certFile: string; keyFile: string };
}

export interface RunningAzurite {
  tablePort: number;
  connectionString: string;
  process: ChildProcess;
  /** Settles when Azurite has exited, asked to or not. */
  exited: Promise<void>;
  /** Asks Azurite to stop (once) and waits until it has saved its data and exited. */
  stop(): Promise<void>;
}

/** dev/azurite-server.mts, found from wherever this module runs (dev/, dist/dev/, a bundle in dist/). */
function serverScript(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'dev', 'azurite-server.mts');
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`dev/azurite-server.mts not found above ${__dirname}`);
  }
}

/**
 * Azurite runs in a child of its own (dev/azurite-server.mts explains why not Azurite's own entry
 * point) in its own process group, so a terminal's Ctrl-C or hang-up reaches only the starter, which
 * then asks Azurite to stop exactly once, over the IPC channel. If the starter dies without asking, the
 * channel closes and Azurite stops by itself.
 */
export function startAzurite(options: AzuriteOptions): Promise<RunningAzurite> {
  const args = [serverScript(), '--disableTelemetry', '--skipApiVersionCheck'];
  args.push('--tableHost', '127.0.0.1', '--tablePort', String(options.tablePort));
  if (options.allServices) {
    args.push('--blobHost', '127.0.0.1', '--queueHost', '127.0.0.1');
    if (options.blobPort !== undefined) args.push('--blobPort', String(options.blobPort));
    if (options.queuePort !== undefined) args.push('--queuePort', String(options.queuePort));
  }
  if (options.oauth) args.push('--cert', options.oauth.certFile, '--key', options.oauth.keyFile, '--oauth', 'basic');
  if (options.location) args.push('--location', options.location);
  else args.push('--inMemoryPersistence');
  // Azurite's access log is a line per request; only asked for output shows it.
  if (!options.verbose) args.push('--silent');
  // Azurite 3.37 wants Node 22 or newer: run it on the same Node as this process (the project's Node 24 under npm scripts).
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    detached: true,
    env: { ...process.env, AZURITE_SERVICES: options.allServices ? 'all' : 'table' },
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    // One request to stop, however often stop() is called: a second one is what used to lose data.
    if (child.connected) child.send('shutdown');
    else child.kill('SIGTERM');
    const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(kill);
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`Azurite did not start within 30 s:\n${output}`));
    }, 30_000);
    const collect = (chunk: Buffer) => {
      if (output.length < 20_000) output += chunk.toString();
      if (options.verbose) process.stdout.write(chunk);
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    child.on('message', (message: { ready?: boolean }) => {
      if (!message?.ready) return;
      clearTimeout(timer);
      // From here only keep the pipes drained; what Azurite says is shown only when asked for.
      for (const stream of [child.stdout!, child.stderr!]) {
        stream.off('data', collect);
        if (options.verbose) stream.on('data', (c: Buffer) => process.stdout.write(c));
        else stream.resume();
      }
      resolve({ tablePort: options.tablePort, connectionString: azuriteConnectionString(options.tablePort), process: child, exited, stop });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited with ${signal ?? `code ${code}`}:\n${output}`));
    });
  });
}
