import { runClientFlow } from '../helpers/client-flow';
import { GUID } from '../helpers/requests';
import { startRunnerProcess, type RunnerProcess } from '../helpers/runner';
import { createTestCertificate, type TestCertificate } from '../helpers/tls';

// Microsoft's @microsoft/microsoft-graph-client v3 against the local runner over real HTTP. The flow runs
// in test/e2e/clients/graph-client-flow.mjs; this file asserts on its report.
//
// The runner serves https here because that is the only way this client sends a token to any host but
// Graph's own (see the flow's header comment); the flow's process trusts the throwaway certificate through
// NODE_EXTRA_CA_CERTS, as a machine trusts a real one, so the client is configured only with its base URL
// (plus customHosts, the client's switch for a non-Graph host).

const SUCCESS_MEDIA_TYPE = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

let certificate: TestCertificate;
let https: RunnerProcess;
let http: RunnerProcess;
let report: any;

const flow = (baseUrl: string, ...args: string[]) =>
  runClientFlow('graph-client-flow.mjs', [baseUrl, ...args], { NODE_EXTRA_CA_CERTS: certificate.certFile });

beforeAll(async () => {
  certificate = createTestCertificate();
  [https, http] = await Promise.all([
    startRunnerProcess({ RUNNER_TLS_CERT: certificate.certFile, RUNNER_TLS_KEY: certificate.keyFile }),
    startRunnerProcess(),
  ]);
  report = await flow(https.url);
}, 120_000);

afterAll(async () => {
  await Promise.all([https?.stop(), http?.stop()]);
  certificate?.remove();
});

/** A GraphError as the client filled it in, for one of Graph's error envelopes. */
function expectGraphError(outcome: any, statusCode: number, code: string): void {
  expect(outcome).toMatchObject({ threw: true, isGraphError: true, statusCode, code });
  expect(outcome.message).toEqual(expect.any(String));
  expect(outcome.requestId).toMatch(GUID);
  // The client reads request-id from the body's innerError; it is the same id as the response header's.
  expect(outcome.requestId).toBe(outcome.headerRequestId);
  expect(outcome.date).toEqual(expect.any(String)); // innerError.date parsed into a valid Date
}

