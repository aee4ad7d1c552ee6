// Azurite's servers run in this process, started by dev/azurite.ts with an IPC channel, in place of
// Azurite's own entry points (dist/src/table/main.js, dist/src/azurite.js), whose shutdown loses data:
//
// - They flush on the first SIGINT only (`process.once`), and a second SIGINT kills them unsaved; a
//   terminal's Ctrl-C plus the starter's own SIGINT is exactly that. SIGTERM and SIGHUP have no handler.
//   Here every way of being asked to stop (IPC "shutdown", SIGINT, SIGTERM, SIGHUP, the starter dying)
//   leads to one orderly close, however many arrive.
// - They keep running when the process that started them dies. Here the IPC channel closing (the
//   starter exited or was SIGKILLed) closes Azurite too.
// - LokiJS saves the table data file every 5 s, so a crash lost the writes of the last seconds. Here,
//   with a data folder, the answer to every table write (any method but GET, HEAD, OPTIONS) is held
//   until a save that includes it has reached the file: a write acknowledged to the app is on disk, and
//   a crash loses only writes nobody was told had succeeded. Concurrent writes share one save (LokiJS
//   queues a save asked for while another runs and answers all its callers when that one finishes).
//
// Arguments are Azurite's own (--tableHost, --tablePort, --location, --inMemoryPersistence, --silent,
// ...); AZURITE_SERVICES=all also runs blob and queue (what `func start` needs for AzureWebJobsStorage).
// Telemetry is never started. Node runs this file as it is (type stripping), so every caller (jest on
// the sources, the compiled dev tools, the bundled reliability run) finds it without a build.
import { mkdirSync } from 'node:fs';
import type http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const azuriteSrc = path.join(path.dirname(require.resolve('azurite/package.json')), 'dist', 'src');

/** Azurite's compiled modules have no types of their own that fit this use: what is used of them. */
type Constructor = new (...args: unknown[]) => unknown;

interface LokiDb {
  saveDatabase(callback: (err?: Error | null) => void): void;
  throttledSaveDrain?(callback: () => void, options: { recursiveWait: boolean }): void;
}

interface AzuriteServer {
  start(): Promise<void>;
  close(): Promise<void>;
  getStatus(): string;
  getHttpServerAddress(): string;
}

interface TableServer extends AzuriteServer {
  httpServer: http.Server;
  metadataStore?: { db?: LokiDb };
}

interface AzuriteEnvironment {
  location(): Promise<string>;
  inMemoryPersistence(): boolean;
  debug(): Promise<string | undefined>;
  silent(): boolean;
  loose(): boolean;
  skipApiVersionCheck(): boolean;
  cert(): string;
  key(): string;
  pwd(): string;
  oauth(): string | undefined;
  disableProductStyleUrl(): boolean;
  tableHost(): string;
  tablePort(): number;
  tableKeepAliveTimeout(): number;
  queueHost(): string;
  queuePort(): number;
  queueKeepAliveTimeout(): number;
}

const load = <T,>(file: string): T => {
  const mod = require(path.join(azuriteSrc, file)) as { default?: T } & T;
  return mod.default ?? mod;
};

const allServices = process.env.AZURITE_SERVICES === 'all';
const WRITE = /^(POST|PUT|PATCH|MERGE|DELETE)$/i;

// The starter has gone; nothing reads our output any more and writing must not crash the close.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);

const tell = (message: unknown) => {
  if (process.connected) process.send?.(message, undefined, {}, () => undefined);
};

/** Answers to writes wait for a save of the table data file (see above). */
function holdWritesUntilSaved(tableServer: TableServer): void {
  const db = tableServer.metadataStore?.db;
  if (typeof db?.saveDatabase !== 'function') {
    throw new Error('azurite-server: Azurite no longer exposes its LokiJS table store (metadataStore.db); update dev/azurite-server.mts');
  }
  const httpServer = tableServer.httpServer;
  const listeners = httpServer.listeners('request') as http.RequestListener[];
  httpServer.removeAllListeners('request');
  httpServer.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (WRITE.test(req.method ?? '')) {
      const end = res.end;
      res.end = function (this: http.ServerResponse, ...args: unknown[]) {
        db.saveDatabase((err) => {
          if (err) {
            // Not on disk: no answer at all, so the caller retries or reports a failure, never a success.
            console.error(`azurite-server: could not save the table data file: ${err.message}`);
            res.destroy(err);
          } else (end as (...a: unknown[]) => void).apply(res, args);
        });
        return res;
      } as typeof res.end;
    }
    for (const listener of listeners) listener.call(httpServer, req, res);
  });
}

