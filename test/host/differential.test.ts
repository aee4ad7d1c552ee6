import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { freePort } from '../../dev/azurite';
import { startFunctionsHost, type FunctionsHost } from '../helpers/functions-host';
import { testApp } from '../helpers/app';
import { documentExample } from '../helpers/requests';

/** Every route the app serves, the admin's included. */
const ROUTES = testApp({ MOCK_ADMIN: 'on' }).routes;

// One corpus, sent to the genuine Functions host and to dev/runner.ts, both serving
// the same app on one Azurite (separate tables); the test fails listing every difference in status,
// significant headers and body shape. Two apps: dist/package (what azd deploys), and test/host/echo-app,
// which answers with what the function was handed (URL, params, query, headers, body), so the runner's
// copy of Kestrel's request rewriting is compared exactly. The corpus is built from the route table.

const ROOT = path.resolve(__dirname, '..', '..');
const HOST_HEADER = 'diff.test'; // both servers are sent the same Host, so URLs the app builds match

interface Server {
  url: string;
  stop(): Promise<void>;
}

async function startRunner(appRoot: string, env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'dev', 'runner.js')], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), RUNNER_APP_ROOT: appRoot },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`runner did not start:\n${output}`)), 20_000);
    const onData = (c: Buffer) => {
      output += c.toString();
      if (output.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`runner exited with ${code}:\n${output}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
  closed?: boolean;
}

interface Probe {
  name: string;
  method: string;
  target: string;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
  /** Send the body chunked (no Content-Length). */
  chunked?: boolean;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

/** node:http sends the target as written (no normalisation), repeated headers as repeated lines, and the body as told. */
function send(base: string, p: Probe): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const u = new URL(base);
    const headers: Record<string, string | string[]> = { host: HOST_HEADER, ...p.headers };
    if (p.body !== undefined && !p.chunked) headers['content-length'] = String(Buffer.byteLength(p.body));
    // node:http frames a GET/DELETE/OPTIONS body as chunked only when told to.
    if (p.chunked) headers['transfer-encoding'] = 'chunked';
    const req = http.request({ host: u.hostname, port: u.port, method: p.method, path: p.target, headers, agent });
    req.setTimeout(20_000, () => req.destroy(new Error(`no answer to ${p.name}`)));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const h: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headersDistinct)) h[k] = v!.join('\n');
        resolve({ status: res.statusCode!, headers: h, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', reject);
    if (p.body !== undefined) {
      if (p.chunked) {
        const b = Buffer.from(p.body);
        req.write(b.subarray(0, Math.ceil(b.length / 2)));
        req.write(b.subarray(Math.ceil(b.length / 2)));
      } else req.write(p.body);
    }
    req.end();
  });
}

/** A raw request over a socket, for what node:http refuses to send; read until the server closes or 1.5 s pass. */
function sendRaw(base: string, raw: string | Buffer): Promise<Answer> {
  return new Promise((resolve) => {
    const u = new URL(base);
    const socket = net.connect(Number(u.port), u.hostname, () => socket.write(raw));
    const chunks: Buffer[] = [];
    let closed = false;
    const finish = () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const lines = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const i = line.indexOf(':');
        if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0), headers, body: rest.join('\r\n\r\n'), closed });
    };
    const timer = setTimeout(() => {
      socket.destroy();
      finish();
    }, 1500);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closed = true;
      clearTimeout(timer);
      finish();
    });
  });
}

// ---- comparison ----

/** Header values compared exactly (after normalising ids); every other header is compared by presence. */
const VALUE_HEADERS = [
  'content-type',
  'allow',
  'location',
  'retry-after',
  'odata-version',
  'connection',
  'keep-alive',
  'server',
  'transfer-encoding',
  'www-authenticate',
  'cache-control',
  'strict-transport-security',
  'vary',
  'access-control-allow-origin',
  'preference-applied',
  'x-content-type-options',
];
const IGNORED = new Set(['date']);

const GUIDS = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
// Timestamps with or without a zone: createdDateTime ends in Z, Graph's innerError date has none.
const TIMES = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z?/g;
const normalise = (s: string) =>
  s
    .replace(GUIDS, '<guid>')
    .replace(TIMES, '<time>')
    .replace(/127\.0\.0\.1:\d+/g, '<server>');

/** A JSON body's shape: keys and types, with the values that carry meaning kept (error codes, @odata.* and the echo app's fields). */
function shape(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => shape(v, key));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, shape((value as Record<string, unknown>)[k], k)]),
    );
  }
  if (typeof value === 'string')
    return ['code', 'target', '@odata.type', '@odata.context', '@odata.nextLink', 'message'].includes(key) ? normalise(value) : 'string';
  return typeof value;
}

function bodyShape(a: Answer): unknown {
  if (a.body === '') return '';
  try {
    return shape(JSON.parse(a.body));
  } catch {
    return normalise(a.body).slice(0, 400);
  }
}

function differences(name: string, host: Answer, runner: Answer): string[] {
  const out: string[] = [];
  if (host.status !== runner.status) out.push(`${name}: status host ${host.status}, runner ${runner.status}`);
  for (const h of new Set([...Object.keys(host.headers), ...Object.keys(runner.headers)])) {
    if (IGNORED.has(h)) continue;
    const [hv, rv] = [host.headers[h], runner.headers[h]];
    if ((hv === undefined) !== (rv === undefined))
      out.push(`${name}: header ${h} host ${JSON.stringify(hv)}, runner ${JSON.stringify(rv)}`);
    else if (VALUE_HEADERS.includes(h) && normalise(hv!) !== normalise(rv!))
      out.push(`${name}: header ${h} host ${JSON.stringify(hv)}, runner ${JSON.stringify(rv)}`);
  }
  const [hs, rs] = [JSON.stringify(bodyShape(host)), JSON.stringify(bodyShape(runner))];
  if (hs !== rs) out.push(`${name}: body host ${hs.slice(0, 300)}, runner ${rs.slice(0, 300)}`);
  if (host.closed !== runner.closed) out.push(`${name}: connection closed host ${host.closed}, runner ${runner.closed}`);
  return out;
}

// ---- the corpus ----

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
const AUTH = { authorization: 'Bearer differential' };
const JSON_TYPE = { 'content-type': 'application/json' };

/** A route template made concrete: each `{param}` gets a value; the item id is ITEM, replaced per server by the id it created. */
const ITEM = '__item__';
function concrete(route: string, item = ITEM): string {
  return `/${route.replace(/\{(\w+)\}/g, (_m, name: string) => (name === 'enrollmentConfigurationAssignmentId' ? item : name === 'invitationsId' ? 'inv-diff' : 'cfg-diff'))}`;
}

function bodyFor(method: string): string | undefined {
  if (method === 'POST') return JSON.stringify(documentExample());
  if (method === 'PATCH' || method === 'PUT') return JSON.stringify({ sourceId: 'patched' });
  return undefined;
}

function corpus(): Probe[] {
  const probes: Probe[] = [];
  const seen = new Set<string>();
  for (const r of ROUTES) {
    const target = concrete(r.route);
    if (seen.has(target)) continue;
    seen.add(target);
    // Every method on every path: the operation, Graph's 405s, HEAD and OPTIONS.
    for (const method of METHODS) {
      const body = bodyFor(method);
      probes.push({ name: `${method} ${target}`, method, target, headers: { ...AUTH, ...(body ? JSON_TYPE : {}) }, body });
    }
    // Invalid: no token, wrong content type, broken JSON, chunked, repeated headers, odd spellings of the path.
    const write = r.methods.find((m) => m === 'POST' || m === 'PATCH') ?? r.methods[0]!;
    const body = bodyFor(write) ?? '{}';
    probes.push({ name: `${write} ${target} without a token`, method: write, target, headers: JSON_TYPE, body });
    probes.push({ name: `${write} ${target} text/plain`, method: write, target, headers: { ...AUTH, 'content-type': 'text/plain' }, body });
    probes.push({ name: `${write} ${target} broken JSON`, method: write, target, headers: { ...AUTH, ...JSON_TYPE }, body: '{"source":' });
    probes.push({ name: `${write} ${target} chunked`, method: write, target, headers: { ...AUTH, ...JSON_TYPE }, body, chunked: true });
    probes.push({
      name: `${write} ${target} two Content-Types`,
      method: write,
      target,
      headers: { ...AUTH, 'content-type': ['application/json', 'application/json'] },
      body,
    });
    probes.push({
      name: `GET ${target} two client-request-ids`,
      method: 'GET',
      target,
      headers: { ...AUTH, 'client-request-id': ['dup-a', 'dup-b'] },
    });
    for (const odd of [
      `${target}/`,
      target.toUpperCase(),
      `/${target}`,
      target.replace(/\/([^/]*)$/, '//$1'),
      `${target}?$top=1&$top=2`,
      `${target}?$select=id&%zz=1`,
      `${target}#frag`,
    ]) {
      probes.push({ name: `GET ${odd}`, method: 'GET', target: odd, headers: AUTH });
    }
  }
  // Ids as Graph clients and attackers spell them.
  const item = concrete(
    'beta/deviceManagement/deviceEnrollmentConfigurations/{deviceEnrollmentConfigurationId}/assignments/{enrollmentConfigurationAssignmentId}',
    'ID',
  );
  for (const id of [
    'a%2Fb',
    '%zz',
    '%27x%27',
    "('x')",
    '(%27x%27)',
    'a%20b',
    '%E0%A4%A',
    '%FF',
    'a%5Cb',
    'a\\b',
    '%2541',
    'k'.repeat(513),
    'a;b',
    '%C3%A9',
  ]) {
    const target = item.replace('ID', id);
    probes.push({ name: `GET item ${id}`, method: 'GET', target, headers: AUTH });
    probes.push({ name: `PATCH item ${id}`, method: 'PATCH', target, headers: { ...AUTH, ...JSON_TYPE }, body: '{"sourceId":"x"}' });
  }
  for (const [target, method] of [
    ['/', 'GET'],
    ['/nothing/here', 'GET'],
    ['/beta', 'POST'],
    ['//x', 'GET'],
    ['/HEALTH', 'GET'],
    ['/health?a=1&a=2', 'GET'],
    ['/beta/$batch', 'GET'],
  ] as const) {
    probes.push({ name: `${method} ${target}`, method, target, headers: AUTH, body: method === 'POST' ? '{}' : undefined });
  }
  // Sizes: just under and over the app's 4 MiB limit, with Content-Length and chunked.
  const collection = concrete('beta/deviceManagement/deviceEnrollmentConfigurations/{deviceEnrollmentConfigurationId}/assignments');
  for (const size of [4 * 1024 * 1024 - 100, 4 * 1024 * 1024 + 1]) {
    const big = Buffer.alloc(size, 0x20);
    probes.push({ name: `POST ${size} bytes`, method: 'POST', target: collection, headers: { ...AUTH, ...JSON_TYPE }, body: big });
    probes.push({
      name: `POST ${size} bytes chunked`,
      method: 'POST',
      target: collection,
      headers: { ...AUTH, ...JSON_TYPE },
      body: big,
      chunked: true,
    });
  }
  return probes;
}

