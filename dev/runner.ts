/**
 * A local stand-in for the Azure Functions host and Node worker, for machines without Core Tools.
 *
 * It loads the app the way the worker does: `require('@azure/functions-core')` is answered with this
 * runner's registry (the worker overrides Module.prototype.require the same way), the files named by
 * package.json `main` are loaded, and their registerFunction(metadata, callback) calls are collected.
 * Each HTTP request goes through the programming model the app handed over (getInvocationModel →
 * getArguments → invokeFunction → getResponse), so the library's own request and response conversion
 * runs exactly as in production. Not deployed (.funcignore).
 *
 * In front of the app it copies the genuine host's HTTP edge (Kestrel + the host, measured in
 * docs/host-measurements.md and compared by test/host/differential.test.ts), never improving on it.
 * What it does not copy: the host's own endpoints (/admin/..., /runtime/webhooks/...: here they reach
 * the app's functions like any other path), HTTP/2, and Kestrel's header order (its timeouts are copied:
 * headers 30 s, body 240 B/s after 5 s, keep-alive 130 s); bodies between 4 MiB and the limit are read but
 * only 4 MiB + 1 is kept (the app answers 413 either way).
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
      return new Disposable(() =>
        functions.splice(
          functions.findIndex((f) => f.metadata === metadata),
          1,
        ),
      );
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
  const re = new RegExp(
    `^${path
      .basename(pattern)
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')}$`,
  );
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
    // Loaded by path, as the Functions worker loads an app's entry files.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
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
  // The host's order: by function name, not by how specific a route is (dev/host-routing.ts).
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
      .reduce<string[]>(
        (groups, esc) => {
          // %2F stays encoded; it splits a run of escapes so the rest still decode.
          if (/^%2f$/i.test(esc)) groups.push(esc, '');
          else groups[groups.length - 1] += esc;
          return groups;
        },
        [''],
      )
      .map((g) => (g === '' || /^%2f$/i.test(g) ? g : decodeRun(g)))
      .join(''),
  );
}

function tryDecode(escapes: string): string | undefined {
  try {
    return decodeURIComponent(escapes);
  } catch {
    return undefined;
  }
}

/**
 * The host's request body limit (it sets Kestrel's MaxRequestBodySize to 104857600). A larger declared
 * Content-Length is answered at once, 500 with the connection closed, the body unread; a chunked body
 * that grows past it gets its connection closed once that much has been read.
 */
export const HOST_BODY_LIMIT = 104_857_600;

/** What the runner keeps of a body it passes on: one byte more than the app accepts (4 MiB), so the app still says 413. */
const KEEP_BYTES = 4 * 1024 * 1024 + 1;

/** Characters PathString.ToUriComponent leaves as they are: unreserved, sub-delims, ':', '@' and '/'. */
const PATH_SAFE = /[A-Za-z0-9\-._~!$&'()*+,;=:@/]/;
const ALL_PATH_SAFE = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/]*$/;

/**
 * The path as the host puts it in the URL it hands the worker: the decoded path (kestrelDecodePath)
 * escaped again the way ASP.NET Core's PathString.ToUriComponent does: a `%` that starts a valid
 * escape stays (so `%2F` stays, and `%2541` arrives as `%41`), a lone `%` becomes `%25` (`%zz` ->
 * `%25zz`), and anything outside PATH_SAFE is percent-encoded as UTF-8 (`%27` arrives as `'`).
 */
export function hostUrlPath(decodedPath: string): string {
  if (ALL_PATH_SAFE.test(decodedPath)) return decodedPath; // nothing to escape: most paths
  let out = '';
  const chars = Array.from(decodedPath);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '%') out += /^[0-9A-Fa-f]{2}$/.test(`${chars[i + 1] ?? ''}${chars[i + 2] ?? ''}`) ? '%' : '%25';
    else if (PATH_SAFE.test(c)) out += c;
    else out += Array.from(Buffer.from(c, 'utf8'), (b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  }
  return out;
}

/** One query component as the host decodes it: `+` is a space, escapes decode as UTF-8, escapes that do not decode stay as written. */
function decodeQueryComponent(text: string): string {
  return kestrelDecodeAll(text.replace(/\+/g, ' '));
}

function kestrelDecodeAll(text: string): string {
  return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => decodeRun(run));
}

