import { SignJWT } from 'jose';
import { JWKS_OPTIONS } from '../../src/auth/auth';
import type { App } from '../../src/createApp';
import type { RequestHandler } from '../../src/pipeline/pipeline';
import { send, testApp, testPipeline } from '../helpers/app';
import {
  accessToken,
  AUDIENCE,
  CLIENT_APP,
  ISSUER,
  nowSeconds,
  signingKey,
  startJwksServer,
  TENANT,
  unsignedToken,
  type JwksServer,
  type SigningKey,
} from '../helpers/jwks';
import {
  type CapturedLog,
  documentExample,
  expectGraphError,
  graphRequest,
  headerOf,
  invocationContext,
  jsonOf,
  textOf,
} from '../helpers/requests';

// AUTH_MODE=jwt end to end through the app and the real Azurite: keys made here, a JWKS served on
// 127.0.0.1, tokens signed with jose. The app is built in beforeAll, once the JWKS server has its port.

let jwks: JwksServer;
let rsa: SigningKey;
let app: App;
/** A route that answers the principal the pipeline authenticated. */
let whoAmI: RequestHandler;

// jose decides when to refetch the key set from Date.now(); the rollover tests move that clock forward
// instead of waiting out the real cooldown. Token lifetimes are checked against new Date(), unaffected.
let clockOffset = 0;
const realNow = Date.now.bind(Date);

beforeAll(async () => {
  rsa = await signingKey('rsa-1');
  jwks = await startJwksServer(rsa);
  const settings = {
    AUTH_MODE: 'jwt',
    AUTH_JWKS_URI: jwks.uri,
    AUTH_ISSUER: `${ISSUER},https://sts.windows.net/00000000-0000-0000-0000-00000000aaaa/`,
    AUTH_AUDIENCE: `${AUDIENCE}, graph-mock-app-id`,
  };
  app = testApp(settings);
  whoAmI = testPipeline(
    [
      {
        name: 'whoAmI',
        route: 'beta/whoami',
        methods: ['POST'],
        access: 'write',
        handler: (ctx) => Promise.resolve({ status: 200, body: ctx.principal }),
      },
    ],
    settings,
  );
  jest.spyOn(Date, 'now').mockImplementation(() => realNow() + clockOffset);
});

afterAll(async () => {
  jest.restoreAllMocks();
  await jwks?.close();
});

async function create(token: string, logs: CapturedLog[] = []) {
  const request = graphRequest({ body: documentExample(), headers: { authorization: `Bearer ${token}` } });
  return send(app, request, invocationContext(logs));
}

/** A 401 in Graph's shape, with WWW-Authenticate, that does not give the token back. */
async function expectRejected(token: string, message: string) {
  const logs: CapturedLog[] = [];
  const response = await create(token, logs);
  expect(expectGraphError(response, 401, 'InvalidAuthenticationToken').message).toBe(message);
  expect(headerOf(response, 'www-authenticate')).toMatch(
    /^Bearer realm="", authorization_uri="https:\/\/login.microsoftonline.com\/common\/oauth2\/authorize", client_id="00000003-0000-0000-c000-000000000000"$/,
  );
  expect(textOf(response)).not.toContain(token);
  expect(JSON.stringify(logs)).not.toContain(token);
}

const WRITE = "'DeviceManagementServiceConfig.ReadWrite.All, DeviceManagementConfiguration.ReadWrite.All'";