/** What node:http will not send: raw bytes, protocol corner cases, bodies over the host's 104857600-byte limit. */
function rawCorpus(): Array<{ name: string; raw: string }> {
  const c = concrete('beta/deviceManagement/deviceEnrollmentConfigurations/{deviceEnrollmentConfigurationId}/assignments');
  const h = `Host: ${HOST_HEADER}\r\nAuthorization: Bearer differential\r\n`;
  return [
    { name: 'raw %00 in path', raw: `GET ${c}/a%00b HTTP/1.1\r\n${h}\r\n` },
    { name: 'raw non-ASCII byte in path', raw: `GET ${c}/\u00e9 HTTP/1.1\r\n${h}\r\n` },
    { name: 'raw no Host', raw: `GET /health HTTP/1.1\r\n\r\n` },
    { name: 'raw empty Host', raw: `GET /health HTTP/1.1\r\nHost:\r\n\r\n` },
    { name: 'raw two Hosts', raw: `GET /health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n` },
    { name: 'raw Host [::bad', raw: `GET /health HTTP/1.1\r\nHost: [::bad\r\n\r\n` },
    { name: 'raw HTTP/1.0 no Host', raw: `GET /health HTTP/1.0\r\n\r\n` },
    { name: 'raw HTTP/1.0', raw: `GET /health HTTP/1.0\r\nHost: x\r\n\r\n` },
    { name: 'raw Connection: close', raw: `GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n` },
    {
      name: 'raw over the host limit',
      raw: `POST ${c} HTTP/1.1\r\n${h}Content-Type: application/json\r\nContent-Length: 104857601\r\n\r\n`,
    },
    {
      name: 'raw over the limit + Expect',
      raw: `POST ${c} HTTP/1.1\r\n${h}Content-Type: application/json\r\nContent-Length: 104857601\r\nExpect: 100-continue\r\n\r\n`,
    },
    { name: 'raw over the limit, no route', raw: `POST //x HTTP/1.1\r\n${h}Content-Length: 104857601\r\n\r\n` },
    {
      name: 'raw Expect, 5 bytes, not sent',
      raw: `POST ${c} HTTP/1.1\r\n${h}Content-Type: application/json\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n`,
    },
    {
      name: 'raw Expect, Content-Length 0',
      raw: `POST ${c} HTTP/1.1\r\n${h}Content-Type: application/json\r\nContent-Length: 0\r\nExpect: 100-continue\r\n\r\n`,
    },
    {
      name: 'raw Expect, chunked',
      raw: `POST ${c} HTTP/1.1\r\n${h}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n`,
    },
    { name: 'raw Expect, no route', raw: `POST //x HTTP/1.1\r\n${h}Content-Length: 5\r\nExpect: 100-continue\r\n\r\n` },
    { name: 'raw HEAD', raw: `HEAD /health HTTP/1.1\r\nHost: x\r\n\r\n` },
  ];
}

