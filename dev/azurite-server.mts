// Azurite's servers run in this process, started by dev/azurite.ts with an IPC channel, in place of
// Azurite's own entry points (dist/src/table/main.js, dist/src/azurite.js), whose shutdown loses data:
//
// - They flush on the first SIGINT only (`process.once`), and a second SIGINT kills them unsaved; a
//   terminal's Ctrl-C plus the starter's own SIGINT is exactly that. SIGTERM and SIGHUP have no handler.
//   Here every way of being asked to stop (IPC "shutdown", SIGINT, SIGTERM, SIGHUP, the starter dying)
//   leads to one orderly close, however many arrive, and the close saves everything.
// - They keep running when the process that started them dies. Here the IPC channel closing (the
//   starter exited or was SIGKILLed) closes Azurite too.
//
// Writes are answered as stock Azurite answers them, before they reach the disk: LokiJS keeps the
// tables in memory and saves the whole data file every 5 s when something changed. A write never waits
// for a save, so its cost does not grow with what is stored. Holding each answer until a save had
// written it made every write wait for a whole-file save: 380 inserts/s into an empty store, 22/s at
// 50,000 rows. The price is the crash window: a kill -9 (or power loss) of this process loses the
// writes of the last few seconds, measured by `npm run bench:azurite-crash` (docs/local-server.md).
//
// Arguments are Azurite's own (--tableHost, --tablePort, --location, --inMemoryPersistence, --silent,
// ...); AZURITE_SERVICES=all also runs blob and queue (what `func start` needs for AzureWebJobsStorage).
// Telemetry is never started. Node runs this file as it is (type stripping), so every caller (jest on
// the sources, the compiled dev tools, the bundled reliability run) finds it without a build.
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const azuriteSrc = path.join(path.dirname(require.resolve('azurite/package.json')), 'dist', 'src');

/** Azurite's compiled modules have no types of their own that fit this use: what is used of them. */
type Constructor = new (...args: unknown[]) => unknown;

interface LokiDb {
  throttledSaveDrain?: (callback: () => void, options: { recursiveWait: boolean }) => void;
}

interface AzuriteServer {
  start(): Promise<void>;
  close(): Promise<void>;
  getStatus(): string;
  getHttpServerAddress(): string;
}

interface TableServer extends AzuriteServer {
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

// The starter has gone; nothing reads our output any more and writing must not crash the close.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);

const tell = (message: unknown) => {
  if (process.connected) process.send?.(message, undefined, {}, () => undefined);
};

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
      setExtentMemoryLimit: (env: AzuriteEnvironment, logToConsole: boolean) => void;
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
  servers.push(tableServer);

  let closing: Promise<void> | undefined;
  const close = (reason: string) =>
    (closing ??= (async () => {
      console.log(`azurite-server: closing (${reason})`);
      // A hung close must not keep the process for ever, though what it had not saved is lost.
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
