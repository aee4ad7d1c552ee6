import { randomUUID } from 'node:crypto';
import type { HttpResponseInit } from '@azure/functions';
import type { App } from '../../src/createApp';
import { send, testApp } from '../helpers/app';
import { expectGraphError, graphRequest, jsonOf, textOf } from '../helpers/requests';
import { devToken } from '../helpers/tenants';

// Assignments belong to a configuration: with MOCK_REQUIRE_CONFIGURATION=on (or MOCK_PROFILE=intune), every
// read and write of assignments under a configuration the tenant does not have is Graph's 404, on both
// paths and in v1.0; off (the default), any configuration id is taken.

const BETA = '/beta/deviceManagement/deviceEnrollmentConfigurations';
const V1 = '/v1.0/deviceManagement/deviceEnrollmentConfigurations';
const INVITATION = '/beta/invitations/inv/invitedUser/deviceEnrollmentConfigurations';
const target = { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' };

function as(app: App, tenantId = randomUUID()) {
  return (method: string, path: string, body?: unknown): Promise<HttpResponseInit> =>
    send(app, graphRequest({ method, path, body, headers: { authorization: `Bearer ${devToken(tenantId)}` } }));
}

/** Every assignment operation under `configuration`, on each path it has. */
const operations = (configuration: string): Array<[string, string, unknown?]> => [
  ...[BETA, V1, INVITATION].flatMap((base): Array<[string, string, unknown?]> => [
    ['GET', `${base}/${configuration}/assignments`],
    ['GET', `${base}/${configuration}/assignments/some-id`],
    ['POST', `${base}/${configuration}/assignments`, { target }],
    ['PATCH', `${base}/${configuration}/assignments/some-id`, { target }],
    ['DELETE', `${base}/${configuration}/assignments/some-id`],
  ]),
  ['GET', `${BETA}/${configuration}/assignments/$count`],
  ['GET', `${INVITATION}/${configuration}/assignments/$count`],
  ['POST', `${BETA}/${configuration}/assign`, { enrollmentConfigurationAssignments: [{ target }] }],
  ['POST', `${V1}/${configuration}/assign`, { enrollmentConfigurationAssignments: [{ target }] }],
];

describe('MOCK_REQUIRE_CONFIGURATION=on', () => {
  const app = testApp({ MOCK_REQUIRE_CONFIGURATION: 'on' });

  it.each(operations('no-such-configuration').map(([method, path, body]) => [method, path, body]))(
    '%s %s under a configuration the tenant does not have is 404',
    async (method, path, body) => {
      const response = await as(app)(method, path, body);
      expect(expectGraphError(response, 404, 'ResourceNotFound').message).toBe(
        "No deviceEnrollmentConfiguration with id 'no-such-configuration' exists.",
      );
    },
  );

  it('a configuration the tenant has takes assignments on every path; another tenant’s is 404', async () => {
    const tenant = randomUUID();
    const call = as(app, tenant);
    const created = await call('POST', BETA, { '@odata.type': '#microsoft.graph.deviceEnrollmentLimitConfiguration', limit: 2 });
    const id = jsonOf(created).id as string;
    expect((await call('POST', `${BETA}/${id}/assignments`, { target })).status).toBe(201);
    expect((await call('POST', `${INVITATION}/${id}/assignments`, { target })).status).toBe(201);
    expect(textOf(await call('GET', `${V1}/${id}/assignments/$count`))).toBe('2');
    expect((await call('POST', `${V1}/${id}/assign`, { enrollmentConfigurationAssignments: [{ target }] })).status).toBe(204);
    expect(jsonOf(await call('GET', `${V1}/${id}/assignments`)).value).toHaveLength(1);
    // The same id means nothing to another tenant.
    expectGraphError(await as(app)('GET', `${BETA}/${id}/assignments`), 404, 'ResourceNotFound');
    // Reads of a default's assignments work; writes are refused by the default itself.
    expect((await call('GET', `${BETA}/${tenant}_DefaultLimit/assignments`)).status).toBe(200);
    expectGraphError(await call('POST', `${BETA}/${tenant}_DefaultLimit/assignments`, { target }), 400, 'BadRequest');
  });

  it('a deleted configuration’s assignments are gone and its collection is 404', async () => {
    const call = as(app);
    const id = jsonOf(await call('POST', BETA, { '@odata.type': '#microsoft.graph.deviceEnrollmentLimitConfiguration' })).id as string;
    expect((await call('POST', `${BETA}/${id}/assignments`, { target })).status).toBe(201);
    expect((await call('DELETE', `${BETA}/${id}`)).status).toBe(204);
    expectGraphError(await call('GET', `${BETA}/${id}/assignments`), 404, 'ResourceNotFound');
  });

  it('answers $batch items the same way', async () => {
    const call = as(app);
    const response = await call('POST', '/beta/$batch', {
      requests: [
        { id: '1', method: 'GET', url: '/deviceManagement/deviceEnrollmentConfigurations/no-such-configuration/assignments' },
        { id: '2', method: 'GET', url: '/deviceManagement/deviceEnrollmentConfigurations' },
      ],
    });
    const items = jsonOf(response).responses as Array<{ id: string; status: number }>;
    expect(items.map((r) => [r.id, r.status]).sort()).toEqual([
      ['1', 404],
      ['2', 200],
    ]);
  });
});

describe('MOCK_PROFILE=intune', () => {
  it('requires the configuration too, unless MOCK_REQUIRE_CONFIGURATION=off says otherwise', async () => {
    const path = `${BETA}/no-such-configuration/assignments`;
    expectGraphError(await as(testApp({ MOCK_PROFILE: 'intune' }))('GET', path), 404, 'ResourceNotFound');
    expect((await as(testApp({ MOCK_PROFILE: 'intune', MOCK_REQUIRE_CONFIGURATION: 'off' }))('GET', path)).status).toBe(200);
  });
});

describe('MOCK_REQUIRE_CONFIGURATION off (the default)', () => {
  const app = testApp();

  it('takes any configuration id, as the original document’s POST does', async () => {
    const call = as(app);
    expect((await call('POST', `${INVITATION}/demo-configuration/assignments`, { target })).status).toBe(201);
    expect(textOf(await call('GET', `${BETA}/demo-configuration/assignments/$count`))).toBe('1');
  });

  it('still refuses assignment writes under a default, which applies to all users and devices', async () => {
    const tenant = randomUUID();
    const call = as(app, tenant);
    for (const [method, path, body] of [
      ['POST', `${BETA}/${tenant}_DefaultWindows10EnrollmentCompletionPageConfiguration/assignments`, { target }],
      ['DELETE', `${BETA}/${tenant}_DefaultLimit/assignments/x`, undefined],
      ['POST', `${V1}/${tenant}_DefaultLimit/assign`, { enrollmentConfigurationAssignments: [] }],
    ] as const) {
      expect(expectGraphError(await call(method, path, body), 400, 'BadRequest').message).toContain('default configuration');
    }
  });
});
