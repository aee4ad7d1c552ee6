import { HttpRequest, InvocationContext } from '@azure/functions';
import fc from 'fast-check';
import type { App } from '../../src/createApp';
import { MAX_BODY_BYTES } from '../../src/graph/body';
import { answerOfFetch, answerOfHandler, graphProblems, prototypeProblems, type Answer } from './graph-checks';

/**
 * Hostile requests, generated with fast-check, and two ways to send them: in process, to an app's
 * pipeline as real HttpRequest objects, and over HTTP to a running app. Jest-free: the property tests and the
 * reliability figures command share it.
 */

export type Operation = 'create' | 'list' | 'get' | 'update' | 'delete' | 'assign' | 'fallback';

export interface HostileRequest {
  operation: Operation;
  /** The Graph path the request uses: through an invitation's invitedUser, or Intune's deviceManagement. */
  viaInvitation: boolean;
  invitationsId: string;
  configurationId: string;
  assignmentId: string;
  /** For the fallback: the method and the raw path segments. */
  method: string;
  segments: string[];
  /** Query pairs, and whether to write them raw (unescaped: the URL parser decides) or form-encoded. */
  query: Array<[string, string]>;
  rawQuery: boolean;
  headers: Record<string, string>;
  body?: Uint8Array;
}

const METHOD: Record<Exclude<Operation, 'fallback'>, string> = {
  create: 'POST',
  list: 'GET',
  get: 'GET',
  update: 'PATCH',
  delete: 'DELETE',
  assign: 'POST',
};

// ---- strings ----

const controlChars = fc.string({ unit: fc.integer({ min: 0, max: 0x9f }).map((c) => String.fromCharCode(c)), maxLength: 20 });
const keyBreakers = fc.constantFrom(
  '/',
  '\\',
  '#',
  '?',
  '%',
  '%2F',
  '%23',
  '%3F',
  '%00',
  '..',
  '.',
  "'",
  '"',
  ' ',
  '\u0000',
  '\u007f',
  '\u0085',
  '\ud800',
  '\udc00',
);

/** Text of every kind: unicode, lone surrogates, control characters, characters that break keys, long runs. */
export const hostileText = (maxLength = 64): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.string({ maxLength }) },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength }) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength }) },
    { weight: 1, arbitrary: controlChars },
    { weight: 2, arbitrary: fc.array(fc.oneof(keyBreakers, fc.string({ maxLength: 4 })), { maxLength: 8 }).map((p) => p.join('')) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom('x', 'é', '中', '😀', '\u0001'), fc.integer({ min: 500, max: 1100 }))
        .map(([c, n]) => c.repeat(n)),
    },
  );

/** What an HTTP header value can carry (latin1 without CR, LF, NUL), trimmed as HTTP does. */
const headerValue = (maxLength = 80): fc.Arbitrary<string> =>
  fc
    .string({
      unit: fc
        .oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }), fc.constant(0x09))
        .map((c) => String.fromCharCode(c)),
      maxLength,
    })
    .map((s) => s.trim());

// ---- bodies ----

const TARGET_TYPES = [
  'deviceAndAppManagementAssignmentTarget',
  'allDevicesAssignmentTarget',
  'allLicensedUsersAssignmentTarget',
  'groupAssignmentTarget',
  'exclusionGroupAssignmentTarget',
  'configurationManagerCollectionAssignmentTarget',
];
const DANGEROUS_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '__defineGetter__', 'valueOf'];

const anyJson = fc.jsonValue({ maxDepth: 3 });
const stringish = fc.oneof({ weight: 4, arbitrary: hostileText() }, { weight: 1, arbitrary: anyJson });
const typeName = fc.oneof(
  fc.constantFrom(...TARGET_TYPES).chain((t) => fc.constantFrom(`microsoft.graph.${t}`, `#microsoft.graph.${t}`)),
  hostileText(40),
);

const pollution = fc.record({ polluted: fc.constantFrom(true, 'yes', 1) });