/** A run of escapes decoded as UTF-8: each well-formed sequence decodes, each byte of an ill-formed one stays as written. */
function decodeRun(run: string): string {
  const bytes = run
    .split('%')
    .slice(1)
    .map((h) => parseInt(h, 16));
  let out = '';
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i]!;
    const n = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    const seq = n === 0 ? undefined : bytes.slice(i, i + n);
    const text = seq && seq.length === n ? tryDecode(seq.map((x) => `%${x.toString(16).padStart(2, '0')}`).join('')) : undefined;
    if (text !== undefined) {
      out += text;
      i += n;
    } else {
      out += run.slice(i * 3, i * 3 + 3);
      i += 1;
    }
  }
  return out;
}

/**
 * The query as the host hands it to the worker: names matched case-insensitively, repeated values joined
 * with `,` (no space) under the spelling of the name's second occurrence (measured), `+` and escapes decoded.
 */
export function hostQuery(rawQuery: string): Record<string, string> {
  const groups = new Map<string, { name: string; values: string[] }>();
  for (const pair of rawQuery.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decodeQueryComponent(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : decodeQueryComponent(pair.slice(eq + 1));
    const group = groups.get(name.toLowerCase());
    if (!group) groups.set(name.toLowerCase(), { name, values: [value] });
    else {
      if (group.values.length === 1) group.name = name;
      group.values.push(value);
    }
  }
  return Object.fromEntries([...groups.values()].map((g) => [g.name, g.values.join(',')]));
}

/** Drains what is left of a request body; past the host's limit the connection is closed, as Kestrel does. */
function drainBody(req: http.IncomingMessage, alreadyRead = 0): void {
  let total = alreadyRead;
  req.on('data', (chunk: Buffer) => {
    total += chunk.length;
    if (total > HOST_BODY_LIMIT) req.socket.destroy();
  });
  req.resume();
}

/** Kestrel's MinRequestBodyDataRate: 240 bytes a second, checked after a 5 s grace period (measured: a stalled body gets 500 after 5.4-5.6 s). */
export const MIN_BODY_BYTES_PER_SECOND = 240;
export const BODY_RATE_GRACE_MS = 5000;
/** Kestrel's RequestHeadersTimeout: 30 s (measured: 408 and close after 31.4 s, with its 1 s heartbeat). */
export const HEADERS_TIMEOUT_MS = 30_000;

/**
 * Reads a body with a Content-Length, keeping at most KEEP_BYTES. Undefined when the client sends it
 * slower than Kestrel's minimum data rate (a stall, or a Content-Length longer than what is sent): the
 * caller then answers as Kestrel does, 500 and closed.
 */
async function readBody(req: http.IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let kept = 0;
  let received = 0;
  const started = Date.now();
  return new Promise((resolve) => {
    // Checked once a second, as Kestrel's heartbeat does: past the grace period, the average rate must hold.
    const check = setInterval(() => {
      const elapsed = Date.now() - started;
      if (elapsed > BODY_RATE_GRACE_MS && received < (MIN_BODY_BYTES_PER_SECOND * elapsed) / 1000) {
        finish(undefined);
      }
    }, 1000);
    const finish = (body: Buffer | undefined) => {
      clearInterval(check);
      req.off('data', onData).off('end', onEnd).off('error', onEnd);
      resolve(body);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (kept >= KEEP_BYTES) return; // drain the rest without keeping it (the app answers 413 all the same)
      const keep = chunk.subarray(0, KEEP_BYTES - kept);
      chunks.push(keep);
      kept += keep.length;
    };
    const onEnd = () => finish(Buffer.concat(chunks));
    req.on('data', onData).once('end', onEnd).once('error', onEnd);
  });
}

/** Kestrel's own empty answers (400, 404, 500): Content-Length 0, Server: Kestrel, and Connection: close when it closes. */
function emptyAnswer(res: http.ServerResponse, status: number, close = false): void {
  res.removeHeader('connection');
  res.setHeader('Server', 'Kestrel');
  res.setHeader('Content-Length', '0');
  if (close) {
    res.setHeader('Connection', 'close');
    res.shouldKeepAlive = false;
  }
  res.writeHead(status).end();
  if (close) res.once('finish', () => res.socket?.destroySoon?.());
}

/**
 * Node closes a connection whose `Expect: 100-continue` got no 100 (ServerResponse._expect_continue);
 * Kestrel keeps it open. Clearing the flag is the only way to keep it (Node has no option for it).
 */
function keepWithoutContinue(res: http.ServerResponse): void {
  (res as unknown as { _expect_continue: boolean })._expect_continue = false;
}

/** Response header names Kestrel writes in its own spelling whatever the app's (its known response headers). */
const KESTREL_NAMES = new Map(
  [
    'Accept-Ranges',
    'Access-Control-Allow-Credentials',
    'Access-Control-Allow-Headers',
    'Access-Control-Allow-Methods',
    'Access-Control-Allow-Origin',
    'Access-Control-Expose-Headers',
    'Access-Control-Max-Age',
    'Age',
    'Allow',
    'Alt-Svc',
    'Cache-Control',
    'Connection',
    'Content-Encoding',
    'Content-Language',
    'Content-Length',
    'Content-Location',
    'Content-MD5',
    'Content-Range',
    'Content-Type',
    'Date',
    'ETag',
    'Expires',
    'Keep-Alive',
    'Last-Modified',
    'Location',
    'Pragma',
    'Proxy-Authenticate',
    'Proxy-Connection',
    'Request-Id',
    'Retry-After',
    'Server',
    'Set-Cookie',
    'Trailer',
    'Transfer-Encoding',
    'Upgrade',
    'Vary',
    'Via',
    'Warning',
    'WWW-Authenticate',
    'Grpc-Encoding',
    'Grpc-Message',
    'Grpc-Status',
  ].map((n) => [n.toLowerCase(), n]),
);

function kestrelHeaderNames(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [KESTREL_NAMES.get(k.toLowerCase()) ?? k, v]));
}

