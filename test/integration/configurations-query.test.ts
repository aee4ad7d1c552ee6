import { randomUUID } from 'node:crypto';
import type { HttpResponseInit } from '@azure/functions';
import { configurationSchemasFor } from '../../src/configurations/schema';
import { send, testApp } from '../helpers/app';
import { BASE, expectGraphError, graphRequest, headerOf, jsonOf, textOf } from '../helpers/requests';
import { devToken } from '../helpers/tenants';

// OData on the configurations collection and on one configuration, through the app: a tenant with its
// five defaults and six configurations of its own.

const app = testApp();
const COLLECTION = '/beta/deviceManagement/deviceEnrollmentConfigurations';
const TENANT = randomUUID();
const call = (method: string, path: string, body?: unknown): Promise<HttpResponseInit> =>
  send(app, graphRequest({ method, path, body, headers: { authorization: `Bearer ${devToken(TENANT)}` } }));
const get = async (query: string, path = COLLECTION): Promise<any> => {
  const response = await call('GET', `${path}${query}`);
  expect(response.status).toBe(200);
  return jsonOf(response);
};
const names = (body: any) => body.value.map((c: any) => c.displayName);

const ESP = '#microsoft.graph.windows10EnrollmentCompletionPageConfiguration';
const LIMIT = '#microsoft.graph.deviceEnrollmentLimitConfiguration';
let kiosk: any;

beforeAll(async () => {
  const bodies = [
    { '@odata.type': LIMIT, displayName: 'Contoso limit', limit: 3 },
    { '@odata.type': LIMIT, displayName: "Sales' limit", limit: 10 },
    { '@odata.type': ESP, displayName: 'Contoso ESP' },
    { '@odata.type': ESP, displayName: 'Kiosk ESP' },
    {
      '@odata.type': '#microsoft.graph.deviceEnrollmentPlatformRestrictionConfiguration',
      displayName: 'iOS corporate',
      platformType: 'ios',
    },
    { '@odata.type': '#microsoft.graph.windowsRestoreDeviceEnrollmentConfiguration', displayName: 'Restore' },
  ];
  for (const body of bodies) {
    const response = await call('POST', COLLECTION, body);
    expect(response.status).toBe(201);
    if (body.displayName === 'Kiosk ESP') kiosk = jsonOf(response);
  }
  const assign = await call('POST', `${COLLECTION}/${kiosk.id}/assign`, {
    enrollmentConfigurationAssignments: [
      { target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: 'kiosks' } },
      { target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' } },
    ],
  });
  expect(assign.status).toBe(204);
});