/** Object members drawn from the real ones plus dangerous and random names, with values of the wrong kinds too. */
function members(entries: Array<[string, fc.Arbitrary<unknown>]>): fc.Arbitrary<Array<[string, unknown]>> {
  const known = fc
    .constantFrom(...entries.map(([k]) => k))
    .chain((k) =>
      fc.tuple(fc.constant(k), fc.oneof({ weight: 4, arbitrary: entries.find(([n]) => n === k)![1] }, { weight: 1, arbitrary: anyJson })),
    );
  const dangerous = fc.tuple(fc.constantFrom(...DANGEROUS_KEYS), fc.oneof(pollution, anyJson));
  const random = fc.tuple(hostileText(20), anyJson);
  return fc.array(fc.oneof({ weight: 6, arbitrary: known }, { weight: 1, arbitrary: dangerous }, { weight: 1, arbitrary: random }), {
    maxLength: 8,
  });
}

/** JSON text to be written as it is inside a generated object. */
class RawJson {
  constructor(readonly text: string) {}
}

/** Writes members as JSON text by hand, so "__proto__" is an own member and a name may repeat. */
function objectText(entries: Array<[string, unknown]>): string {
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v instanceof RawJson ? v.text : (JSON.stringify(v) ?? 'null')}`).join(',')}}`;
}
const raw = (text: string) => new RawJson(text);

const targetText: fc.Arbitrary<string> = members([
  ['@odata.type', typeName],
  ['groupId', stringish],
  ['collectionId', stringish],
  ['deviceAndAppManagementAssignmentFilterId', fc.oneof(stringish, fc.constant(null))],
  ['deviceAndAppManagementAssignmentFilterType', fc.oneof(fc.constantFrom('none', 'include', 'exclude', null), hostileText(12))],
]).map(objectText);

const assignmentText: fc.Arbitrary<string> = members([
  [
    '@odata.type',
    fc.oneof(
      fc.constantFrom('#microsoft.graph.enrollmentConfigurationAssignment', 'microsoft.graph.enrollmentConfigurationAssignment'),
      hostileText(40),
    ),
  ],
  ['id', stringish],
  ['target', targetText.map(raw)],
  ['source', fc.oneof(fc.constantFrom('direct', 'policySets', null), hostileText(12))],
  ['sourceId', fc.oneof(stringish, fc.constant(null))],
  ['@odata.etag', stringish],
]).map(objectText);

/** A well-formed create body: the base the other bodies mutate, and what makes some requests write. */
const validAssignment = fc
  .record({
    type: fc.constantFrom(...TARGET_TYPES),
    hash: fc.boolean(),
    id: fc.string({ unit: 'grapheme', maxLength: 40 }),
    sourceId: fc.option(fc.string({ unit: 'grapheme', maxLength: 60 })),
    source: fc.constantFrom('direct', 'policySets'),
  })
  .map(({ type, hash, id, sourceId, source }) => {
    const target: Record<string, unknown> = { '@odata.type': `${hash ? '#' : ''}microsoft.graph.${type}` };
    if (type.includes('Group')) target.groupId = id || 'g';
    if (type.includes('Collection')) target.collectionId = id || 'c';
    return JSON.stringify({ target, source, sourceId });
  });

const deepNesting = fc
  .record({ depth: fc.integer({ min: 1, max: 120_000 }), kind: fc.constantFrom('[', '{"a":'), inTarget: fc.boolean() })
  .map(({ depth, kind, inTarget }) => {
    const inner = kind === '[' ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    return inTarget ? `{"target":${inner}}` : inner;
  });

const duplicateKeys = fc
  .record({ key: fc.constantFrom('target', 'source', 'sourceId', '__proto__', 'groupId'), escaped: fc.boolean() })
  .map(({ key, escaped }) => {
    const second = escaped ? JSON.stringify(key).replace(/[a-z]/, (c) => `\\u00${c.charCodeAt(0).toString(16)}`) : JSON.stringify(key);
    return `{"target":{"@odata.type":"microsoft.graph.groupAssignmentTarget","groupId":"g"},${JSON.stringify(key)}:"a",${second}:"b"}`;
  });

const encoder = new TextEncoder();