describe('jwt mode: valid tokens', () => {
  it('201 for a delegated token whose space-separated scp holds a write permission', async () => {
    const token = await accessToken(rsa, { scp: 'openid DeviceManagementServiceConfig.ReadWrite.All profile' });
    expect((await create(token)).status).toBe(201);
  });

  it('201 for an application token whose roles array holds a write permission', async () => {
    const token = await accessToken(rsa, { scp: undefined, roles: ['Other.Read.All', 'DeviceManagementConfiguration.ReadWrite.All'] });
    expect((await create(token)).status).toBe(201);
  });

  it('201 for an EC (ES256) key, the second issuer and the second audience', async () => {
    const ec = await signingKey('ec-1', 'ES256');
    jwks.publish(ec);
    clockOffset += JWKS_OPTIONS.cooldownDuration + 1_000; // let the new kid trigger a refetch
    const token = await accessToken(ec, { iss: 'https://sts.windows.net/00000000-0000-0000-0000-00000000aaaa/', aud: 'graph-mock-app-id' });
    expect((await create(token)).status).toBe(201);
  });

  it('accepts exp and nbf within the 60-second clock tolerance', async () => {
    const now = nowSeconds();
    expect((await create(await accessToken(rsa, { exp: now - 30 }))).status).toBe(201);
    expect((await create(await accessToken(rsa, { nbf: now + 30 }))).status).toBe(201);
  });

  it('hands the handler a principal: the client app as callerId, the permissions and their kind, the tenant', async () => {
    const ask = (token: string) =>
      whoAmI(graphRequest({ path: '/beta/whoami', headers: { authorization: `Bearer ${token}` } }), invocationContext());
    const delegated = await ask(await accessToken(rsa));
    expect(jsonOf(delegated)).toEqual({
      kind: 'jwt',
      callerId: `app:${CLIENT_APP}`,
      permissionType: 'delegated',
      permissions: ['DeviceManagementConfiguration.ReadWrite.All'],
      tenantId: TENANT,
    });
    const v2App = await accessToken(rsa, {
      appid: undefined,
      azp: 'v2-client',
      scp: undefined,
      roles: ['DeviceManagementServiceConfig.ReadWrite.All'],
    });
    const application = await ask(v2App);
    expect(jsonOf(application)).toMatchObject({ callerId: 'app:v2-client', permissionType: 'application' });
    const noClient = await accessToken(rsa, { appid: undefined });
    const bySubject = await ask(noClient);
    expect(jsonOf(bySubject)).toMatchObject({ callerId: 'sub:user-subject' });
    // Tenant ids are kept lower-case, however the token spells them.
    expect(jsonOf(await ask(await accessToken(rsa, { tid: TENANT.toUpperCase() })))).toMatchObject({ tenantId: TENANT });
  });
});

describe('jwt mode: tokens refused with 401 InvalidAuthenticationToken', () => {
  it('an expired token', async () => {
    await expectRejected(await accessToken(rsa, { exp: nowSeconds() - 120 }), 'Lifetime validation failed, the token is expired.');
  });

  it('a token not yet valid', async () => {
    await expectRejected(await accessToken(rsa, { nbf: nowSeconds() + 300 }), 'Lifetime validation failed, the token is not yet valid.');
  });

  it('a token without exp', async () => {
    await expectRejected(await accessToken(rsa, { exp: undefined }), 'Access token validation failure.');
  });

  it('a token for another audience', async () => {
    await expectRejected(
      await accessToken(rsa, { aud: 'https://graph.microsoft.com' }),
      'Access token validation failure. Invalid audience.',
    );
  });

  it('a token from another issuer', async () => {
    await expectRejected(
      await accessToken(rsa, { iss: 'https://login.microsoftonline.com/someone-else/v2.0' }),
      'Access token validation failure. Invalid issuer.',
    );
  });

  it('a bad signature: signed by another key under a published kid', async () => {
    const impostor = await signingKey('rsa-1');
    await expectRejected(await accessToken(impostor), 'Access token validation failure.');
  });

  it('a token whose payload was changed after signing', async () => {
    const [header, , signature] = (await accessToken(rsa, { scp: 'User.Read' })).split('.');
    const payload = Buffer.from(
      JSON.stringify({ iss: ISSUER, aud: AUDIENCE, exp: nowSeconds() + 600, scp: 'DeviceManagementConfiguration.ReadWrite.All' }),
    ).toString('base64url');
    await expectRejected(`${header}.${payload}.${signature}`, 'Access token validation failure.');
  });

  it('an unsigned token (alg: none)', async () => {
    await expectRejected(unsignedToken('rsa-1'), 'Access token validation failure.');
  });

  it('an HS256 token, even one keyed with the public key (algorithm confusion)', async () => {
    const secret = new TextEncoder().encode(JSON.stringify(rsa.publicJwk));
    const token = await new SignJWT({ scp: 'DeviceManagementConfiguration.ReadWrite.All', appid: CLIENT_APP })
      .setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('10m')
      .sign(secret);
    await expectRejected(token, 'Access token validation failure.');
  });

  it('something that is not a JWT at all', async () => {
    await expectRejected('not-a-jwt-at-all', 'Access token validation failure.');
  });

  it('a valid token without a tenant (no tid), or with a tid that is not a tenant id', async () => {
    await expectRejected(await accessToken(rsa, { tid: undefined }), 'Access token validation failure. Invalid tenant.');
    await expectRejected(await accessToken(rsa, { tid: 'contoso.onmicrosoft.com' }), 'Access token validation failure. Invalid tenant.');
  });

  it('a token with neither scp nor roles, in Graph words', async () => {
    await expectRejected(await accessToken(rsa, { scp: undefined }), 'Either scp or roles claim need to be present in the token.');
  });
});

