import { randomUUID } from 'node:crypto';
import { VERSIONS } from '../../src/graph/model';
import { concreteTypes } from '../../src/configurations/types';
import { configurationModel } from '../../src/configurations/model';
import { configurationSchemasFor } from '../../src/configurations/schema';
import { jsonBody } from '../helpers/requests';
import { hasType, parseCsdl, resolveContext } from '../helpers/metadata';
import { startRunnerProcess, withRunner, type RunnerProcess } from '../helpers/runner';
import { devToken } from '../helpers/tenants';

// The configurations resource over real HTTP, as a script that automates Intune uses it, on the local
// runner (and under the genuine host with `npm run test:host`).

let runner: RunnerProcess;
beforeAll(async () => {
  runner = await startRunnerProcess({ MOCK_CONTROLS: 'on' });
});
afterAll(async () => {
  await runner?.stop();
});

const COLLECTION = '/beta/deviceManagement/deviceEnrollmentConfigurations';
const as = (tenant: string) => ({ Authorization: `Bearer ${devToken(tenant)}` });

function client(tenant = randomUUID(), base = () => runner.url) {
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${base()}${path}`, {
      method,
      headers: { ...as(tenant), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const json = response.headers.get('content-type')?.startsWith('application/json') && text ? JSON.parse(text) : undefined;
    return { status: response.status, headers: response.headers, text, json };
  };
  return { tenant, call };
}

describe('a script that automates enrollment', () => {
  it('finds a configuration by name, creates an Enrollment Status Page, assigns it, raises it and reads it back', async () => {
    const { tenant, call } = client();
    // The tenant's defaults are there from its first request.
    const found = await call(
      'GET',
      `${COLLECTION}?$filter=displayName eq 'All users and all devices' and deviceEnrollmentConfigurationType eq 'limit'`,
    );
    expect(found.status).toBe(200);
    expect(found.json.value.map((c: any) => c.id)).toEqual([`${tenant}_DefaultLimit`]);

    const esp = { '@odata.type': '#microsoft.graph.windows10EnrollmentCompletionPageConfiguration', showInstallationProgress: true };
    const first = await call('POST', COLLECTION, { ...esp, displayName: 'Everyone' });
    const created = await call('POST', COLLECTION, { ...esp, displayName: 'Autopilot ESP', installProgressTimeoutInMinutes: 90 });
    expect([first.status, created.status]).toEqual([201, 201]);
    expect(created.headers.get('location')).toBe(`${runner.url}${COLLECTION}/${created.json.id}`);
    expect(created.json.priority).toBe(2);

    const group = '00000000-0000-0000-0000-0000000000aa';
    const assign = await call('POST', `${COLLECTION}/${created.json.id}/assign`, {
      enrollmentConfigurationAssignments: [{ target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: group } }],
    });
    expect(assign.status).toBe(204);
    const raised = await call('POST', `${COLLECTION}/${created.json.id}/setPriority`, { priority: 1 });
    expect(raised.status).toBe(204);

    const read = await call('GET', `${COLLECTION}/${created.json.id}?$expand=assignments`);
    expect(read.status).toBe(200);
    expect(read.json).toMatchObject({ displayName: 'Autopilot ESP', priority: 1, version: 3, installProgressTimeoutInMinutes: 90 });
    expect(read.json.assignments.map((a: any) => a.target.groupId)).toEqual([group]);
    expect(read.headers.get('etag')).toBe(read.json['@odata.etag']);
    expect((await call('GET', `${COLLECTION}/${first.json.id}`)).json.priority).toBe(2);
    expect(configurationSchemasFor('beta').resource.safeParse(read.json).error).toBeUndefined();

    const count = await call('GET', `${COLLECTION}/microsoft.graph.windows10EnrollmentCompletionPageConfiguration/$count`);
    expect([count.headers.get('content-type'), count.text]).toEqual(['text/plain; charset=utf-8', '3']);
    expect((await call('DELETE', `${COLLECTION}/${first.json.id}`)).status).toBe(204);
    expect((await call('GET', `${COLLECTION}/${first.json.id}`)).status).toBe(404);
  });

  it('v1.0 creates and reads with its own types; a beta-only configuration is not there for it', async () => {
    const { tenant, call } = client();
    const v1 = '/v1.0/deviceManagement/deviceEnrollmentConfigurations';
    const created = await call('POST', v1, { '@odata.type': '#microsoft.graph.deviceEnrollmentLimitConfiguration', limit: 4 });
    expect(created.status).toBe(201);
    expect(created.json['@odata.context']).toBe(`${runner.url}/v1.0/$metadata#deviceManagement/deviceEnrollmentConfigurations/$entity`);
    expect(created.json).not.toHaveProperty('roleScopeTagIds');
    expect(configurationSchemasFor('v1.0').resource.safeParse(created.json).error).toBeUndefined();
    // The same configuration through beta carries beta's properties, with the defaults v1.0 could not send.
    expect((await call('GET', `${COLLECTION}/${created.json.id}`)).json.roleScopeTagIds).toEqual(['0']);
    expect((await call('GET', `${v1}/${tenant}_WindowsRestore`)).status).toBe(404);
    expect((await call('GET', v1)).json.value).toHaveLength(5);
  });

  it('answers wrong methods with 405 and Allow, and unknown ids with ResourceNotFound', async () => {
    const { call } = client();
    const put = await call('PUT', COLLECTION, {});
    expect([put.status, put.headers.get('allow')]).toEqual([405, 'GET, POST']);
    const missing = await call('GET', `${COLLECTION}/00000000-0000-0000-0000-000000000000_Limit`);
    expect([missing.status, missing.json.error.code]).toEqual([404, 'ResourceNotFound']);
  });
});

