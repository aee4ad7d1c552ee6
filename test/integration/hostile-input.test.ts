import { TableClient } from '@azure/data-tables';
import fc from 'fast-check';
import { MAX_BODY_BYTES } from '../../src/graph/body';
import { prototypeProblems } from '../../bench/reliability/graph-checks';
import { describeRequest, hostileIn, hostileRequest, judge, sendInProcess, type HostileRequest } from '../../bench/reliability/hostile';
import { send, testApp } from '../helpers/app';
import { documentExample, expectGraphError, graphRequest, jsonOf, type RequestOptions } from '../helpers/requests';

// Hostile input to the app's pipeline in process (real HttpRequest objects, real Azurite): property-based
// tests over bodies, headers, query strings and path segments, then the named cases one by
// one. The property: never a 5xx; every error in Graph's envelope with the error media type; every
// success with Graph's media type; Object.prototype untouched. `npm run test:reliability` runs the same
// properties with many more inputs.

const SEED = Number(process.env.HOSTILE_SEED ?? 20261128);
const RUNS = Number(process.env.HOSTILE_RUNS ?? 200);

const table = () =>
  TableClient.fromConnectionString(process.env.ASSIGNMENTS_STORAGE!, process.env.ASSIGNMENTS_TABLE!, { allowInsecureConnection: true });
let acknowledged = 0;
const app = testApp();
const sendToApp = sendInProcess(app);

async function holds(r: HostileRequest): Promise<void> {
  const verdict = judge(r, await sendToApp(r), true);
  if (verdict.problems.length > 0) {
    throw new Error(
      `${verdict.problems.join('; ')} for ${describeRequest(r)}\nanswer: ${verdict.answer.status} ${verdict.answer.body?.slice(0, 300)}`,
    );
  }
  if (verdict.created) {
    // Read back at once: a later generated assign action may rightly replace the configuration's set.
    acknowledged++;
    const { configurationId, id } = verdict.created;
    const stored = await table()
      .getEntity(configurationId, id)
      .catch(() => undefined);
    if (!stored) throw new Error(`201 for ${configurationId}/${id}, but storage does not have it: ${describeRequest(r)}`);
  }
}

describe('hostile input, property-based (fast-check), in process', () => {
  it.each(['body', 'headers', 'query', 'path'] as const)('any %s: never a 5xx, always Graph’s envelope', async (dimension) => {
    await fc.assert(fc.asyncProperty(hostileIn(dimension), holds), { seed: SEED, numRuns: RUNS });
  });

  it('everything hostile at once: never a 5xx, always Graph’s envelope', async () => {
    await fc.assert(fc.asyncProperty(hostileRequest, holds), { seed: SEED + 1, numRuns: RUNS });
  });

  it('reached storage: those inputs made creates, each read back from the table as it got its 201', () => {
    expect(acknowledged).toBeGreaterThan(RUNS / 10); // the generators reach storage, not only validation
  });
});

// ---- the named cases ----

const json = { authorization: 'Bearer t', 'content-type': 'application/json' };
const post = (o: RequestOptions) => send(app, graphRequest({ headers: json, ...o }));
const patch = async (o: RequestOptions) => {
  const a = jsonOf(await post({ body: documentExample() }));
  return send(
    app,
    graphRequest({
      method: 'PATCH',
      path: `/beta/deviceManagement/deviceEnrollmentConfigurations/cfg-1/assignments/${a.id}`,
      headers: json,
      ...o,
    }),
  );
};
const assign = (o: RequestOptions) =>
  send(
    app,
    graphRequest({
      path: '/beta/deviceManagement/deviceEnrollmentConfigurations/cfg-assign/assign',
      headers: json,
      ...o,
    }),
  );
const writes = { post, patch, assign };
const wrapFor = (write: keyof typeof writes, item: string) =>
  write === 'assign' ? `{"enrollmentConfigurationAssignments":[${item}]}` : item;
const pathFor = (write: keyof typeof writes, property: string) =>
  write === 'assign' ? `enrollmentConfigurationAssignments/0/${property}` : property;

