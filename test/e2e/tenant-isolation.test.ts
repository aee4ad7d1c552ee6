import { accessToken, AUDIENCE, signingKey, startJwksServer, type JwksServer, type SigningKey } from '../helpers/jwks';
import { withRunner, type RunnerProcess } from '../helpers/runner';
import { devToken } from '../helpers/tenants';

/**
 * A hosted mock is shared by tenants: no request of one tenant reads, counts or changes another's
 * assignments, by any route. Tenant A stores an assignment; tenant B then tries every way there is to
 * reach it (both paths, OData key syntax, v1.0, $count, /$count, PATCH, DELETE, assign, $batch items),
 * in each authentication mode; A's assignment is untouched at the end.
 */

const A = 'aaaaaaaa-0000-4000-8000-00000000000a';
const B = 'bbbbbbbb-0000-4000-8000-00000000000b';
const body = { target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: 'group-of-a' } };

type Credentials = Record<string, string>;

async function call(runner: RunnerProcess, as: Credentials, method: string, path: string, payload?: unknown) {
  const r = await fetch(`${runner.url}${path}`, {
    method,
    headers: { ...as, ...(payload === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: payload === undefined ? undefined : JSON.stringify(payload),
  });
  const text = await r.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  } catch {
    json = undefined;
  }
  return { status: r.status, text, json, etag: r.headers.get('etag') };
}

const ids = (r: { json?: Record<string, unknown> }) => ((r.json?.value as Array<{ id: string }>) ?? []).map((v) => v.id);

async function everyRoute(runner: RunnerProcess, a: Credentials, b: Credentials): Promise<void> {
  // Each mode its own configuration (the file's tests share one table).
  const CFG = `cfg-shared-by-tenants-${Math.random().toString(36).slice(2, 10)}`;
  const DM = `/beta/deviceManagement/deviceEnrollmentConfigurations/${CFG}`;
  const INVITATION = `/beta/invitations/inv-1/invitedUser/deviceEnrollmentConfigurations/${CFG}`;
  const V1 = `/v1.0/deviceManagement/deviceEnrollmentConfigurations/${CFG}`;
  const created = await call(runner, a, 'POST', `${DM}/assignments`, body);
  expect(created.status).toBe(201);
  const x = created.json!.id as string;

  // B reads: nothing of A's, by any path.
  for (const list of [`${DM}/assignments`, `${INVITATION}/assignments`, `${V1}/assignments`, `${DM}/assignments?$count=true`]) {
    const r = await call(runner, b, 'GET', list);
    expect({ list, status: r.status, ids: ids(r) }).toEqual({ list, status: 200, ids: [] });
  }
  expect((await call(runner, b, 'GET', `${DM}/assignments?$count=true`)).json!['@odata.count']).toBe(0);
  for (const count of [`${DM}/assignments/$count`, `${INVITATION}/assignments/$count`]) {
    expect((await call(runner, b, 'GET', count)).text).toBe('0');
  }
  const keyed = `/beta/deviceManagement/deviceEnrollmentConfigurations('${CFG}')/assignments('${x}')`;
  for (const item of [`${DM}/assignments/${x}`, `${INVITATION}/assignments/${x}`, `${V1}/assignments/${x}`, keyed]) {
    expect({ item, status: (await call(runner, b, 'GET', item)).status }).toEqual({ item, status: 404 });
  }

  // B writes: never to A's.
  expect((await call(runner, b, 'PATCH', `${DM}/assignments/${x}`, { sourceId: 'b was here' })).status).toBe(404);
  expect((await call(runner, b, 'DELETE', `${DM}/assignments/${x}`)).status).toBe(404);
  expect((await call(runner, b, 'DELETE', keyed)).status).toBe(404);
  const assigned = await call(runner, b, 'POST', `${DM}/assign`, {
    enrollmentConfigurationAssignments: [{ target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' } }],
  });
  expect(assigned.status).toBe(204);
  const batch = await call(runner, b, 'POST', '/beta/$batch', {
    requests: [
      { id: '1', method: 'GET', url: `/deviceManagement/deviceEnrollmentConfigurations/${CFG}/assignments/${x}` },
      { id: '2', method: 'DELETE', url: `/deviceManagement/deviceEnrollmentConfigurations/${CFG}/assignments/${x}` },
      { id: '3', method: 'GET', url: `/deviceManagement/deviceEnrollmentConfigurations/${CFG}/assignments` },
    ],
  });
  const responses = batch.json!.responses as Array<{ id: string; status: number; body?: { value?: Array<{ id: string }> } }>;
  const byId = Object.fromEntries(responses.map((r) => [r.id, r]));
  expect([byId['1']!.status, byId['2']!.status, byId['3']!.status]).toEqual([404, 404, 200]);
  // B's own set is B's assign: one all-devices target, not A's assignment.
  expect(byId['3']!.body!.value!.map((v) => v.id)).not.toContain(x);
  expect(byId['3']!.body!.value).toHaveLength(1);

  // A's assignment is there, unchanged, and A sees only its own.
  const after = await call(runner, a, 'GET', `${DM}/assignments/${x}`);
  expect(after.status).toBe(200);
  expect(after.etag).toBe(created.etag);
  expect(after.json!.sourceId).toBeNull();
  expect(ids(await call(runner, a, 'GET', `${DM}/assignments`))).toEqual([x]);
  expect((await call(runner, a, 'GET', `${DM}/assignments/$count`)).text).toBe('1');
}

it('dev mode: tenants named by JWT-shaped tokens never reach each other', async () => {
  await withRunner({ AUTH_MODE: 'dev' }, (runner) =>
    everyRoute(runner, { Authorization: `Bearer ${devToken(A)}` }, { Authorization: `Bearer ${devToken(B)}` }),
  );
}, 60_000);

it('apikey mode: keys that name their tenants never reach each other', async () => {
  await withRunner({ AUTH_MODE: 'apikey', AUTH_API_KEYS: `key-of-a-0123456789@${A},key-of-b-0123456789@${B}` }, (runner) =>
    everyRoute(runner, { Authorization: 'Bearer key-of-a-0123456789' }, { Authorization: 'Bearer key-of-b-0123456789' }),
  );
}, 60_000);

describe('jwt mode', () => {
  let key: SigningKey;
  let jwks: JwksServer;
  beforeAll(async () => {
    key = await signingKey('tenants-kid');
    jwks = await startJwksServer(key);
  });
  afterAll(() => jwks.close());

  it("tokens of two tenants (each its issuer and tid) never reach each other's data", async () => {
    const issuer = (tenant: string) => `https://login.microsoftonline.com/${tenant}/v2.0`;
    const tokenOf = async (tenant: string) => `Bearer ${await accessToken(key, { iss: issuer(tenant), tid: tenant })}`;
    await withRunner(
      { AUTH_MODE: 'jwt', AUTH_JWKS_URI: jwks.uri, AUTH_ISSUER: `${issuer(A)},${issuer(B)}`, AUTH_AUDIENCE: AUDIENCE },
      async (runner) => everyRoute(runner, { Authorization: await tokenOf(A) }, { Authorization: await tokenOf(B) }),
    );
  }, 60_000);
});