/** Bodies: near-valid ones most of all (they reach validation and storage), then anything at all. */
export const hostileBody: fc.Arbitrary<Uint8Array | undefined> = fc.oneof(
  { weight: 6, arbitrary: assignmentText.map((t) => encoder.encode(t)) },
  { weight: 3, arbitrary: validAssignment.map((t) => encoder.encode(t)) },
  {
    weight: 2,
    arbitrary: fc
      .array(assignmentText, { maxLength: 4 })
      .map((items) => encoder.encode(`{"enrollmentConfigurationAssignments":[${items.join(',')}]}`)),
  },
  { weight: 2, arbitrary: fc.json().map((t) => encoder.encode(t)) },
  { weight: 1, arbitrary: fc.anything().map((v) => encoder.encode(JSON.stringify(v) ?? '')) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((t) => encoder.encode(t)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }) },
  { weight: 1, arbitrary: deepNesting.map((t) => encoder.encode(t)) },
  { weight: 1, arbitrary: duplicateKeys.map((t) => encoder.encode(t)) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 64 }).map((extra) => new Uint8Array(MAX_BODY_BYTES + extra).fill(0x20)) },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

// ---- headers ----

const contentType = fc.oneof(
  { weight: 8, arbitrary: fc.constant('application/json') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8',
      'Application/JSON',
      'application/json;odata.metadata=minimal',
      'application/json; charset=latin1',
      'text/plain',
      'application/xml',
      'application/jsonx',
      'multipart/form-data; boundary=x',
      ';',
      'application/json;;;',
      '',
    ),
  },
  { weight: 1, arbitrary: headerValue(60) },
);

const authorization = fc.oneof(
  { weight: 8, arbitrary: fc.constant('Bearer hostile-test') },
  { weight: 2, arbitrary: fc.constantFrom('', 'Bearer', 'Bearer ', 'bearer x', 'BEARER x', 'Basic dXNlcjpwYXNz', 'Bearer\tx', 'Token x') },
  { weight: 1, arbitrary: headerValue(200).map((v) => `Bearer ${v}`) },
  { weight: 1, arbitrary: headerValue(60) },
);

export const hostileHeaders: fc.Arbitrary<Record<string, string>> = fc
  .record(
    {
      authorization,
      'content-type': contentType,
      'client-request-id': fc.oneof(
        headerValue(40),
        fc.integer({ min: 1000, max: 9000 }).map((n) => 'c'.repeat(n)),
      ),
      'if-match': fc.oneof(fc.constantFrom('*', 'W/"x"', '"', 'W/"datetime\'2020-01-01T00%3A00%3A00Z\'"'), headerValue(60)),
      accept: fc.constantFrom('application/json', 'text/html', '*/*', 'application/json;odata.metadata=full'),
      prefer: fc.constantFrom('odata.maxpagesize=5', 'return=minimal', 'odata.maxpagesize=-1'),
      'x-ms-client-request-id': headerValue(40),
      'content-encoding': fc.constantFrom('gzip', 'identity', 'br'),
    },
    { requiredKeys: [] },
  )
  .map((h) => {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = v;
    return out;
  });

// ---- query strings ----

const queryName = fc.oneof(
  fc.constantFrom(
    '$top',
    '$filter',
    '$select',
    '$skiptoken',
    '$count',
    '$orderby',
    '$expand',
    '$search',
    '$skip',
    '$format',
    '$TOP',
    '$Filter',
    'top',
    '$',
    'api-version',
  ),
  hostileText(12),
);
const filterValue = fc.oneof(
  fc
    .record({
      property: fc.oneof(fc.constantFrom('source', 'sourceId', 'target/groupId', 'id', 'PartitionKey', 'target'), hostileText(10)),
      op: fc.constantFrom('eq', 'ne', 'EQ', 'gt', 'eq eq'),
      value: hostileText(),
      quote: fc.constantFrom("'", '"', ''),
    })
    .map(({ property, op, value, quote }) => `${property} ${op} ${quote}${value.replace(/'/g, "''")}${quote}`),
  fc
    .array(fc.constantFrom("source eq 'direct'", "sourceId eq 'x''y'", "target/groupId eq 'g'"), { minLength: 1, maxLength: 4 })
    .map((c) => c.join(' and ')),
  hostileText(),
);
const skipToken = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }).map((v) => Buffer.from(JSON.stringify(v) ?? '').toString('base64url')),
  fc
    .record({ nextPartitionKey: hostileText(40), nextRowKey: fc.option(hostileText(40), { nil: undefined }) })
    .map((v) => Buffer.from(JSON.stringify(v)).toString('base64url')),
  hostileText(),
);
const queryValue = (name: string): fc.Arbitrary<string> => {
  switch (name.toLowerCase()) {
    case '$top':
      return fc.oneof(
        fc.integer({ min: -5, max: 2000 }).map(String),
        fc.constantFrom('1e3', '0x10', ' 5', '5 ', '', '999', '1000', '9'.repeat(30)),
        hostileText(12),
      );
    case '$filter':
      return filterValue;
    case '$select':
      return fc
        .array(fc.constantFrom('id', 'target', 'source', 'sourceId', '', ' ', 'nope', '*', 'target/groupId'), { maxLength: 5 })
        .map((s) => s.join(','));
    case '$skiptoken':
      return skipToken;
    case '$count':
      return fc.oneof(fc.constantFrom('true', 'false', 'TRUE', '1', ''), hostileText(8));
    default:
      return hostileText();
  }
};
export const hostileQuery: fc.Arbitrary<Array<[string, string]>> = fc.array(
  queryName.chain((name) => fc.tuple(fc.constant(name), queryValue(name))),
  { maxLength: 5 },
);

