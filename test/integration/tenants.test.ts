import { TableClient } from '@azure/data-tables';
import { randomUUID } from 'node:crypto';
import { send, testApp } from '../helpers/app';
import { collectionPath, documentExample, expectGraphError, graphRequest, jsonOf } from '../helpers/requests';
import { devToken } from '../helpers/tenants';

// Tenants on the request side, through the app: where a tenant's rows go, and the admin's view of
// tenants (the journal's tenantId, a reset limited to one tenant, seed items with a tenantId).

const DEFAULT = '00000000-0000-0000-0000-000000000000';
const A = 'aaaaaaaa-1111-4111-8111-00000000000a';
const B = 'bbbbbbbb-2222-4222-8222-00000000000b';
const app = testApp({ MOCK_ADMIN: 'on', MOCK_CONTROLS: 'on' });

const as = (tenant: string) => ({ authorization: `Bearer ${tenant === DEFAULT ? 'opaque-token' : devToken(tenant)}` });
const create = async (tenant: string, cfg: string, headers: Record<string, string> = {}) =>
  send(app, graphRequest({ path: collectionPath(cfg), body: documentExample(), headers: { ...as(tenant), ...headers } }));
const count = async (tenant: string, cfg: string) =>
  Number((await send(app, graphRequest({ method: 'GET', path: `${collectionPath(cfg)}/$count`, headers: as(tenant) }))).body);
const admin = (method: string, path: string, body?: unknown) => send(app, graphRequest({ method, path, body, headers: {} }));
const journal = async (query: string) => jsonOf(await admin('GET', `/__admin/requests${query}`)).value as Array<Record<string, any>>;
const table = () =>
  TableClient.fromConnectionString(process.env.ASSIGNMENTS_STORAGE!, process.env.ASSIGNMENTS_TABLE!, { allowInsecureConnection: true });

describe("a tenant's rows", () => {
  it("are the default tenant's as before (partition = configuration id), another tenant's under ~tenant~", async () => {
    const cfg = `cfg-keys-${randomUUID()}`;
    const mine = jsonOf(await create(DEFAULT, cfg)).id;
    const theirs = jsonOf(await create(A, cfg)).id;
    expect((await table().getEntity(cfg, mine)).partitionKey).toBe(cfg);
    expect((await table().getEntity(`~${A}~${cfg}`, theirs)).partitionKey).toBe(`~${A}~${cfg}`);
  });

  it('cannot be reached by naming the partition: a configuration id starting with ~ is not found', async () => {
    const cfg = `cfg-hidden-${randomUUID()}`;
    const hidden = jsonOf(await create(A, cfg)).id;
    const reserved = encodeURIComponent(`~${A}~${cfg}`);
    for (const [method, path] of [
      ['GET', collectionPath(reserved)],
      ['GET', `${collectionPath(reserved)}/${hidden}`],
      ['GET', `${collectionPath(reserved)}/$count`],
      ['POST', collectionPath(reserved)],
    ] as const) {
      const body = method === 'POST' ? documentExample() : undefined;
      const response = await send(app, graphRequest({ method, path, body, headers: as(DEFAULT) }));
      expect([method, path, expectGraphError(response, 404, 'ResourceNotFound').message]).toEqual([
        method,
        path,
        expect.stringContaining('deviceEnrollmentConfiguration'),
      ]);
    }
  });

  it("leave room for the tenant in the key: another tenant's configuration id is shorter by its prefix", async () => {
    const longest = 512 - `~${A}~`.length;
    expect((await create(A, 'c'.repeat(longest))).status).toBe(201);
    const error = expectGraphError(await create(A, 'c'.repeat(longest + 1)), 400, 'BadRequest');
    expect(error.message).toContain(`longer than ${longest} characters`);
    expect((await create(DEFAULT, 'c'.repeat(longest + 1))).status).toBe(201);
  });
});