it("two dev-mode tenants do not see each other's configurations: list, get, $count, PATCH", async () => {
  const a = client();
  const b = client();
  const mine = await a.call('POST', COLLECTION, {
    '@odata.type': '#microsoft.graph.deviceEnrollmentLimitConfiguration',
    displayName: 'A only',
  });
  expect(mine.status).toBe(201);
  expect((await a.call('GET', `${COLLECTION}/$count`)).text).toBe('6');
  expect((await b.call('GET', `${COLLECTION}/$count`)).text).toBe('5');
  expect((await b.call('GET', `${COLLECTION}/${mine.json.id}`)).status).toBe(404);
  expect((await b.call('PATCH', `${COLLECTION}/${mine.json.id}`, { displayName: 'taken' })).status).toBe(404);
  const listed = (await b.call('GET', COLLECTION)).json.value.map((c: any) => c.id);
  expect(listed.every((id: string) => id.startsWith(`${b.tenant}_`))).toBe(true);
  expect((await b.call('GET', `${COLLECTION}/${a.tenant}_DefaultLimit`)).status).toBe(404);
});

describe('$batch, the mock controls and the rate limit', () => {
  it('runs configuration operations as $batch items, each as if sent alone', async () => {
    const { call } = client();
    const batch = await call('POST', '/beta/$batch', {
      requests: [
        {
          id: 'create',
          method: 'POST',
          url: '/deviceManagement/deviceEnrollmentConfigurations',
          headers: { 'Content-Type': 'application/json' },
          body: { '@odata.type': '#microsoft.graph.deviceEnrollmentLimitConfiguration', displayName: 'batched', limit: 2 },
        },
        {
          id: 'list',
          method: 'GET',
          url: "/deviceManagement/deviceEnrollmentConfigurations?$filter=displayName eq 'batched'",
          dependsOn: ['create'],
        },
        {
          id: 'bad',
          method: 'POST',
          url: '/deviceManagement/deviceEnrollmentConfigurations',
          headers: { 'Content-Type': 'application/json' },
          body: {},
        },
        { id: 'count', method: 'GET', url: '/deviceManagement/deviceEnrollmentConfigurations/$count', dependsOn: ['create'] },
      ],
    });
    expect(batch.status).toBe(200);
    const byId = Object.fromEntries(batch.json.responses.map((r: any) => [r.id, r]));
    expect(byId.create.status).toBe(201);
    expect(byId.list.body.value.map((c: any) => c.id)).toEqual([byId.create.body.id]);
    expect(byId.bad.status).toBe(400);
    expect(byId.count.status).toBe(200);
    const priority = await call('POST', '/beta/$batch', {
      requests: [
        {
          id: '1',
          method: 'POST',
          url: `/deviceManagement/deviceEnrollmentConfigurations/${byId.create.body.id}/setPriority`,
          headers: { 'Content-Type': 'application/json' },
          body: { priority: 1 },
        },
      ],
    });
    expect(priority.json.responses[0].status).toBe(400); // already first: Intune refuses the same priority
  });

  it('a forced failure and the rate limit apply to the configuration routes with no code of their own', async () => {
    const { call } = client();
    const forced = await call('GET', COLLECTION, undefined, { 'x-mock-error': '503', 'x-mock-retry-after': '4' });
    expect([forced.status, forced.headers.get('retry-after')]).toEqual([503, '4']);
    await withRunner({ MOCK_RATE_LIMIT: '3/60' }, async (limited) => {
      const { call: limitedCall } = client(randomUUID(), () => limited.url);
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await limitedCall('GET', COLLECTION)).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
    });
  });
});