/** For the echo app: what the function is handed. */
function echoCorpus(): Probe[] {
  const targets = [
    '/a%27b/%zz/c%2Fd',
    '/%2541',
    '/a%20b',
    '/%C3%A9',
    '/%E0%A4%A',
    '/%FF',
    '/%7E%21',
    '/!$&()*+,;=:@',
    '/[x]',
    '/"q"',
    '/a%2fb',
    '/a\\b',
    '/a%01',
    '/%3F%23',
    '/a|b',
    '/a^b{}`',
    '/%25',
    '/%2',
    '/%',
    '/q#f',
    '/a/%2e%2e/b',
    '/./a',
    '/a//b',
    '/a/',
    '/q?x=a%20b&x=c+d&%zz=1&e=&f',
    '/q?ab=1&AB=2&Ab=3',
    '/q?Ab=1&ab=2',
    '/q?a=%E9&b=%C3%A9&c=%2B',
    '/q?a=1#frag',
    '/q?=1&&a',
    '/q?a=1%2&b=%zz%41&c=%41%',
    '/q?a+b=1&a%20b=2',
  ];
  const probes: Probe[] = targets.map((target) => ({ name: `echo GET ${target}`, method: 'GET', target }));
  for (const method of METHODS)
    probes.push({ name: `echo ${method}`, method, target: '/m', body: method === 'GET' || method === 'HEAD' ? undefined : 'abc' });
  probes.push({
    name: 'echo repeated headers',
    method: 'GET',
    target: '/h',
    headers: { 'x-a': ['1', '2'], 'content-type': ['a/b', 'c/d'], cookie: ['a=1', 'b=2'], accept: ['x', 'y'], 'user-agent': ['u1', 'u2'] },
  });
  probes.push({ name: 'echo chunked body', method: 'POST', target: '/b', body: 'hello', chunked: true });
  probes.push({ name: 'echo body', method: 'POST', target: '/b', body: 'hello' });
  probes.push({ name: 'echo empty answer', method: 'GET', target: '/e?empty=1' });
  probes.push({ name: 'echo 204', method: 'GET', target: '/e?status=204' });
  probes.push({ name: 'echo app Connection', method: 'GET', target: '/e?connection=keep-alive' });
  return probes;
}

