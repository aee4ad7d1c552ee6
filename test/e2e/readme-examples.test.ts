import { readFileSync } from 'node:fs';
import path from 'node:path';
import { APP_ROOT, startRunnerProcess, type RunnerProcess } from '../helpers/runner';

// The README's request/response examples, sent in order to a fresh server over HTTP: each documented
// status, header and body must be what the server really answers. Ids, ETags, request ids, dates and
// the host differ from run to run and are compared as placeholders.

const README_HOST = 'http://127.0.0.1:7071';
const README_ID = '1f0c7f5e-3b0e-4a53-9d0b-8d1f1c2f3a4b';

interface Example {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  status: number;
  responseHeaders: Record<string, string>;
  responseBody?: unknown;
}

function parseMessage(block: string) {
  const [head, ...rest] = block.split('\n\n');
  const [startLine, ...headerLines] = head!.split('\n');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  const body = rest.join('\n\n').trim();
  return { startLine: startLine!, headers, body: body === '' ? undefined : body };
}

function readmeExamples(): Example[] {
  const readme = readFileSync(path.join(APP_ROOT, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```http\n([\s\S]*?)```/g)].map((m) => parseMessage(m[1]!.trim()));
  const examples: Example[] = [];
  for (let i = 0; i < blocks.length; i++) {
    const request = blocks[i]!;
    const requestLine = /^(GET|POST|PATCH|PUT|DELETE) (.+)$/.exec(request.startLine);
    if (!requestLine) continue;
    const response = blocks[i + 1];
    const statusLine = response && /^HTTP\/1\.1 (\d{3}) /.exec(response.startLine);
    if (!statusLine) throw new Error(`README: the request "${request.startLine}" has no response block after it`);
    examples.push({
      method: requestLine[1]!,
      path: requestLine[2]!,
      headers: request.headers,
      body: request.body,
      status: Number(statusLine[1]),
      responseHeaders: response.headers,
      responseBody: response.body === undefined ? undefined : JSON.parse(response.body),
    });
  }
  return examples;
}

const VOLATILE = new Set(['@odata.etag', 'date', 'request-id', 'client-request-id']);

function normalise(value: unknown, origin: string, id: string): unknown {
  if (Array.isArray(value)) return value.map((v) => normalise(v, origin, id));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, VOLATILE.has(k) ? '<volatile>' : normalise(v, origin, id)]));
  }
  if (typeof value === 'string') return value.split(origin).join(README_HOST).split(id).join(README_ID);
  return value;
}

let runner: RunnerProcess;
beforeAll(async () => {
  runner = await startRunnerProcess();
});
afterAll(async () => {
  await runner?.stop();
});

it('README examples: documented status, headers and bodies are what the server answers', async () => {
  const examples = readmeExamples();
  expect(examples.length).toBeGreaterThanOrEqual(8);
  let id = README_ID;
  let etag = '';
  for (const ex of examples) {
    const headers = { ...ex.headers };
    if (headers['if-match']) headers['if-match'] = etag;
    const response = await fetch(`${runner.url}${ex.path.split(README_ID).join(id)}`, {
      method: ex.method,
      headers,
      body: ex.body,
    });
    const label = `${ex.method} ${ex.path}`;
    expect({ label, status: response.status }).toEqual({ label, status: ex.status });
    const text = await response.text();
    const body = text === '' ? undefined : JSON.parse(text);
    if (ex.method === 'POST' && response.status === 201) id = body.id;
    etag = response.headers.get('etag') ?? etag;
    for (const name of Object.keys(ex.responseHeaders)) {
      expect({ label, header: name, present: response.headers.has(name) }).toEqual({ label, header: name, present: true });
    }
    if (ex.responseHeaders['content-type']) expect(response.headers.get('content-type')).toBe(ex.responseHeaders['content-type']);
    if (ex.responseHeaders.location) {
      expect(normalise(response.headers.get('location'), runner.url, id)).toBe(ex.responseHeaders.location);
    }
    expect({ label, body: normalise(body, runner.url, id) }).toEqual({ label, body: normalise(ex.responseBody, README_HOST, README_ID) });
  }
});