const UNREADABLE = 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.';
const TARGET = '{"@odata.type":"microsoft.graph.groupAssignmentTarget","groupId":"g"}';

describe('__proto__, constructor and prototype members', () => {
  it.each([
    ['__proto__', `{"target":${TARGET},"__proto__":{"polluted":"yes"}}`, "'__proto__'"],
    ['constructor', `{"target":${TARGET},"constructor":{"prototype":{"polluted":"yes"}}}`, "'constructor'"],
    ['prototype', `{"target":${TARGET},"prototype":{"polluted":"yes"}}`, "'prototype'"],
    [
      '__proto__ in target',
      '{"target":{"@odata.type":"microsoft.graph.groupAssignmentTarget","groupId":"g","__proto__":{"polluted":"yes"}}}',
      "'__proto__'",
    ],
    [
      'constructor in target',
      '{"target":{"@odata.type":"microsoft.graph.allDevicesAssignmentTarget","constructor":{"polluted":"yes"}}}',
      "'constructor'",
    ],
  ])('%s: a 400 naming the member, and nothing polluted', async (_name, rawBody, member) => {
    for (const write of ['post', 'patch', 'assign'] as const) {
      const error = expectGraphError(await writes[write]({ rawBody: wrapFor(write, rawBody) }), 400, 'BadRequest');
      expect(error.message).toContain(`The property ${member} does not exist`);
      expect(prototypeProblems()).toEqual([]);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    }
  });
});

describe('deep nesting', () => {
  const arrays = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
  const objects = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
  it.each([
    ['100,000 nested arrays', arrays(100_000)],
    ['100,000 nested objects', objects(100_000)],
    ['100,000 nested arrays as the target', `{"target":${arrays(100_000)}}`],
    ['100,000 nested objects as the target', `{"target":${objects(100_000)}}`],
    ['100,000 nested objects in an unknown member', `{"target":${TARGET},"x":${objects(100_000)}}`],
    ['100,000 nested objects as sourceId', `{"target":${TARGET},"sourceId":${objects(100_000)}}`],
  ])('%s: a 400, not a stack overflow', async (_name, rawBody) => {
    for (const write of ['post', 'patch', 'assign'] as const) {
      expectGraphError(await writes[write]({ rawBody: wrapFor(write, rawBody) }), 400, 'BadRequest');
    }
  });
});

describe('strings beyond Table Storage limits', () => {
  // Azurite keeps at most 32 Ki UTF-16 characters per string and the service 64 KiB; the schema caps
  // every string at 1,024, so storage is never what refuses them.
  it.each([
    ['a sourceId', 40_000, (s: string) => `{"target":${TARGET},"sourceId":"${s}"}`, 'sourceId'],
    [
      'a groupId',
      70_000,
      (s: string) => `{"target":{"@odata.type":"microsoft.graph.groupAssignmentTarget","groupId":"${s}"}}`,
      'target/groupId',
    ],
    [
      'a collectionId',
      70_000,
      (s: string) => `{"target":{"@odata.type":"microsoft.graph.configurationManagerCollectionAssignmentTarget","collectionId":"${s}"}}`,
      'target/collectionId',
    ],
    [
      'the filter id',
      40_000,
      (s: string) =>
        `{"target":{"@odata.type":"microsoft.graph.allDevicesAssignmentTarget","deviceAndAppManagementAssignmentFilterId":"${s}"}}`,
      'target/deviceAndAppManagementAssignmentFilterId',
    ],
  ])('%s of %i characters: a 400 naming the property', async (_name, length, body, property) => {
    for (const char of ['x', '中']) {
      for (const write of ['post', 'patch', 'assign'] as const) {
        const error = expectGraphError(await writes[write]({ rawBody: wrapFor(write, body(char.repeat(length))) }), 400, 'BadRequest');
        expect(error.message).toBe(`The value of property '${pathFor(write, property)}' is longer than the maximum of 1024 characters.`);
      }
    }
  });
});