// ---- the servers ----

let host: FunctionsHost;
let runner: Server;
let echoHost: FunctionsHost;
let echoRunner: Server;
const settings = (table: string) => ({
  ASSIGNMENTS_STORAGE: process.env.ASSIGNMENTS_STORAGE!,
  ASSIGNMENTS_TABLE: table,
  AUTH_MODE: 'dev',
  MOCK_CONTROLS: 'off',
  STORAGE_TIMEOUT_MS: '3000',
});

beforeAll(async () => {
  const base = process.env.ASSIGNMENTS_TABLE!;
  const echo = path.join(ROOT, 'test', 'host', 'echo-app');
  [host, runner, echoHost, echoRunner] = await Promise.all([
    startFunctionsHost({ ...settings(`${base}host`), AzureWebJobsStorage: undefined }),
    startRunner(path.join(ROOT, 'dist', 'package'), settings(`${base}runner`)),
    startFunctionsHost({ AzureWebJobsStorage: undefined }, { app: echo }),
    startRunner(echo, {}),
  ]);
}, 120_000);

afterAll(async () => {
  agent.destroy();
  await Promise.all([host?.stop(), runner?.stop(), echoHost?.stop(), echoRunner?.stop()]);
});

async function createItem(base: string): Promise<string> {
  const created = await send(base, {
    name: 'create',
    method: 'POST',
    target: concrete('beta/deviceManagement/deviceEnrollmentConfigurations/{deviceEnrollmentConfigurationId}/assignments'),
    headers: { ...AUTH, ...JSON_TYPE },
    body: JSON.stringify(documentExample()),
  });
  expect(created.status).toBe(201);
  return (JSON.parse(created.body) as { id: string }).id;
}

