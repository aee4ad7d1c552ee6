/**
 * A local stand-in for the Azure Functions host and Node worker, for machines without Core Tools.
 *
 * It loads the app the way the worker does: `require('@azure/functions-core')` is answered with this
 * runner's registry (the worker overrides Module.prototype.require the same way), the files named by
 * package.json `main` are loaded, and their registerFunction(metadata, callback) calls are collected.
 * Each HTTP request goes through the programming model the app handed over (getInvocationModel →
 * getArguments → invokeFunction → getResponse), so the library's own request and response conversion
 * runs exactly as in production. Not deployed (.funcignore).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import Module from 'node:module';
import path from 'node:path';
import { hostOrder, pickHostRoute } from './host-routing';
import { loadLocalSettings } from './local-settings';

interface RpcBinding {
  type: string;
  direction: string;
  route?: string;
  methods?: string[];
  authLevel?: string;
  [key: string]: unknown;
}

export interface FunctionMetadata {
  name: string;
  bindings: Record<string, RpcBinding>;
  [key: string]: unknown;
}

interface RegisteredFunction {
  name: string;
  metadata: FunctionMetadata;
  callback: (...args: unknown[]) => unknown;
  triggerName: string;
  route: string;
  methods: string[];
}

interface InvocationModel {
  getArguments(): Promise<{ context: unknown; inputs: unknown[] }>;
  invokeFunction(context: unknown, inputs: unknown[], handler: (...args: unknown[]) => unknown): Promise<unknown>;
  getResponse(context: unknown, result: unknown): Promise<{ returnValue?: { http?: RpcHttpResponse } }>;
}

interface ProgrammingModel {
  getInvocationModel(coreCtx: unknown): InvocationModel;
  getCapabilities?(capabilities: Record<string, string>): Promise<Record<string, string>>;
}

interface RpcHttpResponse {
  statusCode?: string;
  headers?: Record<string, string>;
  body?: { string?: string; bytes?: Uint8Array } | null;
}

class Disposable {
  constructor(private readonly onDispose: () => void) {}
  static from(...items: Array<{ dispose(): void }>): Disposable {
    return new Disposable(() => items.forEach((i) => i.dispose()));
  }
  dispose(): void {
    this.onDispose();
  }
}

type LogFn = (level: string, category: string, message: string) => void;

const defaultLog: LogFn = (level, _category, message) => {
  if (level === 'error' || level === 'critical') console.error(message);
  else if (level === 'warning') console.warn(message);
  else if (level !== 'trace' && level !== 'debug') console.log(message);
};

/** The registry the app registers into; it stands in for the worker's `@azure/functions-core`. */
export function createCoreApi(log: LogFn = defaultLog) {
  const functions: Array<{ metadata: FunctionMetadata; callback: (...args: unknown[]) => unknown }> = [];
  let programmingModel: ProgrammingModel | undefined;
  const api = {
    version: '3.10.1',
    hostVersion: '4.1000.0',
    Disposable,
    functions,
    get programmingModel() {
      return programmingModel;
    },
    setProgrammingModel(model: ProgrammingModel) {
      programmingModel = model;
    },
    getProgrammingModel() {
      return programmingModel;
    },
    registerFunction(metadata: FunctionMetadata, callback: (...args: unknown[]) => unknown) {
      functions.push({ metadata, callback });
      return new Disposable(() => functions.splice(functions.findIndex((f) => f.metadata === metadata), 1));
    },
    registerHook() {
      return new Disposable(() => undefined);
    },
    log(level: string, category: string, message: string) {
      log(level, category, message);
    },
  };
  return api;
}

export type CoreApi = ReturnType<typeof createCoreApi>;

/** Answers require('@azure/functions-core') with `api` while `load` runs, as the worker does. */
export function withCoreApi<T>(api: CoreApi, load: () => T): T {
  type RequireFn = (this: NodeJS.Module, id: string) => unknown;
  const proto = Module.prototype as unknown as { require: RequireFn };
  const original = proto.require;
  proto.require = function (this: NodeJS.Module, id: string) {
    return id === '@azure/functions-core' ? api : original.call(this, id);
  };
  try {
    return load();
  } finally {
    proto.require = original;
  }
}