describe.each([
  ['deviceManagement', '/beta/deviceManagement/deviceEnrollmentConfigurations/cfg-graph-client-dm/assignments', 'group-dm'],
  [
    'invitation',
    '/beta/invitations/inv-graph-client/invitedUser/deviceEnrollmentConfigurations/cfg-graph-client-inv/assignments',
    'group-inv',
  ],
])('the Graph client on the %s path', (which, collectionPath, groupId) => {
  const path = () => report[which];

  it('creates: 201 with Location, ETag and Graph media type; the body is the stored assignment', () => {
    const raw = path().createRaw;
    expect(raw.threw).toBe(false);
    expect(raw.value.status).toBe(201);
    expect(raw.value.contentType).toBe(SUCCESS_MEDIA_TYPE);
    expect(raw.value.location).toBe(`${https.url}${collectionPath}/${raw.value.body.id}`);
    expect(raw.value.etag).toBe(raw.value.body['@odata.etag']);
    expect(raw.value.body.target['@odata.type']).toBe('#microsoft.graph.deviceAndAppManagementAssignmentTarget');

    const created = path().create;
    expect(created.threw).toBe(false);
    expect(created.value).toMatchObject({
      '@odata.type': '#microsoft.graph.enrollmentConfigurationAssignment',
      target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId },
      source: 'direct',
      sourceId: 'Source Id value',
    });
    expect(created.value.id).toMatch(GUID);
    expect(created.value['@odata.context'].startsWith(`${https.url}/beta/$metadata#`)).toBe(true);
    expect(created.value['@odata.context'].endsWith('/assignments/$entity')).toBe(true);
  });

  it('pages with .top(2) by following @odata.nextLink, by hand and with PageIterator, over all six items', () => {
    const pages = path().pages;
    expect(pages.threw).toBe(false);
    expect(pages.value.map((p: any) => p.ids.length)).toEqual([2, 2, 2]);
    for (const page of pages.value.slice(0, -1)) {
      // Absolute and https, so the client keeps sending its token on the next page.
      expect(page.nextLink.startsWith(`${https.url}${collectionPath}?`)).toBe(true);
    }
    expect(pages.value.at(-1).nextLink).toBeNull();
    const all = pages.value.flatMap((p: any) => p.ids);
    expect(new Set(all).size).toBe(6);
    expect(all).toContain(path().create.value.id);

    expect(path().iterated.threw).toBe(false);
    expect(path().iterated.value.complete).toBe(true);
    expect(path().iterated.value.ids).toEqual(all);
  });

  it('filters with .filter(), selects with .select() and counts with .count(true)', () => {
    const filtered = path().filtered;
    expect(filtered.threw).toBe(false);
    expect(filtered.value.value.map((a: any) => a.id)).toEqual([path().create.value.id]);

    const selected = path().selected;
    expect(selected.threw).toBe(false);
    expect(selected.value['@odata.context']).toMatch(/\/assignments\(source,sourceId\)$/);
    expect(selected.value.value).toHaveLength(6);
    for (const a of selected.value.value) {
      expect(
        Object.keys(a)
          .filter((k) => !k.startsWith('@'))
          .sort(),
      ).toEqual(['id', 'source', 'sourceId']);
    }

    const counted = path().counted;
    expect(counted.threw).toBe(false);
    expect(counted.value['@odata.count']).toBe(6);
    expect(counted.value.value).toHaveLength(1);
  });

  it('gets one assignment, and only the selected properties with .select()', () => {
    expect(path().get.threw).toBe(false);
    expect(path().get.value).toMatchObject({
      id: path().create.value.id,
      target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId },
    });
    expect(path().get.value['@odata.etag']).toEqual(expect.any(String));
    expect(path().getSelected.value.target.groupId).toBe(groupId);
    expect(path().getSelected.value).not.toHaveProperty('source');
  });

  it('patches with If-Match: a stale ETag is a GraphError 412, the current one updates and answers the entity', () => {
    expectGraphError(path().patchStale, 412, 'PreconditionFailed');
    expect(path().patch.threw).toBe(false);
    expect(path().patch.value).toMatchObject({
      id: path().create.value.id,
      target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' },
      source: 'direct',
      sourceId: 'updated by the Graph client',
    });
    expect(path().patch.value['@odata.etag']).not.toBe(path().get.value['@odata.etag']);
    expect(path().getAfterPatch.value.sourceId).toBe('updated by the Graph client');
  });

  it('deletes (204, no body), after which a get is a GraphError 404 ResourceNotFound', () => {
    expect(path().delete).toEqual({ threw: false, value: null });
    expectGraphError(path().getDeleted, 404, 'ResourceNotFound');
    expect(path().getDeleted.message).toContain(path().create.value.id);
    // The client sent its own client-request-id; the error envelope echoes it.
    const envelope = JSON.parse(path().getDeleted.body);
    expect(envelope.innerError['client-request-id']).toMatch(GUID);
    expect(envelope.innerError['client-request-id']).not.toBe(envelope.innerError['request-id']);
  });

  it("answers Graph's documented example (source: 'String') with a GraphError 400 naming source", () => {
    expectGraphError(path().invalidSource, 400, 'BadRequest');
    expect(path().invalidSource.message).toContain("'source'");
  });
});

describe('the Graph client and the assign action', () => {
  it('posts the action (204, no body) and the configuration then holds exactly the assigned targets', () => {
    expect(report.assign.assign).toEqual({ threw: false, value: null });
    const after = report.assign.after.value.value;
    expect(after).toHaveLength(2);
    expect(after.map((a: any) => a.target['@odata.type']).sort()).toEqual([
      '#microsoft.graph.allDevicesAssignmentTarget',
      '#microsoft.graph.groupAssignmentTarget',
    ]);
    expect(after.find((a: any) => a.target.groupId === 'assigned-group')).toBeDefined();
    expect(after.find((a: any) => a.source === 'policySets').sourceId).toBe('policy-set-1');
  });
});

describe('when the Graph client sends its token', () => {
  it('withholds it from a host it was not told about (no customHosts): the mock answers 401, surfaced as a GraphError', async () => {
    const probe = await flow(https.url, 'auth-probe', 'graph-hosts-only');
    expectGraphError(probe.create, 401, 'InvalidAuthenticationToken');
    expect(probe.create.message).toBe('Access token is empty.');
  });

  it('withholds it over plain http even from a custom host: the mock answers 401', async () => {
    const probe = await flow(http.url, 'auth-probe', 'custom-hosts');
    expect(probe.baseUrl.startsWith('http://')).toBe(true);
    expectGraphError(probe.create, 401, 'InvalidAuthenticationToken');
    expect(probe.create.message).toBe('Access token is empty.');
  });
});