describe('jwt mode: permissions, 403 Forbidden naming what the API requires', () => {
  it('a delegated token without any of the permissions', async () => {
    const response = await create(await accessToken(rsa, { scp: 'User.Read Mail.Read' }));
    const error = expectGraphError(response, 403, 'Forbidden');
    expect(error.message).toBe(
      `Missing scope permissions on the request. API requires one of ${WRITE}. Scopes on the request 'User.Read, Mail.Read'`,
    );
    expect(headerOf(response, 'www-authenticate')).toBeUndefined();
  });

  it('a delegated read-only permission on a write', async () => {
    const response = await create(await accessToken(rsa, { scp: 'DeviceManagementServiceConfig.Read.All' }));
    expect(expectGraphError(response, 403, 'Forbidden').message).toContain(`API requires one of ${WRITE}`);
  });

  it('an application read-only role on a write', async () => {
    const response = await create(await accessToken(rsa, { scp: undefined, roles: ['DeviceManagementConfiguration.Read.All'] }));
    expect(expectGraphError(response, 403, 'Forbidden').message).toBe(
      `Missing role permissions on the request. API requires one of ${WRITE}. Roles on the request 'DeviceManagementConfiguration.Read.All'`,
    );
  });

  it('an application token with an empty roles array', async () => {
    const response = await create(await accessToken(rsa, { scp: undefined, roles: [] }));
    expect(expectGraphError(response, 403, 'Forbidden').message).toContain("Roles on the request ''");
  });
});

// These move jose's clock and change what the key endpoint serves, so they run last and in order.
describe('jwt mode: key rollover and a failing key endpoint', () => {
  it('refetches the key set for an unknown kid, at most once per cooldown', async () => {
    const rolled = await signingKey('rsa-2');
    const token = await accessToken(rolled);
    clockOffset += JWKS_OPTIONS.cooldownDuration + 1_000; // past the cooldown of the last fetch
    const before = jwks.hits();

    // Not yet published: refetched once, still unknown, refused.
    await expectRejected(token, 'Access token validation failure.');
    expect(jwks.hits()).toBe(before + 1);

    // Published now, but within the cooldown no token can make the app fetch again.
    jwks.publish(rolled);
    await expectRejected(token, 'Access token validation failure.');
    expect(jwks.hits()).toBe(before + 1);

    // After the cooldown, the unknown kid refetches and the new key is accepted.
    clockOffset += JWKS_OPTIONS.cooldownDuration + 1_000;
    expect((await create(token)).status).toBe(201);
    expect(jwks.hits()).toBe(before + 2);
  });

  it('a kid that is never published stays refused after the refetch', async () => {
    clockOffset += JWKS_OPTIONS.cooldownDuration + 1_000;
    const before = jwks.hits();
    await expectRejected(await accessToken(await signingKey('never-published')), 'Access token validation failure.');
    expect(jwks.hits()).toBe(before + 1);
  });

  it('503 ServiceUnavailable with Retry-After when the keys are due for a refetch and the endpoint fails', async () => {
    const token = await accessToken(rsa);
    jwks.failWith(500);
    clockOffset += JWKS_OPTIONS.cacheMaxAge + 1_000;
    const logs: CapturedLog[] = [];
    const response = await create(token, logs);
    const error = expectGraphError(response, 503, 'ServiceUnavailable');
    expect(error.message).not.toMatch(/JSON Web Key|jwks|200/i);
    expect(Number(headerOf(response, 'retry-after'))).toBeGreaterThan(0);
    expect(headerOf(response, 'www-authenticate')).toBeUndefined();
    // The operator sees why in the log; the token is nowhere in it.
    expect(logs.map((l) => l.message).join('\n')).toContain('Expected 200 OK from the JSON Web Key Set HTTP response');
    expect(JSON.stringify(logs)).not.toContain(token);

    // A failed fetch is not cached: once the endpoint is back, the next request goes through.
    jwks.failWith(undefined);
    expect((await create(token)).status).toBe(201);
  });
});