/** The files that package.json `main` names; a `*` in the file name is a glob, as the worker allows. */
export function entryFiles(appRoot: string): string[] {
  const pkg = JSON.parse(readFileSync(path.join(appRoot, 'package.json'), 'utf8')) as { main?: string };
  if (!pkg.main) throw new Error('package.json has no "main": the worker would find no functions.');
  const pattern = path.join(appRoot, pkg.main);
  if (!pattern.includes('*')) return [pattern];
  const dir = path.dirname(pattern);
  if (!existsSync(dir)) throw new Error(`${path.relative(appRoot, dir)} does not exist: run "npm run build" first.`);
  const re = new RegExp(`^${path.basename(pattern).replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
  return readdirSync(dir)
    .filter((f) => re.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

export interface LoadedApp {
  functions: RegisteredFunction[];
  model: ProgrammingModel;
  invoke(fn: RegisteredFunction, http: Record<string, unknown>): Promise<RpcHttpResponse>;
}

export function loadApp(appRoot: string, api: CoreApi = createCoreApi()): LoadedApp {
  withCoreApi(api, () => {
    for (const file of entryFiles(appRoot)) require(file);
  });
  const model = api.programmingModel;
  if (!model) throw new Error('The app registered no functions through @azure/functions.');
  const functions: RegisteredFunction[] = api.functions.map(({ metadata, callback }) => {
    const [triggerName, trigger] = Object.entries(metadata.bindings).find(([, b]) => /trigger$/i.test(b.type)) ?? [];
    if (!triggerName || !trigger || trigger.type.toLowerCase() !== 'httptrigger') {
      throw new Error(`Function "${metadata.name}" has no HTTP trigger; the local runner serves HTTP functions only.`);
    }
    return {
      name: metadata.name,
      metadata,
      callback,
      triggerName,
      route: trigger.route ?? metadata.name,
      methods: (trigger.methods ?? ['GET', 'POST']).map((m) => m.toUpperCase()),
    };
  });
  // The host's order: by function name, not by how specific a route is (tools/host-routing.ts).
  functions.splice(0, functions.length, ...hostOrder(functions));

  async function invoke(fn: RegisteredFunction, httpData: Record<string, unknown>): Promise<RpcHttpResponse> {
    const invocationId = randomUUID();
    const coreCtx = {
      invocationId,
      request: {
        invocationId,
        functionId: fn.metadata.name,
        inputData: [{ name: fn.triggerName, data: { http: httpData } }],
        triggerMetadata: {},
      },
      metadata: fn.metadata,
      state: undefined,
      log: (level: string, category: string, message: string) => api.log(level, category, message),
    };
    const invocation = model!.getInvocationModel(coreCtx);
    const { context, inputs } = await invocation.getArguments();
    const result = await invocation.invokeFunction(context, inputs, fn.callback);
    const response = await invocation.getResponse(context, result);
    return response.returnValue?.http ?? { statusCode: '204' };
  }

  return { functions, model, invoke };
}

/**
 * The path as Kestrel hands it to routing: percent-escapes decoded as UTF-8, except `%2F` (which would
 * change the segments), and escapes that do not decode are kept as written.
 */
export function kestrelDecodePath(pathname: string): string {
  return pathname.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) =>
    run
      .split(/(?=%)/)
      .reduce<string[]>((groups, esc) => {
        // %2F stays encoded; it splits a run of escapes so the rest still decode.
        if (/^%2f$/i.test(esc)) groups.push(esc, '');
        else groups[groups.length - 1] += esc;
        return groups;
      }, [''])
      .map((g) => (g === '' || /^%2f$/i.test(g) ? g : safeDecode(g)))
      .join(''),
  );
}

function safeDecode(escapes: string): string {
  try {
    return decodeURIComponent(escapes);
  } catch {
    return escapes;
  }
}

/** The longest body the runner passes on; one byte more than the app accepts, so the app can say 413. */
const RUNNER_BODY_LIMIT = 4 * 1024 * 1024 + 1;

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    if (total >= RUNNER_BODY_LIMIT) continue; // drain the rest without keeping it
    const keep = chunk.subarray(0, RUNNER_BODY_LIMIT - total);
    chunks.push(keep);
    total += keep.length;
  }
  return Buffer.concat(chunks);
}

export function createRequestListener(app: LoadedApp, log: LogFn = defaultLog): http.RequestListener {
  return (req, res) => {
    void (async () => {
      const method = (req.method ?? 'GET').toUpperCase();
      const host = req.headers.host ?? '127.0.0.1';
      // The scheme the client used: the app builds Location, @odata.context and @odata.nextLink from it.
      const scheme = (req.socket as TLSSocket).encrypted ? 'https' : 'http';
      const target = req.url ?? '/';
      let url: URL;
      try {
        // An origin-form target ("/path?query") is appended, not resolved: resolving "//x" against a base
        // reads it as a reference to the host "x". Absolute-form targets (from proxies) stand alone.
        url = target.startsWith('/') ? new URL(`${scheme}://${host}${target}`) : new URL(target);
      } catch {
        res.writeHead(400).end(); // a Host header that is no host: what the Functions host answers too
        return;
      }
      const picked = pickHostRoute(app.functions, method, kestrelDecodePath(url.pathname));
      if (!picked) {
        res.writeHead(404).end(); // the host's answer when no function matches: no body
        return;
      }
      const { fn, params } = picked;
      const body = await readBody(req);
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(', ') : value;
      }
      const query: Record<string, string> = {};
      for (const [key, value] of url.searchParams) query[key] ??= value;
      const response = await app.invoke(fn, { method, url: url.toString(), headers, query, params, body: { bytes: body } });
      const status = Number(response.statusCode ?? 200);
      const out = response.body?.bytes ?? response.body?.string;
      res.writeHead(status, response.headers ?? {});
      res.end(status === 204 || status === 304 || method === 'HEAD' ? undefined : out);
    })().catch((err: unknown) => {
      // What the host does when a function throws: a bare 500. The app's own handler never lets this happen.
      log('error', 'host', `Invocation failed: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  };
}

export interface RunningServer {
  url: string;
  server: http.Server;
  close(): Promise<void>;
}

/** A PEM certificate and key: the runner then serves https, as `func start --useHttps --cert` does. */
export interface RunnerTls {
  cert: string | Buffer;
  key: string | Buffer;
}

export async function startRunner(options: { appRoot: string; port: number; host?: string; tls?: RunnerTls }): Promise<RunningServer> {
  loadLocalSettings(options.appRoot);
  const app = loadApp(options.appRoot);
  await app.model.getCapabilities?.({});
  const listener = createRequestListener(app);
  const server = options.tls ? https.createServer({ cert: options.tls.cert, key: options.tls.key }, listener) : http.createServer(listener);
  server.keepAliveTimeout = 65_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls ? 'https' : 'http'}://${host}:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * RUNNER_TLS_CERT and RUNNER_TLS_KEY (PEM files) make the runner serve https. Microsoft's Graph JS
 * client only sends its token to https URLs (to a Graph host or one of its customHosts), so it needs
 * this to talk to a local mock at all.
 */
export function tlsFromEnvironment(): RunnerTls | undefined {
  const certFile = process.env.RUNNER_TLS_CERT;
  const keyFile = process.env.RUNNER_TLS_KEY;
  if (!certFile && !keyFile) return undefined;
  if (!certFile || !keyFile) throw new Error('RUNNER_TLS_CERT and RUNNER_TLS_KEY must be set together (PEM files).');
  return { cert: readFileSync(certFile), key: readFileSync(keyFile) };
}

if (require.main === module) {
  // RUNNER_APP_ROOT serves another app folder, such as the deployment package in dist/package.
  const appRoot = path.resolve(process.env.RUNNER_APP_ROOT ?? path.join(__dirname, '..', '..'));
  const port = Number(process.env.PORT ?? 7071);
  Promise.resolve()
    .then(() => startRunner({ appRoot, port, tls: tlsFromEnvironment() }))
    .then((running) => {
      console.log(`Local runner listening on ${running.url}`);
      const stop = () => void running.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    })
    .catch((err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    });
}