describe('the genuine host and the runner answer alike', () => {
  it('the app: every route, every method, invalid and odd requests', async () => {
    const [hostItem, runnerItem] = await Promise.all([createItem(host.url), createItem(runner.url)]);
    const probes = corpus();
    expect(probes.length).toBeGreaterThan(ROUTES.length * 10);
    const found: string[] = [];
    // In order on each server (the corpus changes state: deletes, patches), both servers side by side.
    for (const p of probes) {
      const [h, r] = await Promise.all([
        send(host.url, { ...p, target: p.target.replace(ITEM, hostItem) }),
        send(runner.url, { ...p, target: p.target.replace(ITEM, runnerItem) }),
      ]);
      found.push(...differences(p.name, h, r));
    }
    expect(found).toEqual([]);
  });

  it('the app: raw protocol corner cases', async () => {
    const found: string[] = [];
    for (const p of rawCorpus()) {
      const [h, r] = await Promise.all([sendRaw(host.url, p.raw), sendRaw(runner.url, p.raw)]);
      found.push(...differences(p.name, h, r));
    }
    expect(found).toEqual([]);
  });

  it('the echo app: what the function is handed (URL, params, query, headers, body)', async () => {
    const found: string[] = [];
    for (const p of echoCorpus()) {
      const [h, r] = await Promise.all([send(echoHost.url, p), send(echoRunner.url, p)]);
      found.push(...differences(p.name, h, r));
      // Exact, not just the shape: the values are the point here.
      if (normalise(h.body) !== normalise(r.body)) found.push(`${p.name}: echoed host ${h.body}, runner ${r.body}`);
    }
    expect(found).toEqual([]);
  });
});
