import { randomUUID } from 'node:crypto';
import type { HttpResponseInit } from '@azure/functions';
import type { App } from '../../src/createApp';
import { configurationSchemasFor } from '../../src/configurations/schema';
import { send, testApp } from '../helpers/app';
import { BASE, expectGraphError, graphRequest, headerOf, jsonOf, textOf } from '../helpers/requests';
import { devToken } from '../helpers/tenants';

// The configurations resource through the app's whole pipeline: real HttpRequest objects, real Azurite.
// Every test acts for a tenant of its own, so each starts from the tenant's defaults alone.

const app = testApp();
const COLLECTION = '/beta/deviceManagement/deviceEnrollmentConfigurations';
const V1 = '/v1.0/deviceManagement/deviceEnrollmentConfigurations';

type Call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<HttpResponseInit>;

function tenant(of: App = app): { id: string; call: Call } {
  const id = randomUUID();
  const call: Call = (method, path, body, headers = {}) =>
    send(of, graphRequest({ method, path, body, headers: { authorization: `Bearer ${devToken(id)}`, ...headers } }));
  return { id, call };
}

const esp = (displayName: string, extra: Record<string, unknown> = {}) => ({
  '@odata.type': '#microsoft.graph.windows10EnrollmentCompletionPageConfiguration',
  displayName,
  ...extra,
});
const limit = (displayName: string, value = 3) => ({
  '@odata.type': '#microsoft.graph.deviceEnrollmentLimitConfiguration',
  displayName,
  limit: value,
});

async function created(call: Call, body: unknown, version = COLLECTION): Promise<any> {
  const response = await call('POST', version, body);
  expect(response.status).toBe(201);
  return jsonOf(response);
}

const listOf = async (call: Call, query = '', base = COLLECTION): Promise<any> => {
  const response = await call('GET', `${base}${query}`);
  expect(response.status).toBe(200);
  return jsonOf(response);
};

const priorities = async (call: Call, type: string) =>
  (await listOf(call, `?$filter=isof('microsoft.graph.${type}')&$orderby=priority`)).value.map((c: any) => [c.displayName, c.priority]);

describe("a tenant's defaults", () => {
  it('are there on its first request, priority 0 and version 0; v1.0 leaves out the type it does not have', async () => {
    const { id, call } = tenant();
    const beta = await listOf(call, '?$orderby=displayName');
    expect(beta['@odata.context']).toBe(`${BASE}/beta/$metadata#deviceManagement/deviceEnrollmentConfigurations`);
    expect(beta.value.map((c: any) => c.id).sort()).toEqual(
      [
        'DefaultLimit',
        'DefaultPlatformRestrictions',
        'DefaultWindows10EnrollmentCompletionPageConfiguration',
        'DefaultWindowsHelloForBusiness',
        'WindowsRestore',
      ]
        .map((n) => `${id}_${n}`)
        .sort(),
    );
    for (const c of beta.value) {
      expect([c.priority, c.version, c.createdDateTime]).toEqual([0, 0, '0001-01-01T00:00:00Z']);
      expect(configurationSchemasFor('beta').resource.safeParse(c).error).toBeUndefined();
    }
    const v1 = await listOf(call, '', V1);
    expect(v1.value).toHaveLength(4);
    expect(v1.value.map((c: any) => c['@odata.type'])).not.toContain('#microsoft.graph.windowsRestoreDeviceEnrollmentConfiguration');
    for (const c of v1.value) expect(configurationSchemasFor('v1.0').resource.safeParse(c).error).toBeUndefined();
    expect((await call('GET', `${V1}/${id}_WindowsRestore`)).status).toBe(404);
  });

  it('refuse DELETE, setPriority and assign with a 400 naming the configuration; PATCH works', async () => {
    const { id, call } = tenant();
    const defaultId = `${id}_DefaultLimit`;
    expect(expectGraphError(await call('DELETE', `${COLLECTION}/${defaultId}`), 400, 'BadRequest').message).toContain('cannot be deleted');
    expect(
      expectGraphError(await call('POST', `${COLLECTION}/${defaultId}/setPriority`, { priority: 1 }), 400, 'BadRequest').message,
    ).toContain(defaultId);
    const assign = await call('POST', `${COLLECTION}/${defaultId}/assign`, { enrollmentConfigurationAssignments: [] });
    expect(expectGraphError(assign, 400, 'BadRequest').message).toContain('cannot be assigned');
    const patched = await call('PATCH', `${COLLECTION}/${defaultId}`, {
      '@odata.type': '#microsoft.graph.deviceEnrollmentLimitConfiguration',
      limit: 7,
    });
    expect(patched.status).toBe(200);
    expect(jsonOf(patched)).toMatchObject({ limit: 7, version: 1, priority: 0 });
  });
});