async function main(): Promise<void> {
  const Environment = load<new () => AzuriteEnvironment>(allServices ? 'common/Environment' : 'table/TableEnvironment');
  const TableConfiguration = load<Constructor>('table/TableConfiguration');
  const TableServerClass = load<new (config: unknown) => TableServer>('table/TableServer');
  const { DEFAULT_TABLE_LOKI_DB_PATH } = require(path.join(azuriteSrc, 'table/utils/constants')) as { DEFAULT_TABLE_LOKI_DB_PATH: string };
  const Logger = require(path.join(azuriteSrc, 'common/Logger')) as { configLogger(enable: boolean, file?: string): void };

  const env = new Environment();
  const location = await env.location();
  const inMemory = env.inMemoryPersistence();
  if (!inMemory) mkdirSync(location, { recursive: true });
  const debug = await env.debug();
  const tableConfig = new TableConfiguration(
    env.tableHost(),
    env.tablePort(),
    env.tableKeepAliveTimeout(),
    path.join(location, DEFAULT_TABLE_LOKI_DB_PATH),
    debug !== undefined,
    !env.silent(),
    undefined,
    debug,
    env.loose(),
    env.skipApiVersionCheck(),
    env.cert(),
    env.key(),
    env.pwd(),
    env.oauth(),
    env.disableProductStyleUrl(),
    inMemory,
  );
  Logger.configLogger(debug !== undefined, debug);
  const servers: AzuriteServer[] = [];
  if (allServices) {
    const { BlobServerFactory } = require(path.join(azuriteSrc, 'blob/BlobServerFactory')) as {
      BlobServerFactory: new () => { createServer(env: AzuriteEnvironment): Promise<AzuriteServer> };
    };
    const QueueConfiguration = load<Constructor>('queue/QueueConfiguration');
    const QueueServer = load<new (config: unknown) => AzuriteServer>('queue/QueueServer');
    const queueConstants = require(path.join(azuriteSrc, 'queue/utils/constants')) as {
      DEFAULT_QUEUE_PERSISTENCE_ARRAY: Array<{ locationPath: string }>;
      DEFAULT_QUEUE_PERSISTENCE_PATH: string;
      DEFAULT_QUEUE_LOKI_DB_PATH: string;
      DEFAULT_QUEUE_EXTENT_LOKI_DB_PATH: string;
    };
    const { setExtentMemoryLimit } = require(path.join(azuriteSrc, 'common/ConfigurationBase')) as {
      setExtentMemoryLimit(env: AzuriteEnvironment, logToConsole: boolean): void;
    };
    servers.push(await new BlobServerFactory().createServer(env));
    queueConstants.DEFAULT_QUEUE_PERSISTENCE_ARRAY[0]!.locationPath = path.join(location, queueConstants.DEFAULT_QUEUE_PERSISTENCE_PATH);
    servers.push(
      new QueueServer(
        new QueueConfiguration(
          env.queueHost(),
          env.queuePort(),
          env.queueKeepAliveTimeout(),
          path.join(location, queueConstants.DEFAULT_QUEUE_LOKI_DB_PATH),
          path.join(location, queueConstants.DEFAULT_QUEUE_EXTENT_LOKI_DB_PATH),
          queueConstants.DEFAULT_QUEUE_PERSISTENCE_ARRAY,
          !env.silent(),
          undefined,
          debug !== undefined,
          debug,
          env.loose(),
          env.skipApiVersionCheck(),
          env.cert(),
          env.key(),
          env.pwd(),
          env.oauth(),
          env.disableProductStyleUrl(),
          inMemory,
        ),
      ),
    );
    setExtentMemoryLimit(env, true);
  }
  const tableServer = new TableServerClass(tableConfig);
  if (!inMemory) holdWritesUntilSaved(tableServer);
  servers.push(tableServer);

  let closing: Promise<void> | undefined;
  const close = (reason: string) =>
    (closing ??= (async () => {
      console.log(`azurite-server: closing (${reason})`);
      // A hung close must not keep the process: what was acknowledged is already saved.
      setTimeout(() => process.exit(1), 10_000).unref();
      for (const server of servers) {
        if (server.getStatus() === 'Running') {
          await server
            .close()
            .catch((err: unknown) => console.error(`azurite-server: ${err instanceof Error ? err.message : String(err)}`));
        }
      }
      // close() saves a dirty table store; a save already under way finishes before the process ends.
      const db = tableServer.metadataStore?.db;
      if (db?.throttledSaveDrain) await new Promise<void>((resolve) => db.throttledSaveDrain!(resolve, { recursiveWait: true }));
      console.log('azurite-server: closed');
      process.exit(0);
    })());
  // Installed before starting: a stop asked for during start-up waits for it, then closes.
  const ready = (async () => {
    for (const server of servers) await server.start();
  })();
  const whenReady = (reason: string) => () =>
    void ready.then(
      () => close(reason),
      () => process.exit(1),
    );
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, whenReady(signal));
  process.on('message', (message) => {
    if (message === 'shutdown') whenReady('shutdown requested')();
  });
  process.on('disconnect', whenReady('its starter has gone'));
  await ready;
  console.log(`Azurite Table service successfully started on ${tableServer.getHttpServerAddress()}`);
  tell({ ready: true, table: tableServer.getHttpServerAddress() });
  if (process.send && !process.connected) await close('its starter has gone');
}

await main().catch((err: unknown) => {
  console.error(`azurite-server: ${err instanceof Error ? err.stack : String(err)}`);
  process.exit(1);
});
