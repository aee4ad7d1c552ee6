import { readFileSync } from 'node:fs';
import path from 'node:path';
import { APP_ROOT, startRunnerProcess, type RunnerProcess } from '../helpers/runner';

// requests.http, sent top to bottom as the VS Code REST Client sends it (file variables, request
// chaining through `# @name`), against a fresh server with local.settings.json's settings, as
// `npm start` serves it. docs/api.md promises a runnable request for each example: every request whose
// title starts with "Error NNN" gets NNN, every other request a 2xx.

const FILE_ORIGIN = 'http://127.0.0.1:7071';

interface Request {
  title: string;
  name?: string;
  method: string;
  url: string;
  headers: Array<[string, string]>;
  body?: string;
}

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

function parse(text: string): { variables: Map<string, string>; requests: Request[] } {
  const variables = new Map<string, string>();
  const requests: Request[] = [];
  const blocks = text.split(/^###/m);
  for (const line of blocks[0]!.split('\n')) {
    const v = /^@(\w+)\s*=\s*(.*)$/.exec(line);
    if (v) variables.set(v[1]!, v[2]!.trim());
  }
  for (const block of blocks.slice(1)) {
    const [titleLine, ...lines] = block.split('\n');
    let name: string | undefined;
    let i = 0;
    for (; i < lines.length && (lines[i]!.startsWith('#') || lines[i]!.trim() === ''); i++) {
      const n = /^#\s*@name\s+(\S+)/.exec(lines[i]!);
      if (n) name = n[1];
    }
    const [method, url] = lines[i]!.trim().split(/\s+/);
    const headers: Array<[string, string]> = [];
    for (i++; i < lines.length && lines[i]!.trim() !== ''; i++) {
      const colon = lines[i]!.indexOf(':');
      headers.push([lines[i]!.slice(0, colon).trim(), lines[i]!.slice(colon + 1).trim()]);
    }
    const body = lines.slice(i).join('\n').trim();
    requests.push({ title: titleLine!.trim(), name, method: method!, url: url!, headers, body: body || undefined });
  }
  return { variables, requests };
}

/** REST Client's {{...}}: a file variable, or a named request's response (body by JSONPath, or a header). */
function substitute(text: string, variables: Map<string, string>, answers: Map<string, Answer>): string {
  return text.replace(/\{\{([^}]+)\}\}/g, (_all, ref: string) => {
    const chained = /^(\w+)\.response\.(body|headers)\.(.+)$/.exec(ref.trim());
    if (!chained) {
      const value = variables.get(ref.trim());
      if (value === undefined) throw new Error(`requests.http: no variable ${ref}`);
      return substitute(value, variables, answers);
    }
    const answer = answers.get(chained[1]!);
    if (!answer) throw new Error(`requests.http: {{${ref}}} before the request named ${chained[1]} was sent`);
    if (chained[2] === 'headers') return answer.headers.get(chained[3]!) ?? '';
    const property = /^\$(?:\.(\w+)|\['([^']+)'\])$/.exec(chained[3]!);
    if (!property) throw new Error(`requests.http: unsupported JSONPath ${chained[3]}`);
    const value = (answer.body as Record<string, unknown>)[property[1] ?? property[2]!];
    if (typeof value !== 'string') throw new Error(`requests.http: {{${ref}}} is ${JSON.stringify(value)}`);
    return value;
  });
}

let runner: RunnerProcess;
beforeAll(async () => {
  runner = await startRunnerProcess();
});
afterAll(async () => {
  await runner?.stop();
});

it('every request in requests.http answers as its title says, sent top to bottom', async () => {
  const { variables, requests } = parse(readFileSync(path.join(APP_ROOT, 'requests.http'), 'utf8'));
  expect(variables.get('baseUrl')).toBe(FILE_ORIGIN);
  variables.set('baseUrl', runner.url);
  expect(requests.length).toBeGreaterThanOrEqual(20);
  const answers = new Map<string, Answer>();
  const seen: string[] = [];
  const expected: string[] = [];
  for (const request of requests) {
    const url = substitute(request.url, variables, answers);
    expect(url.startsWith(runner.url)).toBe(true);
    const response = await fetch(url, {
      method: request.method,
      headers: request.headers.map(([k, v]) => [k, substitute(v, variables, answers)]),
      body: request.body === undefined ? undefined : substitute(request.body, variables, answers),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // $metadata (XML), $count (text), 204s
    }
    if (request.name) answers.set(request.name, { status: response.status, headers: response.headers, body });
    const error = /^Error (\d{3})\b/.exec(request.title);
    seen.push(`${request.title} -> ${error ? response.status : response.ok ? '2xx' : `${response.status} ${text.slice(0, 200)}`}`);
    expected.push(`${request.title} -> ${error ? Number(error[1]) : '2xx'}`);
  }
  expect(seen).toEqual(expected);
});