// ---- path segments ----

export const hostileSegment: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('cfg-hostile', 'inv-hostile', '00000000-0000-0000-0000-000000000000') },
  { weight: 1, arbitrary: fc.uuid() },
  { weight: 4, arbitrary: hostileText(40) },
  { weight: 1, arbitrary: fc.integer({ min: 505, max: 600 }).map((n) => 'k'.repeat(n)) },
);

// ---- requests ----

export const hostileRequest: fc.Arbitrary<HostileRequest> = fc.record({
  operation: fc.constantFrom<Operation>('create', 'create', 'list', 'get', 'update', 'delete', 'assign', 'fallback'),
  viaInvitation: fc.boolean(),
  invitationsId: hostileSegment,
  configurationId: hostileSegment,
  assignmentId: hostileSegment,
  method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'),
  segments: fc.array(hostileSegment, { maxLength: 9 }),
  query: hostileQuery,
  rawQuery: fc.boolean(),
  headers: hostileHeaders,
  body: hostileBody,
});

/** Keeps one dimension hostile and the rest ordinary, so each property explores its own dimension deeply. */
export function hostileIn(dimension: 'body' | 'headers' | 'query' | 'path'): fc.Arbitrary<HostileRequest> {
  return fc
    .record({
      base: hostileRequest,
      validBody: validAssignment.map((t) => encoder.encode(t)),
      configurationId: fc.constantFrom('cfg-hostile', 'cfg-hostile-2'),
    })
    .map(({ base, validBody, configurationId }) => {
      const ordinary: HostileRequest = {
        ...base,
        invitationsId: 'inv-hostile',
        configurationId,
        assignmentId: '00000000-0000-0000-0000-000000000000',
        segments: ['beta', 'nowhere'],
        query: [],
        headers: { authorization: 'Bearer hostile-test', 'content-type': 'application/json' },
        body:
          base.operation === 'assign'
            ? encoder.encode(`{"enrollmentConfigurationAssignments":[${new TextDecoder().decode(validBody)}]}`)
            : validBody,
      };
      switch (dimension) {
        case 'body':
          return {
            ...ordinary,
            operation: base.operation === 'assign' ? 'assign' : base.operation === 'update' ? 'update' : 'create',
            body: base.body,
          };
        case 'headers':
          return { ...ordinary, headers: base.headers };
        case 'query':
          return { ...ordinary, operation: base.operation === 'get' ? 'get' : 'list', query: base.query, rawQuery: base.rawQuery };
        case 'path':
          return {
            ...ordinary,
            invitationsId: base.invitationsId,
            configurationId: base.configurationId,
            assignmentId: base.assignmentId,
            segments: base.segments,
          };
      }
    });
}