describe('create, get, PATCH', () => {
  it('creates with 201, Location, ETag and the entity; the id is Intune’s shape and the body’s id is ignored', async () => {
    const { call } = tenant();
    const response = await call('POST', COLLECTION, esp('first', { id: 'ignored', priority: 9, version: 5 }));
    expect(response.status).toBe(201);
    const body = jsonOf(response);
    expect(body.id).toMatch(/^[0-9a-f-]{36}_Windows10EnrollmentCompletionPageConfiguration$/);
    expect(headerOf(response, 'location')).toBe(`${BASE}${COLLECTION}/${body.id}`);
    expect(headerOf(response, 'etag')).toBe(body['@odata.etag']);
    expect(body['@odata.context']).toBe(`${BASE}/beta/$metadata#deviceManagement/deviceEnrollmentConfigurations/$entity`);
    expect(Object.keys(body).slice(0, 4)).toEqual(['@odata.context', '@odata.type', '@odata.etag', 'id']);
    expect(body).toMatchObject({ priority: 1, version: 1, installProgressTimeoutInMinutes: 60, roleScopeTagIds: ['0'] });
    expect(body.createdDateTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/);
    expect(configurationSchemasFor('beta').resource.safeParse(body).error).toBeUndefined();

    const got = await call('GET', `${COLLECTION}/${body.id}`);
    expect(got.status).toBe(200);
    expect(jsonOf(got)).toEqual(body);
    expect(headerOf(got, 'etag')).toBe(body['@odata.etag']);
  });

  it('refuses a v1.0 create of a beta-only type, an abstract one, an unknown property and an out-of-range value', async () => {
    const { call } = tenant();
    const windowsRestore = { '@odata.type': '#microsoft.graph.windowsRestoreDeviceEnrollmentConfiguration' };
    expect(expectGraphError(await call('POST', V1, windowsRestore), 400, 'BadRequest').message).toContain('could not be resolved');
    const abstract = { '@odata.type': '#microsoft.graph.deviceEnrollmentConfiguration' };
    expect(expectGraphError(await call('POST', COLLECTION, abstract), 400, 'BadRequest').message).toContain('abstract');
    expect(expectGraphError(await call('POST', COLLECTION, esp('x', { colour: 'red' })), 400, 'BadRequest').message).toContain("'colour'");
    expect(expectGraphError(await call('POST', COLLECTION, limit('x', 16)), 400, 'BadRequest').message).toContain('limit');
    expect((await listOf(call)).value).toHaveLength(5);
  });

  it('PATCH answers 200 with the entity, moves version and lastModifiedDateTime, and honours If-Match', async () => {
    const { call } = tenant();
    const first = await created(call, esp('patch me'));
    const patched = await call(
      'PATCH',
      `${COLLECTION}/${first.id}`,
      { displayName: 'patched', priority: 99 },
      { 'if-match': first['@odata.etag'] },
    );
    expect(patched.status).toBe(200);
    const body = jsonOf(patched);
    expect(body).toMatchObject({ displayName: 'patched', priority: 1, version: 2, createdDateTime: first.createdDateTime });
    expect(body.lastModifiedDateTime >= first.lastModifiedDateTime).toBe(true);
    expect(body['@odata.etag']).not.toBe(first['@odata.etag']);
    expectGraphError(
      await call('PATCH', `${COLLECTION}/${first.id}`, { displayName: 'stale' }, { 'if-match': first['@odata.etag'] }),
      412,
      'PreconditionFailed',
    );
    const otherType = { '@odata.type': '#microsoft.graph.deviceEnrollmentLimitConfiguration' };
    expectGraphError(await call('PATCH', `${COLLECTION}/${first.id}`, otherType), 400, 'BadRequest');
    expectGraphError(await call('PATCH', `${COLLECTION}/missing_Limit`, { displayName: 'x' }), 404, 'ResourceNotFound');
  });

  it('an unknown id is 404 ResourceNotFound, a reserved one too, and a wrong method 405', async () => {
    const { call } = tenant();
    expect(expectGraphError(await call('GET', `${COLLECTION}/nothing-here`), 404, 'ResourceNotFound').message).toContain("'nothing-here'");
    expectGraphError(await call('GET', `${COLLECTION}/${encodeURIComponent('~c~x')}`), 404, 'ResourceNotFound');
    expectGraphError(await call('DELETE', `${COLLECTION}/nothing-here`), 404, 'ResourceNotFound');
    const put = await call('PUT', `${COLLECTION}/nothing-here`, {});
    expectGraphError(put, 405, 'MethodNotAllowed');
    expect(headerOf(put, 'allow')).toBe('GET, PATCH, DELETE');
    expect(headerOf(await call('PATCH', COLLECTION, {}), 'allow')).toBe('GET, POST');
    expect(headerOf(await call('GET', `${COLLECTION}/x/setPriority`), 'allow')).toBe('POST');
  });

  it('a retried create with the same client-request-id stores one configuration; another body is 409', async () => {
    const { call } = tenant();
    const crid = randomUUID();
    const [a, b] = await Promise.all([
      call('POST', COLLECTION, esp('once'), { 'client-request-id': crid }),
      call('POST', COLLECTION, esp('once'), { 'client-request-id': crid }),
    ]);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(jsonOf(a).id).toBe(jsonOf(b).id);
    expect(headerOf(a, 'etag')).toBe(headerOf(b, 'etag'));
    expectGraphError(await call('POST', COLLECTION, esp('another'), { 'client-request-id': crid }), 409, 'Conflict');
    expect((await listOf(call, "?$filter=displayName eq 'once'")).value).toHaveLength(1);
  });

  it('a configuration too large for one storage property is a 400, not a storage error', async () => {
    const { call } = tenant();
    const long = 'x'.repeat(10_000);
    const apps = Array.from({ length: 10 }, () => 'y'.repeat(1000));
    const response = await call('POST', COLLECTION, esp(long, { description: long, customErrorMessage: long, selectedMobileAppIds: apps }));
    expect(expectGraphError(response, 400, 'BadRequest').message).toContain('too large');
  });
});