/** The headers as the host hands them to the worker: a repeated header's values joined with `,`, no space. */
function hostHeaders(req: http.IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, values] of Object.entries(req.headersDistinct)) if (values) headers[key] = values.join(',');
  return headers;
}

/** Whether the client asked for the connection to close (or spoke HTTP/1.0 without keep-alive): Kestrel then says Connection: close. */
function clientCloses(req: http.IncomingMessage): boolean {
  const tokens = (req.headers.connection ?? '')
    .toLowerCase()
    .split(',')
    .map((t) => t.trim());
  return req.httpVersion === '1.0' ? !tokens.includes('keep-alive') : tokens.includes('close');
}

type Prepared =
  | { kind: 'answered' }
  | { kind: 'invoke'; fn: RegisteredFunction; params: Record<string, string>; url: string; query: Record<string, string> };

/**
 * Everything the host decides before the function runs (Kestrel's request checks, the body limit,
 * routing). Used for plain requests and for `Expect: 100-continue` ones, before any 100 is sent.
 */
function prepare(app: LoadedApp, req: http.IncomingMessage, res: http.ServerResponse): Prepared {
  const method = (req.method ?? 'GET').toUpperCase();
  const target = req.url ?? '/';
  // Kestrel refuses a target with bytes outside ASCII and a path whose escapes decode to NUL: 400, closed.

  if (/[^\x21-\x7e]/.test(target)) return (emptyAnswer(res, 400, true), { kind: 'answered' });
  const hosts = req.headersDistinct.host ?? [];
  // HTTP/1.1 needs exactly one Host; HTTP/1.0 without one, or an empty one, leaves the host unable to build the URL: 500.
  if (hosts.length > 1 || (hosts.length === 0 && req.httpVersion !== '1.0')) return (emptyAnswer(res, 400, true), { kind: 'answered' });
  const host = hosts[0] ?? '';
  const scheme = (req.socket as TLSSocket).encrypted ? 'https' : 'http';
  // A raw `#` is no fragment on the wire, and `\\` no separator: Kestrel keeps both as they are.
  const hashSafe = target.replace(/#/g, '%23');
  const q = hashSafe.indexOf('?');
  const rawPath = (q < 0 ? hashSafe : hashSafe.slice(0, q)).replace(/\\/g, '%5C');
  const rawQuery = q < 0 ? '' : target.slice(q + 1);
  if (/%00/.test(rawPath)) return (emptyAnswer(res, 400, true), { kind: 'answered' });
  let url: URL;
  try {
    // An origin-form target is appended, not resolved ("//x" would read as the host "x"); absolute-form targets stand alone.
    url = rawPath.startsWith('/') ? new URL(`${scheme}://${host}${rawPath}`) : new URL(rawPath);
  } catch {
    if (host === '' || (hosts.length === 0 && req.httpVersion === '1.0'))
      return (emptyAnswer(res, 500, hosts.length === 0), { kind: 'answered' });
    return (emptyAnswer(res, 400, true), { kind: 'answered' });
  }
  if (host === '') return (emptyAnswer(res, 500, hosts.length === 0), { kind: 'answered' });
  const declared = req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
  const decodedPath = kestrelDecodePath(url.pathname);
  const picked = pickHostRoute(app.functions, method, decodedPath);
  if (declared !== undefined && declared > HOST_BODY_LIMIT) {
    // Matched or not, a body over the limit is never read; the connection closes (after a 404 without saying so).
    if (picked) emptyAnswer(res, 500, true);
    else {
      emptyAnswer(res, 404);
      res.once('finish', () => req.socket.destroySoon());
    }
    return { kind: 'answered' };
  }
  if (!picked) {
    keepWithoutContinue(res);
    emptyAnswer(res, 404); // the host's answer when no function matches: no body
    drainBody(req);
    return { kind: 'answered' };
  }
  const urlText = `${url.protocol}//${url.host}${hostUrlPath(decodedPath)}${q < 0 ? '' : `?${hashSafe.slice(q + 1)}`}`;
  return { kind: 'invoke', fn: picked.fn, params: picked.params, url: urlText, query: hostQuery(rawQuery) };
}

export function createRequestListener(app: LoadedApp, log: LogFn = defaultLog): http.RequestListener {
  const listener = (req: http.IncomingMessage, res: http.ServerResponse, expectsContinue = false) => {
    void (async () => {
      const method = (req.method ?? 'GET').toUpperCase();
      const prepared = prepare(app, req, res);
      if (prepared.kind === 'answered') return;
      const { fn, params, url, query } = prepared;
      // The host forwards a body only when Content-Length > 0 (GrpcMessageConversionExtensions): a chunked
      // body is dropped and drained after the answer; `100 Continue` goes out only when the body is read.
      const declared = Number(req.headers['content-length'] ?? 0);
      let body: Buffer = Buffer.alloc(0);
      if (declared > 0) {
        if (expectsContinue) res.writeContinue();
        const read = await readBody(req);
        if (read === undefined) return emptyAnswer(res, 500, true);
        body = read;
      } else {
        keepWithoutContinue(res);
        drainBody(req);
      }
      const response = await app.invoke(fn, { method, url, headers: hostHeaders(req), query, params, body: { bytes: body } });
      const status = Number(response.statusCode ?? 200);
      const out = response.body?.bytes ?? response.body?.string;
      // Kestrel's response headers: Server: Kestrel; Connection only when it closes or the app sets one.
      res.removeHeader('connection');
      res.setHeader('Server', 'Kestrel');
      if (clientCloses(req)) res.setHeader('Connection', 'close');
      const bodyless = status === 204 || status === 304 || method === 'HEAD';
      const empty = out === undefined || out.length === 0;
      // No body: Kestrel says Content-Length: 0 (not for 204/304 or HEAD); a body without one goes chunked.
      if (empty && !bodyless) res.setHeader('Content-Length', '0');
      res.writeHead(status, kestrelHeaderNames(response.headers ?? {}));
      res.end(bodyless || empty ? undefined : out);
    })().catch((err: unknown) => {
      // What the host does when a function throws: a bare 500. The app's own handler never lets this happen.
      log('error', 'host', `Invocation failed: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) emptyAnswer(res, 500);
      else res.end();
    });
  };
  const requestListener = ((req, res) => listener(req, res)) as http.RequestListener & { checkContinue: http.RequestListener };
  requestListener.checkContinue = (req, res) => listener(req, res, true);
  return requestListener;
}

/**
 * Kestrel's answer to a request Node's parser refuses (a malformed request line or header, no Host on
 * HTTP/1.1 when Node checks it): 400, empty, closed.
 */
function onClientError(err: NodeJS.ErrnoException, socket: import('node:stream').Duplex): void {
  if (!socket.writable || err.code === 'ECONNRESET') return void socket.destroy();
  // Headers not complete within RequestHeadersTimeout: Kestrel's 408, closed.
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return void socket.end(
      `HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\nDate: ${new Date().toUTCString()}\r\nServer: Kestrel\r\n\r\n`,
    );
  }
  socket.end(
    `HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\nDate: ${new Date().toUTCString()}\r\nServer: Kestrel\r\n\r\n`,
  );
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
  const listener = createRequestListener(app) as http.RequestListener & { checkContinue: http.RequestListener };
  // requireHostHeader off: the Host checks are the host's own (prepare); Kestrel keeps an idle connection 130 s.
  // Kestrel's timeouts: headers 30 s (Node checks every connectionsCheckingInterval, here each second as
  // Kestrel's heartbeat), no limit on a whole request (Kestrel has none; the body rate is readBody's).
  const serverOptions: http.ServerOptions = {
    requireHostHeader: false,
    keepAliveTimeout: 130_000,
    headersTimeout: HEADERS_TIMEOUT_MS,
    requestTimeout: 0,
    connectionsCheckingInterval: 1000,
  };
  const server = options.tls
    ? https.createServer({ ...serverOptions, cert: options.tls.cert, key: options.tls.key }, listener)
    : http.createServer(serverOptions, listener);
  server.on('checkContinue', listener.checkContinue);
  server.on('clientError', onClientError);
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