describe('the journal and tenants', () => {
  it('records the tenant, filters by it, and numbers attempts within each tenant', async () => {
    const crid = `tenants-${randomUUID()}`;
    const cfg = `cfg-journal-${randomUUID()}`;
    const retry = { 'client-request-id': crid, 'x-mock-error': '503', 'x-mock-error-count': '1', 'x-mock-retry-after': '0' };
    expect((await create(A, cfg, retry)).status).toBe(503);
    expect((await create(A, cfg, retry)).status).toBe(201);
    expect((await create(B, cfg, retry)).status).toBe(503); // the same id is B's first attempt: counted apart
    const ofA = await journal(`?tenantId=${A}&clientRequestId=${crid}`);
    expect(ofA.map((e) => [e.tenantId, e.attempt, e.response.status])).toEqual([
      [A, 2, 201],
      [A, 1, 503],
    ]);
    const ofB = await journal(`?tenantId=${B.toUpperCase()}&clientRequestId=${crid}`);
    expect(ofB.map((e) => [e.tenantId, e.attempt, e.response.status])).toEqual([[B, 1, 503]]);
    // Without tenantId: every tenant's, newest first.
    expect((await journal(`?clientRequestId=${crid}`)).map((e) => e.tenantId)).toEqual([B, A, A]);
    expectGraphError(await admin('GET', '/__admin/requests?tenantId=contoso'), 400, 'BadRequest');
  });
});

describe('reset and tenants', () => {
  it('?tenantId= removes that tenant’s assignments, journal and attempt counts, and nothing of another’s', async () => {
    const cfg = `cfg-reset-${randomUUID()}`;
    const crid = `reset-${randomUUID()}`;
    const counted = { 'client-request-id': crid, 'x-mock-error': '429', 'x-mock-error-count': '1' };
    for (const tenant of [A, B]) {
      expect((await create(tenant, cfg)).status).toBe(201);
      expect((await create(tenant, cfg, counted)).status).toBe(429);
    }
    expect((await admin('POST', `/__admin/reset?tenantId=${A}`)).status).toBe(204);
    expect(await journal(`?tenantId=${A}`)).toEqual([]);
    expect((await journal(`?tenantId=${B}&clientRequestId=${crid}`)).length).toBe(1);
    expect([await count(A, cfg), await count(B, cfg)]).toEqual([0, 1]);
    // A's attempt count started over: its same request fails again; B's is past its one failure.
    expect((await create(A, cfg, counted)).status).toBe(429);
    expect((await create(B, cfg, counted)).status).toBe(201);
  });

  it('?configurationId= alone is the default tenant’s configuration, as before tenants; with ?tenantId=, that tenant’s', async () => {
    const cfg = `cfg-reset-one-${randomUUID()}`;
    for (const tenant of [DEFAULT, A, B]) expect((await create(tenant, cfg)).status).toBe(201);
    expect((await admin('POST', `/__admin/reset?tenantId=${B}&configurationId=${cfg}`)).status).toBe(204);
    expect([await count(DEFAULT, cfg), await count(A, cfg), await count(B, cfg)]).toEqual([1, 1, 0]);
    expect((await admin('POST', `/__admin/reset?configurationId=${cfg}`)).status).toBe(204);
    expect([await count(DEFAULT, cfg), await count(A, cfg)]).toEqual([0, 1]);
    expectGraphError(await admin('POST', `/__admin/reset?configurationId=~${A}~${cfg}`), 400, 'BadRequest');
  });
});

describe('seed and tenants', () => {
  it("stores an item in its tenantId's tenant, the default tenant when it names none", async () => {
    const cfg = `cfg-seed-${randomUUID()}`;
    const seeded = await admin('POST', '/__admin/seed', {
      assignments: [
        { configurationId: cfg, id: 'seeded-default', ...documentExample() },
        { tenantId: A.toUpperCase(), configurationId: cfg, id: 'seeded-a', ...documentExample() },
      ],
    });
    expect(seeded.status).toBe(200);
    expect(jsonOf(seeded).assignments.map((a: { tenantId: string; id: string }) => [a.tenantId, a.id])).toEqual([
      [DEFAULT, 'seeded-default'],
      [A, 'seeded-a'],
    ]);
    const item = (tenant: string, id: string) =>
      send(app, graphRequest({ method: 'GET', path: `${collectionPath(cfg)}/${id}`, headers: as(tenant) }));
    expect((await item(A, 'seeded-a')).status).toBe(200);
    expect((await item(DEFAULT, 'seeded-a')).status).toBe(404);
    expect((await item(DEFAULT, 'seeded-default')).status).toBe(200);
    const bad = await admin('POST', '/__admin/seed', {
      assignments: [{ tenantId: 'contoso', configurationId: cfg, ...documentExample() }],
    });
    expect(expectGraphError(bad, 400, 'BadRequest').message).toContain("'tenantId'");
  });
});