describe('invalid UTF-8', () => {
  const inSourceId = (bytes: number[]) =>
    Buffer.concat([Buffer.from(`{"target":${TARGET},"sourceId":"`), Buffer.from(bytes), Buffer.from('"}')]);
  it.each([
    ['a lone continuation byte', [0x80]],
    ['a truncated sequence', [0xe4, 0xb8]],
    ['an overlong "/"', [0xc0, 0xaf]],
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
    ['a code point past U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['a five-byte sequence', [0xf8, 0x88, 0x80, 0x80, 0x80]],
    ['0xFF', [0xff]],
  ])('%s: the payload 400', async (_name, bytes) => {
    for (const write of ['post', 'patch', 'assign'] as const) {
      const rawBody =
        write === 'assign'
          ? Buffer.concat([Buffer.from('{"enrollmentConfigurationAssignments":['), inSourceId(bytes), Buffer.from(']}')])
          : inSourceId(bytes);
      expect(expectGraphError(await writes[write]({ rawBody }), 400, 'BadRequest').message).toBe(UNREADABLE);
    }
  });

  it('a truncated sequence at the very end of the body: the payload 400', async () => {
    const rawBody = Buffer.concat([Buffer.from(`{"target":${TARGET}}`), Buffer.from([0xe4])]);
    expect(expectGraphError(await post({ rawBody }), 400, 'BadRequest').message).toBe(UNREADABLE);
  });
});

describe('duplicate JSON member names', () => {
  it.each([
    ['in the target', '{"target":{"@odata.type":"microsoft.graph.groupAssignmentTarget","groupId":"a","groupId":"b"}}', 'groupId'],
    ['spelt with an escape', `{"target":${TARGET},"sourceId":"a","sourc\\u0065Id":"b"}`, 'sourceId'],
    ['__proto__ twice', `{"target":${TARGET},"__proto__":{},"__proto__":{}}`, '__proto__'],
  ])('%s: a 400 naming the member', async (_name, rawBody, member) => {
    for (const write of ['post', 'patch', 'assign'] as const) {
      const error = expectGraphError(await writes[write]({ rawBody: wrapFor(write, rawBody) }), 400, 'BadRequest');
      expect(error.message).toBe(`Multiple properties with the name '${member}' were found in the payload.`);
    }
  });
});

describe('wrong and missing content types on every write', () => {
  const raw = Buffer.from(JSON.stringify({ target: JSON.parse(TARGET) }));
  it.each([
    ['no Content-Type', 400, 'BadRequest', undefined],
    ['an empty one', 400, 'BadRequest', ''],
    ['text/plain', 415, 'UnsupportedMediaType', 'text/plain'],
    ['application/xml', 415, 'UnsupportedMediaType', 'application/xml'],
    ['application/jsonx', 415, 'UnsupportedMediaType', 'application/jsonx'],
    ['form data', 415, 'UnsupportedMediaType', 'multipart/form-data; boundary=x'],
  ])('%s: %i %s', async (_name, status, code, contentType) => {
    const headers: Record<string, string> = { authorization: 'Bearer t' };
    if (contentType !== undefined) headers['content-type'] = contentType;
    for (const write of ['post', 'patch', 'assign'] as const) {
      const rawBody = write === 'assign' ? Buffer.from(wrapFor('assign', raw.toString())) : raw;
      expectGraphError(await writes[write]({ rawBody, headers }), status, code);
    }
  });
});

describe('bodies over 4 MiB on every write', () => {
  it('413, read or declared', async () => {
    const big = Buffer.alloc(MAX_BODY_BYTES + 1, 0x20);
    for (const write of ['post', 'patch', 'assign'] as const) {
      expectGraphError(await writes[write]({ rawBody: big }), 413, 'RequestEntityTooLarge');
      const declared = { ...json, 'content-length': String(50 * 1024 * 1024) };
      expectGraphError(await writes[write]({ rawBody: '{}', headers: declared }), 413, 'RequestEntityTooLarge');
    }
  });
});