describe('priorities', () => {
  it('a create goes last among its kind; setPriority moves one and renumbers; only the moved one’s version moves', async () => {
    const { call } = tenant();
    const [a, b, c] = [await created(call, limit('a')), await created(call, limit('b')), await created(call, limit('c'))];
    expect([a.priority, b.priority, c.priority]).toEqual([1, 2, 3]);
    expect((await created(call, esp('esp'))).priority).toBe(1);
    const moved = await call('POST', `${COLLECTION}/${c.id}/setPriority`, { priority: 1 });
    expect(moved.status).toBe(204);
    expect(await priorities(call, 'deviceEnrollmentLimitConfiguration')).toEqual([
      ['All users and all devices', 0],
      ['c', 1],
      ['a', 2],
      ['b', 3],
    ]);
    expect(jsonOf(await call('GET', `${COLLECTION}/${c.id}`)).version).toBe(2);
    expect(jsonOf(await call('GET', `${COLLECTION}/${a.id}`)).version).toBe(1);
    // Beyond the end places it last; the same place, 0 and a wrong parameter are 400s.
    expect((await call('POST', `${COLLECTION}/${c.id}/setPriority`, { priority: 40 })).status).toBe(204);
    expect((await priorities(call, 'deviceEnrollmentLimitConfiguration')).map((p: unknown[]) => p[0])).toEqual([
      'All users and all devices',
      'a',
      'b',
      'c',
    ]);
    expectGraphError(await call('POST', `${COLLECTION}/${c.id}/setPriority`, { priority: 3 }), 400, 'BadRequest');
    expectGraphError(await call('POST', `${COLLECTION}/${c.id}/setPriority`, { priority: 0 }), 400, 'BadRequest');
    expectGraphError(await call('POST', `${COLLECTION}/${c.id}/setPriority`, { rank: 1 }), 400, 'BadRequest');
    expectGraphError(await call('POST', `${COLLECTION}/missing/setPriority`, { priority: 1 }), 404, 'ResourceNotFound');
  });

  it('DELETE closes the order up and removes the configuration’s assignments before it answers', async () => {
    const { call } = tenant();
    const [a, b, c] = [await created(call, limit('a')), await created(call, limit('b')), await created(call, limit('c'))];
    const assigned = await call('POST', `${COLLECTION}/${b.id}/assign`, {
      enrollmentConfigurationAssignments: [{ target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' } }],
    });
    expect(assigned.status).toBe(204);
    expect(textOf(await call('GET', `${COLLECTION}/${b.id}/assignments/$count`))).toBe('1');
    expect((await call('DELETE', `${COLLECTION}/${b.id}`)).status).toBe(204);
    expect(textOf(await call('GET', `${COLLECTION}/${b.id}/assignments/$count`))).toBe('0');
    expect((await call('GET', `${COLLECTION}/${b.id}`)).status).toBe(404);
    expect(await priorities(call, 'deviceEnrollmentLimitConfiguration')).toEqual([
      ['All users and all devices', 0],
      ['a', 1],
      ['c', 2],
    ]);
    expect([a.id, c.id]).toHaveLength(2);
  });

  it('holds each order to 25 configurations', async () => {
    const { call } = tenant();
    for (let i = 0; i < 25; i++) await created(call, limit(`l${i}`));
    expect(expectGraphError(await call('POST', COLLECTION, limit('one too many')), 400, 'BadRequest').message).toContain('25');
    await created(call, esp('another kind'));
  }, 60_000);
});

describe('assign and the configuration', () => {
  it('assign moves the version and lastModifiedDateTime; a single assignment write does not', async () => {
    const { call } = tenant();
    const c = await created(call, esp('assigned'));
    const created1 = await call('POST', `${COLLECTION}/${c.id}/assignments`, {
      target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' },
    });
    expect(created1.status).toBe(201);
    expect(jsonOf(await call('GET', `${COLLECTION}/${c.id}`)).version).toBe(1);
    const assign = {
      enrollmentConfigurationAssignments: [{ target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: 'g' } }],
    };
    expect((await call('POST', `${COLLECTION}/${c.id}/assign`, assign)).status).toBe(204);
    const after = jsonOf(await call('GET', `${COLLECTION}/${c.id}`));
    expect(after.version).toBe(2);
    expect(after.lastModifiedDateTime > c.lastModifiedDateTime).toBe(true);
    // An id with no configuration is still accepted by default, and nothing moves.
    expect((await call('POST', `${COLLECTION}/no-such-configuration/assign`, assign)).status).toBe(204);
  });
});