describe('$filter, $orderby, $select, $count', () => {
  it('finds a configuration by display name, and by startswith, isof, the type and id with and/or', async () => {
    expect(names(await get("?$filter=displayName eq 'Kiosk ESP'"))).toEqual(['Kiosk ESP']);
    expect(names(await get("?$filter=startswith(displayName,'Contoso')&$orderby=displayName"))).toEqual(['Contoso ESP', 'Contoso limit']);
    const esps = await get(
      "?$filter=isof('microsoft.graph.windows10EnrollmentCompletionPageConfiguration')&$orderby=priority desc,displayName",
    );
    expect(names(esps)).toEqual(['Kiosk ESP', 'Contoso ESP', 'All users and all devices']);
    const typed = await get("?$filter=deviceEnrollmentConfigurationType eq 'limit' and (displayName eq 'Contoso limit' or id eq 'x')");
    expect(names(typed)).toEqual(['Contoso limit']);
    expect(names(await get(`?$filter=id eq '${kiosk.id}'`))).toEqual(['Kiosk ESP']);
  });

  it('$select keeps the properties asked for (id and @odata.type always), with them in the context', async () => {
    const body = await get("?$select=displayName,priority&$filter=displayName eq 'Kiosk ESP'");
    expect(body['@odata.context']).toBe(`${BASE}/beta/$metadata#deviceManagement/deviceEnrollmentConfigurations(displayName,priority)`);
    expect(body.value).toEqual([
      { '@odata.type': ESP, '@odata.etag': expect.any(String), id: kiosk.id, displayName: 'Kiosk ESP', priority: 2 },
    ]);
  });

  it('$count=true counts every match, and /$count answers the number as text/plain', async () => {
    const body = await get("?$count=true&$top=1&$filter=startswith(displayName,'Contoso')");
    expect([body['@odata.count'], body.value.length]).toEqual([2, 1]);
    const count = await call('GET', `${COLLECTION}/$count`);
    expect(headerOf(count, 'content-type')).toBe('text/plain; charset=utf-8');
    expect(textOf(count)).toBe('11');
    expect(textOf(await call('GET', `${COLLECTION}/$count?$filter=startswith(displayName,'Contoso')`))).toBe('2');
    expectGraphError(await call('GET', `${COLLECTION}/$count?$top=2`), 400, 'BadRequest');
  });

  it('pages with $top and a $skiptoken in @odata.nextLink; a tampered token is a 400', async () => {
    const seen: string[] = [];
    let next: string | undefined = `${COLLECTION}?$top=4&$orderby=displayName`;
    let pages = 0;
    while (next) {
      const body = await get('', next.replace(BASE, ''));
      seen.push(...names(body));
      next = body['@odata.nextLink'];
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(names(await get('?$orderby=displayName')));
    const first = await get('?$top=4&$orderby=displayName');
    const link = new URL(first['@odata.nextLink']);
    const token = link.searchParams.get('$skiptoken')!;
    const tampered = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    const refused = await call('GET', `${COLLECTION}?$top=4&$orderby=displayName&$skiptoken=${encodeURIComponent(tampered)}`);
    expect(expectGraphError(refused, 400, 'BadRequest').message).toContain('$skiptoken');
    const otherQuery = await call('GET', `${COLLECTION}?$top=4&$orderby=priority&$skiptoken=${encodeURIComponent(token)}`);
    expectGraphError(otherQuery, 400, 'BadRequest');
  });

  it.each(['$search=x', '$skip=1', '$orderby=limit', '$filter=limit eq 3', "$filter=displayName ne 'x'", '$expand=owner', '$top=0'])(
    'an unsupported %s is a 400, never ignored',
    async (option) => {
      expectGraphError(await call('GET', `${COLLECTION}?${option}`), 400, 'BadRequest');
    },
  );
});

describe('$expand=assignments', () => {
  it('on one configuration: its assignments with the context Graph writes for them', async () => {
    const body = await get('?$expand=assignments', `${COLLECTION}/${kiosk.id}`);
    expect(body['@odata.context']).toBe(`${BASE}/beta/$metadata#deviceManagement/deviceEnrollmentConfigurations(assignments())/$entity`);
    expect(body['assignments@odata.context']).toBe(
      `${BASE}/beta/$metadata#deviceManagement/deviceEnrollmentConfigurations('${kiosk.id}')/microsoft.graph.windows10EnrollmentCompletionPageConfiguration/assignments`,
    );
    expect(body.assignments.map((a: any) => a.target['@odata.type']).sort()).toEqual([
      '#microsoft.graph.allDevicesAssignmentTarget',
      '#microsoft.graph.groupAssignmentTarget',
    ]);
    expect(configurationSchemasFor('beta').resource.safeParse(body).error).toBeUndefined();
  });

  it('on the list: every configuration of the page with its own, empty for the others', async () => {
    const body = await get(
      "?$expand=assignments&$select=displayName&$filter=isof('microsoft.graph.windows10EnrollmentCompletionPageConfiguration')",
    );
    expect(body['@odata.context']).toBe(
      `${BASE}/beta/$metadata#deviceManagement/deviceEnrollmentConfigurations(displayName,assignments())`,
    );
    const byName = Object.fromEntries(body.value.map((c: any) => [c.displayName, c.assignments.length]));
    expect(byName).toEqual({ 'All users and all devices': 0, 'Contoso ESP': 0, 'Kiosk ESP': 2 });
  });

  it('takes no options inside, and one configuration takes $select and $expand only', async () => {
    expectGraphError(await call('GET', `${COLLECTION}/${kiosk.id}?$expand=assignments($top=1)`), 400, 'BadRequest');
    expectGraphError(await call('GET', `${COLLECTION}/${kiosk.id}?$top=1`), 400, 'BadRequest');
  });
});

describe('type-cast segments', () => {
  it('narrow the list and its $count to the type, with the cast in the context', async () => {
    const body = await get('/microsoft.graph.windows10EnrollmentCompletionPageConfiguration?$orderby=priority');
    expect(body['@odata.context']).toBe(
      `${BASE}/beta/$metadata#deviceManagement/deviceEnrollmentConfigurations/microsoft.graph.windows10EnrollmentCompletionPageConfiguration`,
    );
    expect(names(body)).toEqual(['All users and all devices', 'Contoso ESP', 'Kiosk ESP']);
    // Within the cast, $select reaches the type's own properties.
    expect((await get('/microsoft.graph.deviceEnrollmentLimitConfiguration?$select=limit')).value.map((c: any) => c.limit).sort()).toEqual([
      10, 3, 5,
    ]);
    expect(textOf(await call('GET', `${COLLECTION}/microsoft.graph.deviceEnrollmentLimitConfiguration/$count`))).toBe('3');
  });

  it('v1.0 has casts for its own types only; another is Graph’s unknown segment', async () => {
    const v1 = '/v1.0/deviceManagement/deviceEnrollmentConfigurations';
    expect(names(await get('/microsoft.graph.deviceEnrollmentLimitConfiguration', v1))).toHaveLength(3);
    const refused = await call('GET', `${v1}/microsoft.graph.windowsRestoreDeviceEnrollmentConfiguration`);
    expect(expectGraphError(refused, 400, 'BadRequest').message).toBe(
      "Resource not found for the segment 'microsoft.graph.windowsRestoreDeviceEnrollmentConfiguration'.",
    );
    expect((await get('', v1)).value.map((c: any) => c['@odata.type'])).not.toContain(
      '#microsoft.graph.windowsRestoreDeviceEnrollmentConfiguration',
    );
  });
});
