import { HttpRequest, type HttpResponseInit } from '@azure/functions';
import { schemasFor } from '../../src/assignments/schema';
import { testApp } from '../helpers/app';
import { BASE, expectGraphError, headerOf, invocationContext, jsonOf, textOf } from '../helpers/requests';
import { hasType, parseCsdl, resolveContext } from '../helpers/metadata';

// v1.0 next to beta, and $metadata, through the one function the host calls (real router, real
// HttpRequest objects, real Azurite). Every @odata.context written here is checked to resolve.

const app = testApp();
const contexts: { version: 'beta' | 'v1.0'; context: string; types: string[] }[] = [];

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpResponseInit> {
  const request = new HttpRequest({
    method,
    url: `${BASE}${path}`,
    headers: { authorization: 'Bearer t', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : { string: JSON.stringify(body) },
  });
  const response = await app.handle(request, invocationContext());
  const type = headerOf(response, 'content-type') ?? '';
  if (type.startsWith('application/json;odata')) {
    const json = jsonOf(response);
    const items = json.value ?? [json];
    const types = items.flatMap((i: any) => [i['@odata.type'], i.target?.['@odata.type']]).filter(Boolean);
    if (json['@odata.context'])
      contexts.push({ version: path.startsWith('/v1.0') ? 'v1.0' : 'beta', context: json['@odata.context'], types });
  }
  return response;
}

const beta = (cfg: string) => `/beta/deviceManagement/deviceEnrollmentConfigurations/${cfg}/assignments`;
const v1 = (cfg: string) => `/v1.0/deviceManagement/deviceEnrollmentConfigurations/${cfg}/assignments`;
const group = (groupId: string, extra: Record<string, unknown> = {}) => ({
  '@odata.type': '#microsoft.graph.groupAssignmentTarget',
  groupId,
  ...extra,
});

describe('GET /{version}/$metadata', () => {
  it.each(['beta', 'v1.0'])(
    '%s: 200 application/xml, without a token, well-formed CSDL with every type the API serves',
    async (version) => {
      const response = await call('GET', `/${version}/$metadata`, undefined, { authorization: '' });
      expect(response.status).toBe(200);
      expect(headerOf(response, 'content-type')).toBe('application/xml');
      const csdl = parseCsdl(textOf(response));
      const model = schemasFor(version as 'beta' | 'v1.0').model;
      for (const t of [...model.entityTypes, ...model.complexTypes, ...model.enums]) expect(csdl.types.has(t.name)).toBe(true);
      for (const name of [
        'enrollmentConfigurationAssignment',
        'deviceEnrollmentConfiguration',
        'deviceManagement',
        'groupAssignmentTarget',
      ]) {
        expect(csdl.types.has(name)).toBe(true);
      }
      expect(csdl.roots.get('deviceManagement')).toBe('graph.deviceManagement');
      expect(csdl.types.get('deviceAndAppManagementAssignmentTarget')!.abstract).toBe(true);
    },
  );

  it("beta's nullability is the CSDL's: source and the filter type are not nullable, target is", async () => {
    const csdl = parseCsdl(textOf(await call('GET', '/beta/$metadata')));
    const assignment = csdl.types.get('enrollmentConfigurationAssignment')!.properties;
    expect(assignment.get('source')).toEqual({ type: 'graph.deviceAndAppManagementAssignmentSource', nullable: false });
    expect(assignment.get('target')).toEqual({ type: 'graph.deviceAndAppManagementAssignmentTarget', nullable: true });
    expect(assignment.get('sourceId')?.nullable).toBe(true);
    const target = csdl.types.get('deviceAndAppManagementAssignmentTarget')!.properties;
    expect(target.get('deviceAndAppManagementAssignmentFilterType')?.nullable).toBe(false);
    expect(target.get('deviceAndAppManagementAssignmentFilterId')?.nullable).toBe(true);
  });

  it('v1.0: target only, an abstract target without filter properties, and no invitation path', async () => {
    const csdl = parseCsdl(textOf(await call('GET', '/v1.0/$metadata')));
    expect([...csdl.types.get('enrollmentConfigurationAssignment')!.properties.keys()]).toEqual(['target']);
    expect(csdl.types.get('deviceAndAppManagementAssignmentTarget')!.properties.size).toBe(0);
    expect(csdl.types.get('user')!.navigation.has('deviceEnrollmentConfigurations')).toBe(false);
    expect(() => resolveContext(csdl, "#invitations('i')/invitedUser/deviceEnrollmentConfigurations('c')/assignments")).toThrow(
      "'deviceEnrollmentConfigurations' does not resolve",
    );
  });
});

describe('validation follows the version schema', () => {
  it('beta: target may be null (stored and read back as null); source and the filter type may not', async () => {
    const created = await call('POST', beta('cfg-ver-null'), { target: null, sourceId: 's' });
    expect(created.status).toBe(201);
    expect(jsonOf(created).target).toBeNull();
    const got = await call('GET', `${beta('cfg-ver-null')}/${jsonOf(created).id}`);
    expect(jsonOf(got).target).toBeNull();
    expect(jsonOf(got).source).toBe('direct');
    expect((await call('GET', `${v1('cfg-ver-null')}/${jsonOf(created).id}`)).status).toBe(200);
    expect(
      expectGraphError(await call('POST', beta('cfg-ver-null'), { target: group('g'), source: null }), 400, 'BadRequest').message,
    ).toBe("The property 'source' cannot be null.");
    const patched = await call('PATCH', `${beta('cfg-ver-null')}/${jsonOf(created).id}`, { target: group('g2') });
    expect(jsonOf(patched).target.groupId).toBe('g2');
  });

  it('beta accepts the abstract target the documentation shows; v1.0 refuses it as its CSDL says', async () => {
    const abstract = { target: { '@odata.type': '#microsoft.graph.deviceAndAppManagementAssignmentTarget' } };
    expect((await call('POST', beta('cfg-ver-abs'), abstract)).status).toBe(201);
    const error = expectGraphError(await call('POST', v1('cfg-ver-abs'), abstract), 400, 'BadRequest');
    expect(error.message).toContain(
      "A type named '#microsoft.graph.deviceAndAppManagementAssignmentTarget' could not be resolved by the model for property 'target/@odata.type'",
    );
    expect(error.message).not.toMatch(/one of:.*deviceAndAppManagementAssignmentTarget/);
    expect(error.message).toContain('microsoft.graph.groupAssignmentTarget');
  });

  it.each([
    [
      { target: group('g'), source: 'direct' },
      "The property 'source' does not exist on type 'microsoft.graph.enrollmentConfigurationAssignment'",
    ],
    [
      { target: group('g'), sourceId: 'x' },
      "The property 'sourceId' does not exist on type 'microsoft.graph.enrollmentConfigurationAssignment'",
    ],
    [
      { target: group('g', { deviceAndAppManagementAssignmentFilterId: 'f' }) },
      "The property 'deviceAndAppManagementAssignmentFilterId' does not exist on type 'microsoft.graph.groupAssignmentTarget'",
    ],
    [
      { target: { '@odata.type': 'microsoft.graph.allDevicesAssignmentTarget', deviceAndAppManagementAssignmentFilterType: 'none' } },
      "The property 'deviceAndAppManagementAssignmentFilterType' does not exist on type 'microsoft.graph.allDevicesAssignmentTarget'",
    ],
  ])('v1.0: a beta-only property is a 400 naming it (%#)', async (body, message) => {
    for (const response of [
      await call('POST', v1('cfg-ver-400'), body),
      await call('POST', '/v1.0/deviceManagement/deviceEnrollmentConfigurations/cfg-ver-400/assign', {
        enrollmentConfigurationAssignments: [body],
      }),
    ]) {
      expect(expectGraphError(response, 400, 'BadRequest').message).toContain(message);
    }
    expect(jsonOf(await call('GET', v1('cfg-ver-400'))).value).toEqual([]);
  });

  it('v1.0: $select and $filter reach only v1.0 properties', async () => {
    expect(expectGraphError(await call('GET', `${v1('cfg-ver-q')}?$select=source`), 400, 'BadRequest').message).toContain("'source'");
    expect(expectGraphError(await call('GET', `${v1('cfg-ver-q')}?$filter=source eq 'direct'`), 400, 'BadRequest').message).toContain(
      'target/groupId',
    );
    expect((await call('GET', `${v1('cfg-ver-q')}?$select=target&$filter=target/groupId eq 'g'`)).status).toBe(200);
  });

  it('v1.0: the invitation path is not served (v1.0 has no such navigation)', async () => {
    const response = await call('GET', '/v1.0/invitations/i/invitedUser/deviceEnrollmentConfigurations/c/assignments');
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
  });
});

describe('one store for both versions', () => {
  it('v1.0 reads what beta wrote without the beta-only properties, and beta keeps them', async () => {
    const written = jsonOf(
      await call('POST', beta('cfg-ver-share'), {
        target: group('g1', { deviceAndAppManagementAssignmentFilterId: 'f1', deviceAndAppManagementAssignmentFilterType: 'include' }),
        source: 'policySets',
        sourceId: 'ps-1',
      }),
    );
    const read = jsonOf(await call('GET', `${v1('cfg-ver-share')}/${written.id}`));
    expect(read).toEqual({
      '@odata.context': `${BASE}/v1.0/$metadata#deviceManagement/deviceEnrollmentConfigurations('cfg-ver-share')/assignments/$entity`,
      '@odata.type': '#microsoft.graph.enrollmentConfigurationAssignment',
      '@odata.etag': written['@odata.etag'],
      id: written.id,
      target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: 'g1' },
    });
    expect(schemasFor('v1.0').resource.safeParse(read).error).toBeUndefined();
    const listed = jsonOf(await call('GET', v1('cfg-ver-share')));
    expect(listed['@odata.context']).toBe(
      `${BASE}/v1.0/$metadata#deviceManagement/deviceEnrollmentConfigurations('cfg-ver-share')/assignments`,
    );
    expect(listed.value.map((a: any) => a.id)).toEqual([written.id]);
    expect(schemasFor('v1.0').collection.safeParse(listed).error).toBeUndefined();

    // A v1.0 PATCH of the target replaces it (its filter fields go back to the defaults); source stays.
    const patched = jsonOf(await call('PATCH', `${v1('cfg-ver-share')}/${written.id}`, { target: group('g2') }));
    expect(patched.target).toEqual({ '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: 'g2' });
    const betaView = jsonOf(await call('GET', `${beta('cfg-ver-share')}/${written.id}`));
    expect(betaView.source).toBe('policySets');
    expect(betaView.sourceId).toBe('ps-1');
    expect(betaView.target).toEqual({
      '@odata.type': '#microsoft.graph.groupAssignmentTarget',
      groupId: 'g2',
      deviceAndAppManagementAssignmentFilterId: null,
      deviceAndAppManagementAssignmentFilterType: 'none',
    });
  });

  it('v1.0 creates, assigns and deletes in the same partition beta reads', async () => {
    const created = await call('POST', v1('cfg-ver-v1'), { target: { '@odata.type': 'microsoft.graph.allLicensedUsersAssignmentTarget' } });
    expect(created.status).toBe(201);
    expect(Object.keys(jsonOf(created)).sort()).toEqual(['@odata.context', '@odata.etag', '@odata.type', 'id', 'target']);
    expect(headerOf(created, 'location')).toBe(`${BASE}${v1('cfg-ver-v1')}/${jsonOf(created).id}`);
    expect(jsonOf(await call('GET', `${beta('cfg-ver-v1')}/${jsonOf(created).id}`)).source).toBe('direct');
    const assign = await call('POST', '/v1.0/deviceManagement/deviceEnrollmentConfigurations/cfg-ver-v1/assign', {
      enrollmentConfigurationAssignments: [
        { target: group('ga') },
        { target: { '@odata.type': '#microsoft.graph.exclusionGroupAssignmentTarget', groupId: 'gx' } },
      ],
    });
    expect(assign.status).toBe(204);
    const after = jsonOf(await call('GET', beta('cfg-ver-v1'))).value;
    expect(after.map((a: any) => a.target.groupId).sort()).toEqual(['ga', 'gx']);
    expect((await call('DELETE', `${v1('cfg-ver-v1')}/${after[0].id}`)).status).toBe(204);
    expect(jsonOf(await call('GET', beta('cfg-ver-v1'))).value).toHaveLength(1);
  });
});

describe('every @odata.context written above', () => {
  it('points at a $metadata that answers 200 and names its path and types', async () => {
    expect(contexts.length).toBeGreaterThanOrEqual(10);
    const csdl = {
      beta: parseCsdl(textOf(await call('GET', '/beta/$metadata'))),
      'v1.0': parseCsdl(textOf(await call('GET', '/v1.0/$metadata'))),
    };
    for (const { version, context, types } of contexts) {
      expect(context.startsWith(`${BASE}/${version}/$metadata#`)).toBe(true);
      expect(resolveContext(csdl[version], context)).toBe('enrollmentConfigurationAssignment');
      for (const t of types) expect([t, hasType(csdl[version], t)]).toEqual([t, true]);
    }
  });
});