describe('$metadata and the OpenAPI document', () => {
  it.each(VERSIONS)('%s/$metadata declares every type, property and enum the configurations serve', async (version) => {
    const csdl = parseCsdl(await (await fetch(`${runner.url}/${version}/$metadata`)).text());
    const model = configurationModel(version);
    for (const type of [model.entityTypes.find((t) => t.name === 'deviceEnrollmentConfiguration')!, ...concreteTypes(version)]) {
      const declared = csdl.types.get(type.name)!;
      expect([type.name, declared.baseType]).toEqual([type.name, type.baseType?.replace(/^graph\./, '')]);
      const served = new Map(type.properties.map((p) => [p.name, { type: p.type, nullable: p.nullable }]));
      expect([type.name, declared.properties]).toEqual([type.name, served]);
    }
    for (const e of model.enums) {
      expect([e.name, csdl.types.get(e.name)?.members]).toEqual([e.name, new Map(e.members.map((m) => [m.name, m.value]))]);
      expect(csdl.types.get(e.name)?.flags).toBe(e.flags === true);
    }
    expect(hasType(csdl, 'microsoft.graph.windowsRestoreDeviceEnrollmentConfiguration')).toBe(version === 'beta');
    // Every context the resource writes resolves in it.
    const root = `${runner.url}/${version}/$metadata#deviceManagement/deviceEnrollmentConfigurations`;
    expect(resolveContext(csdl, `${root}/$entity`)).toBe('deviceEnrollmentConfiguration');
    expect(resolveContext(csdl, `${root}/microsoft.graph.deviceEnrollmentLimitConfiguration`)).toBe('deviceEnrollmentLimitConfiguration');
    expect(resolveContext(csdl, `${root}('x')/microsoft.graph.deviceEnrollmentLimitConfiguration/assignments`)).toBe(
      'enrollmentConfigurationAssignment',
    );
  });

  it('/openapi.json describes the configurations’ operations and types in both versions', async () => {
    const doc = await jsonBody(await fetch(`${runner.url}/openapi.json`));
    const item = doc.paths['/beta/deviceManagement/deviceEnrollmentConfigurations/{deviceEnrollmentConfigurationId}'];
    expect(
      Object.keys(item)
        .filter((k) => k !== 'parameters')
        .sort(),
    ).toEqual(['delete', 'get', 'patch']);
    expect(
      doc.paths['/v1.0/deviceManagement/deviceEnrollmentConfigurations/{deviceEnrollmentConfigurationId}/setPriority'].post,
    ).toBeDefined();
    expect(
      doc.paths['/beta/deviceManagement/deviceEnrollmentConfigurations/microsoft.graph.windowsRestoreDeviceEnrollmentConfiguration'],
    ).toBeDefined();
    expect(
      doc.paths['/v1.0/deviceManagement/deviceEnrollmentConfigurations/microsoft.graph.windowsRestoreDeviceEnrollmentConfiguration'],
    ).toBeUndefined();
    for (const type of concreteTypes('beta')) expect(doc.components.schemas[`${type.name}Create`]).toBeDefined();
    expect(Object.keys(doc.components.schemas['deviceEnrollmentLimitConfiguration.v1.0'].properties)).not.toContain('roleScopeTagIds');
  });
});
