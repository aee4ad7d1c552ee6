import { startRunnerProcess, type RunnerProcess } from '../helpers/runner';

// JSON batching over real HTTP (the local runner, real Azurite): each item answered as if sent alone.

let runner: RunnerProcess;
beforeAll(async () => {
  runner = await startRunnerProcess({ MOCK_CONTROLS: 'on' });
});
afterAll(async () => {
  await runner?.stop();
});

const collection = (cfg: string) => `/deviceManagement/deviceEnrollmentConfigurations/${cfg}/assignments`;
const target = { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: '00000000-0000-0000-0000-000000000001' };

async function batch(body: unknown, headers: Record<string, string> = {}, version = 'beta') {
  const response = await fetch(`${runner.url}/${version}/$batch`, {
    method: 'POST',
    headers: { authorization: 'Bearer t', 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : undefined };
}

const byId = (json: any, id: string) => json.responses.find((r: any) => r.id === id);

describe('POST /beta/$batch', () => {
  it('answers each item with its own status, headers and JSON body, creates with dependsOn, and 424s a failed dependency', async () => {
    const cfg = `batch-${Date.now()}`;
    const { status, json } = await batch({
      requests: [
        { id: '1', method: 'POST', url: collection(cfg), headers: { 'Content-Type': 'application/json' }, body: { target } },
        { id: '2', method: 'GET', url: `${collection(cfg).slice(1)}?$count=true`, dependsOn: ['1'] },
        { id: '3', method: 'GET', url: `${collection(cfg)}/missing-id` },
        { id: '4', method: 'DELETE', url: `${collection(cfg)}/other`, dependsOn: ['3'] },
        { id: '5', method: 'GET', url: '/nothing/here' },
      ],
    });
    expect(status).toBe(200);
    expect(json.responses.map((r: any) => r.id)).toEqual(['1', '2', '3', '4', '5']);
    const created = byId(json, '1');
    expect(created.status).toBe(201);
    expect(created.body.target).toMatchObject(target);
    expect(created.headers.Location).toContain(
      `/beta/deviceManagement/deviceEnrollmentConfigurations/${cfg}/assignments/${created.body.id}`,
    );
    const listed = byId(json, '2');
    expect(listed.status).toBe(200);
    expect(listed.body['@odata.count']).toBe(1);
    expect(listed.body.value.map((a: any) => a.id)).toEqual([created.body.id]);
    expect(byId(json, '3').status).toBe(404);
    expect(byId(json, '3').body.error.code).toBe('ResourceNotFound');
    expect(byId(json, '4').status).toBe(424);
    expect(byId(json, '4').body.error.code).toBe('FailedDependency');
    expect(byId(json, '5').status).toBeGreaterThanOrEqual(400);
    expect(byId(json, '5').body.error.message).toBe("Resource not found for the segment 'nothing'.");
  });

  it('applies validation and the mock controls per item: a throttled item is a 429 with its own Retry-After in a 200 batch', async () => {
    const cfg = `batch-mc-${Date.now()}`;
    const { status, json } = await batch({
      requests: [
        { id: 'a', method: 'GET', url: collection(cfg), headers: { 'x-mock-error': '429', 'x-mock-retry-after': '7' } },
        {
          id: 'b',
          method: 'POST',
          url: collection(cfg),
          headers: { 'content-type': 'application/json' },
          body: { target: { groupId: 5 } },
        },
        { id: 'c', method: 'GET', url: collection(cfg) },
      ],
    });
    expect(status).toBe(200);
    expect(byId(json, 'a').status).toBe(429);
    expect(byId(json, 'a').headers['Retry-After']).toBe('7');
    expect(byId(json, 'b').status).toBe(400);
    expect(byId(json, 'c').status).toBe(200);
    expect(byId(json, 'c').body.value).toEqual([]);
  });

  it("applies the batch's Authorization to items, and refuses a batch without a token", async () => {
    const unauthenticated = await fetch(`${runner.url}/beta/$batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ requests: [{ id: '1', method: 'GET', url: collection('x') }] }),
    });
    expect(unauthenticated.status).toBe(401);
    // An item's own Authorization is not used: the batch's token speaks for it.
    const { json } = await batch({ requests: [{ id: '1', method: 'GET', url: collection('x'), headers: { authorization: '' } }] });
    expect(byId(json, '1').status).toBe(200);
  });

  it('refuses more than 20 requests, duplicate ids, unknown dependencies and write items without a body, with 400', async () => {
    const get = (id: string) => ({ id, method: 'GET', url: collection('x') });
    const tooMany = await batch({ requests: Array.from({ length: 21 }, (_, i) => get(String(i))) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.json.error.message).toBe('Number of requests inside batch exceeds the limit.');
    expect((await batch({ requests: Array.from({ length: 20 }, (_, i) => get(String(i))) })).status).toBe(200);
    expect((await batch({ requests: [get('1'), get('1')] })).status).toBe(400);
    expect((await batch({ requests: [{ ...get('1'), dependsOn: ['9'] }] })).status).toBe(400);
    expect(
      (
        await batch({
          requests: [
            { ...get('1'), dependsOn: ['2'] },
            { ...get('2'), dependsOn: ['1'] },
          ],
        })
      ).status,
    ).toBe(400);
    const noBody = await batch({ requests: [{ id: '1', method: 'POST', url: collection('x') }] });
    expect(noBody.status).toBe(400);
    expect(noBody.json.error.message).toBe('Write request id : 1 does not contain Content-Type header or body.');
  });

  it('resolves item urls against the version of the batch url (/v1.0/$batch too)', async () => {
    const { status, json } = await batch({ requests: [{ id: '1', method: 'GET', url: 'health' }] }, {}, 'v1.0');
    expect(status).toBe(200);
    // v1.0/health is no operation: the item gets Graph's error for the path, not the service's health.
    expect(byId(json, '1').status).toBeGreaterThanOrEqual(400);
    const absolute = await batch({ requests: [{ id: '1', method: 'GET', url: `${runner.url}/beta${collection('x')}` }] });
    expect(byId(absolute.json, '1').status).toBe(400);
  });
});

describe('GET .../assignments/$count', () => {
  it('answers 200 text/plain with the number, without ConsistencyLevel, honouring $filter; also inside a batch', async () => {
    const cfg = `count-${Date.now()}`;
    const url = `${runner.url}/beta${collection(cfg)}`;
    for (let i = 0; i < 3; i++) {
      const created = await fetch(url, {
        method: 'POST',
        headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
        body: JSON.stringify({ target, source: i === 0 ? 'policySets' : 'direct' }),
      });
      expect(created.status).toBe(201);
    }
    const count = await fetch(`${url}/$count`, { headers: { authorization: 'Bearer t' } });
    expect(count.status).toBe(200);
    expect(count.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await count.text()).toBe('3');
    const filtered = await fetch(`${url}/$count?$filter=source eq 'direct'`, { headers: { authorization: 'Bearer t' } });
    expect(await filtered.text()).toBe('2');
    const { json } = await batch({ requests: [{ id: '1', method: 'GET', url: `${collection(cfg)}/$count` }] });
    expect(byId(json, '1')).toMatchObject({ status: 200, body: '3' });
  });
});

describe("Graph's wire details", () => {
  it('every answer carries x-ms-ags-diagnostic naming this mock; Strict-Transport-Security only over https (x-forwarded-proto)', async () => {
    const plain = await fetch(`${runner.url}/health`);
    expect(JSON.parse(plain.headers.get('x-ms-ags-diagnostic')!).ServerInfo.RoleInstance).toMatch(/^graph-enrollment-assignments-mock\//);
    expect(plain.headers.get('strict-transport-security')).toBeNull();
    const unknown = await fetch(`${runner.url}/beta/nothing`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(unknown.status).toBe(400);
    expect(unknown.headers.get('x-ms-ags-diagnostic')).not.toBeNull();
    expect(unknown.headers.get('strict-transport-security')).toBe('max-age=31536000');
    const unauthorized = await fetch(`${runner.url}/beta${collection('x')}`);
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get('x-ms-ags-diagnostic')).not.toBeNull();
    const body = (await unauthorized.json()) as any;
    expect(body.error.innerError.date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
  });
});