/** Percent-encodes every byte of the UTF-8 form but unreserved characters (a lone surrogate becomes U+FFFD, as on the wire). */
export function encodeSegment(segment: string): string {
  return [...Buffer.from(segment, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9\-._~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
}

function queryString(r: HostileRequest): string {
  if (r.query.length === 0) return '';
  if (!r.rawQuery) return `?${r.query.map(([k, v]) => `${encodeSegment(k)}=${encodeSegment(v)}`).join('&')}`;
  // Raw: only what would change the query's structure is escaped; the URL parser judges the rest
  // (spaces, unicode, control characters, malformed % escapes).
  const rawPart = (s: string) => s.replace(/[#&=]/g, (c) => encodeURIComponent(c));
  return `?${r.query.map(([k, v]) => `${rawPart(k)}=${rawPart(v)}`).join('&')}`;
}

function isCollection(op: Operation): boolean {
  return op === 'create' || op === 'list';
}

/** The URL path and the params the host would hand the handler (segments decoded). */
export function routeOf(r: HostileRequest): { method: string; path: string; params: Record<string, string> } {
  if (r.operation === 'fallback')
    return { method: r.method, path: `/${r.segments.map(encodeSegment).join('/')}`, params: { path: r.segments.join('/') } };
  const method = METHOD[r.operation];
  if (r.operation === 'assign') {
    return {
      method,
      path: `/beta/deviceManagement/deviceEnrollmentConfigurations/${encodeSegment(r.configurationId)}/assign`,
      params: { deviceEnrollmentConfigurationId: r.configurationId },
    };
  }
  const params: Record<string, string> = { deviceEnrollmentConfigurationId: r.configurationId };
  let path = r.viaInvitation
    ? `/beta/invitations/${encodeSegment(r.invitationsId)}/invitedUser/deviceEnrollmentConfigurations/${encodeSegment(r.configurationId)}/assignments`
    : `/beta/deviceManagement/deviceEnrollmentConfigurations/${encodeSegment(r.configurationId)}/assignments`;
  if (r.viaInvitation) params.invitationsId = r.invitationsId;
  if (!isCollection(r.operation)) {
    path += `/${encodeSegment(r.assignmentId)}`;
    params.enrollmentConfigurationAssignmentId = r.assignmentId;
  }
  return { method, path, params };
}

export const HANDLER_BASE = 'http://127.0.0.1:7071';

function silentContext(): InvocationContext {
  return new InvocationContext({ functionName: 'hostile', logHandler: () => undefined });
}

/** Sends requests to the app's pipeline in this process, each a real HttpRequest as the worker builds it. */
export const sendInProcess =
  (app: App) =>
  async (r: HostileRequest): Promise<Answer> => {
    const { method, path, params } = routeOf(r);
    // GET and HEAD carry no body, as over HTTP (fetch refuses one; the library would drop it with a warning).
    const withBody = method !== 'GET' && method !== 'HEAD' && r.body !== undefined;
    const request = new HttpRequest({
      method,
      url: `${HANDLER_BASE}${path}${queryString(r)}`,
      headers: r.headers,
      params,
      body: withBody ? { bytes: r.body! } : undefined,
    });
    return answerOfHandler(await app.handle(request, silentContext()));
  };

/** The same request over HTTP; bounded by a timeout so that a hang is a finding, not a stuck run. */
export async function sendOverHttp(base: string, r: HostileRequest, timeoutMs = 15_000): Promise<Answer> {
  const { method, path } = routeOf(r);
  const withBody = method !== 'GET' && method !== 'HEAD' && r.body !== undefined;
  const response = await fetch(`${base}${path}${queryString(r)}`, {
    method,
    headers: r.headers,
    body: withBody ? r.body : undefined,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const answer = await answerOfFetch(response);
  return method === 'HEAD' ? { ...answer, body: undefined, bodyless: true } : answer;
}

/** Node's HTTP server refuses request heads over 16 KiB before any app sees them; keep HTTP inputs under it. */
export function fitsInRequestHead(r: HostileRequest): boolean {
  const { path } = routeOf(r);
  const url = new URL(`${HANDLER_BASE}${path}${queryString(r)}`).href; // as sent: percent-encoded
  const headers = Object.entries(r.headers).reduce((n, [k, v]) => n + k.length + v.length + 4, 0);
  return url.length + headers < 12_000;
}

/** What one answer says about the app: problems (5xx, not Graph's shape, polluted prototype) and a write to check later. */
export interface Verdict {
  answer: Answer;
  problems: string[];
  created?: { configurationId: string; id: string };
}

export function judge(r: HostileRequest, answer: Answer, inProcess: boolean): Verdict {
  // A path that starts with "//" reaches no function in the Functions host (and so in the runner, which
  // copies it): the host's own empty 404 is the answer, never the app's.
  if (!inProcess && routeOf(r).path.startsWith('//')) {
    const hostAnswer = answer.status === 404 && !answer.body;
    return { answer, problems: hostAnswer ? [] : [`expected the host's empty 404 for a path starting with //, got ${answer.status}`] };
  }
  // A path escape that decodes to NUL: Kestrel refuses the request itself (400, empty, closed; measured),
  // and the runner copies it.
  if (!inProcess && /%00/i.test(routeOf(r).path)) {
    const kestrel = answer.status === 400 && !answer.body;
    return { answer, problems: kestrel ? [] : [`expected Kestrel's empty 400 for %00 in the path, got ${answer.status}`] };
  }
  const problems = graphProblems(answer);
  if (inProcess) problems.push(...prototypeProblems());
  let created: Verdict['created'];
  if (r.operation === 'create' && answer.status === 201) {
    const id = JSON.parse(answer.body ?? '{}').id as string;
    // In process the partition key is the param as given; over HTTP it is what the server decoded from
    // the URL, which the Location header (the request's own path) shows.
    const segments = new URL(answer.headers.location ?? HANDLER_BASE).pathname.split('/');
    const configurationId = inProcess ? r.configurationId : decodeURIComponent(segments[segments.length - 3] ?? '');
    created = { configurationId, id };
  }
  return { answer, problems, created };
}

export function describeRequest(r: HostileRequest): string {
  const { method, path } = routeOf(r);
  const body =
    r.body === undefined
      ? 'no body'
      : `${r.body.byteLength}-byte body ${JSON.stringify(Buffer.from(r.body.subarray(0, 120)).toString('utf8'))}`;
  return `${method} ${path.slice(0, 300)}${queryString(r).slice(0, 300)} headers=${JSON.stringify(r.headers).slice(0, 300)} ${body}`;
}

export interface CampaignResult {
  inputs: number;
  fiveXX: number;
  byStatus: Record<number, number>;
  failures: Array<{ request: string; problems: string[] }>;
  /** Creates answered 201, and how many of them `readBack` found right after the answer. */
  acknowledged: number;
  found: number;
}

/**
 * Sends `numRuns` generated requests and records every answer: unlike fc.assert it does not stop at the
 * first problem, so the counts are the whole campaign's. Each create answered 201 is read back at once
 * with `readBack` (at once, because a later generated assign action may rightly replace the set).
 */
export async function runCampaign(
  arbitrary: fc.Arbitrary<HostileRequest>,
  send: (r: HostileRequest) => Promise<Answer>,
  options: { seed: number; numRuns: number; inProcess: boolean; readBack: (configurationId: string, id: string) => Promise<boolean> },
): Promise<CampaignResult> {
  const result: CampaignResult = { inputs: 0, fiveXX: 0, byStatus: {}, failures: [], acknowledged: 0, found: 0 };
  await fc.check(
    fc.asyncProperty(arbitrary, async (r) => {
      result.inputs++;
      let verdict: Verdict;
      try {
        verdict = judge(r, await send(r), options.inProcess);
      } catch (err) {
        // Kestrel refuses a %00 path outright: 400, then it closes the connection without reading the
        // body, so a client still sending one may see the reset before the answer (as under the host).
        if (!options.inProcess && r.body !== undefined && /%00/i.test(routeOf(r).path)) {
          result.byStatus[400] = (result.byStatus[400] ?? 0) + 1;
          return true;
        }
        result.failures.push({ request: describeRequest(r), problems: [`no answer: ${err instanceof Error ? err.message : String(err)}`] });
        return true;
      }
      const { status } = verdict.answer;
      result.byStatus[status] = (result.byStatus[status] ?? 0) + 1;
      if (status >= 500) result.fiveXX++;
      if (verdict.problems.length > 0) result.failures.push({ request: describeRequest(r), problems: verdict.problems });
      if (verdict.created) {
        result.acknowledged++;
        if (await options.readBack(verdict.created.configurationId, verdict.created.id)) result.found++;
        else result.failures.push({ request: describeRequest(r), problems: [`201 for ${verdict.created.id}, not found in storage`] });
      }
      return true;
    }),
    { seed: options.seed, numRuns: options.numRuns, endOnFailure: true },
  );
  return result;
}
