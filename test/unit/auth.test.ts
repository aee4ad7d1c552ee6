import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Authenticator, authorize, READ_PERMISSIONS, redactToken, WRITE_PERMISSIONS, type Principal } from '../../src/auth/auth';
import type { AuthSettings } from '../../src/auth/settings';
import { GraphError } from '../../src/graph/errors';
import { freePort } from '../../dev/azurite';
import { accessToken, AUDIENCE, ISSUER, signingKey, startJwksServer, TENANT } from '../helpers/jwks';
import { devToken } from '../helpers/tenants';

// The auth functions on their own: permissions for reads and writes, the principal and tenant each
// mode yields, and the key endpoint failing before any key was ever fetched.

const DEFAULT_TENANT = '00000000-0000-0000-0000-000000000000';
const authenticate = (authorization: string, auth: AuthSettings) => new Authenticator(auth, DEFAULT_TENANT).authenticate(authorization);

const jwtCaller = (permissionType: 'delegated' | 'application', ...permissions: string[]): Principal => ({
  kind: 'jwt',
  callerId: 'app:test',
  permissionType,
  permissions,
  tenantId: TENANT,
});

const apiKey = (key: string) => ({ key, tenantId: undefined });

function thrown(fn: () => unknown): GraphError {
  try {
    fn();
  } catch (err) {
    if (err instanceof GraphError) return err;
    throw err;
  }
  throw new Error('expected a GraphError');
}

async function rejected(promise: Promise<unknown>): Promise<GraphError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (err instanceof GraphError) return err;
  throw new Error(`expected a GraphError, got ${String(err)}`);
}

describe('authorize: Graph permissions for this API', () => {
  it.each(READ_PERMISSIONS)('a read is allowed with %s, delegated or application', (permission) => {
    expect(() => authorize(jwtCaller('delegated', 'openid', permission), 'read')).not.toThrow();
    expect(() => authorize(jwtCaller('application', permission), 'read')).not.toThrow();
  });

  it.each(WRITE_PERMISSIONS)('a write is allowed with %s', (permission) => {
    expect(() => authorize(jwtCaller('delegated', permission), 'write')).not.toThrow();
    expect(() => authorize(jwtCaller('application', permission), 'write')).not.toThrow();
  });

  it('compares permission names without regard to case', () => {
    expect(() => authorize(jwtCaller('delegated', 'devicemanagementconfiguration.readwrite.all'), 'write')).not.toThrow();
  });

  it.each(['DeviceManagementServiceConfig.Read.All', 'DeviceManagementConfiguration.Read.All'])(
    'a read-only %s is 403 on a write, naming the write permissions',
    (permission) => {
      const err = thrown(() => authorize(jwtCaller('delegated', permission), 'write'));
      expect(err.status).toBe(403);
      expect(err.code).toBe('Forbidden');
      expect(err.message).toBe(
        "Missing scope permissions on the request. API requires one of 'DeviceManagementServiceConfig.ReadWrite.All, " +
          `DeviceManagementConfiguration.ReadWrite.All'. Scopes on the request '${permission}'`,
      );
    },
  );

  it('a read without any of the four permissions is 403 naming all four', () => {
    const err = thrown(() => authorize(jwtCaller('application', 'User.Read.All'), 'read'));
    expect(err.status).toBe(403);
    expect(err.message).toBe(
      "Missing role permissions on the request. API requires one of 'DeviceManagementServiceConfig.Read.All, " +
        'DeviceManagementServiceConfig.ReadWrite.All, DeviceManagementConfiguration.Read.All, ' +
        "DeviceManagementConfiguration.ReadWrite.All'. Roles on the request 'User.Read.All'",
    );
  });

  it('an API key or a dev token may do anything', () => {
    for (const kind of ['dev', 'apikey'] as const) {
      expect(() => authorize({ kind, callerId: 'x', permissions: 'all', tenantId: DEFAULT_TENANT }, 'write')).not.toThrow();
    }
  });
});

describe('authenticate: dev and apikey', () => {
  it('dev: any non-empty Bearer token, with a hash of it as callerId', async () => {
    const principal = await authenticate('Bearer anything-at-all', { mode: 'dev' });
    expect(principal).toEqual({
      kind: 'dev',
      callerId: expect.stringMatching(/^dev:[0-9a-f]{16}$/),
      permissions: 'all',
      tenantId: DEFAULT_TENANT,
    });
    expect(principal.callerId).not.toContain('anything');
  });

  it('apikey: each configured key is accepted; callerId tells keys apart without revealing them', async () => {
    const auth = { mode: 'apikey' as const, apiKeys: [apiKey('first-key-0123456789'), apiKey('second-key-0123456789')] };
    const first = await authenticate('Bearer first-key-0123456789', auth);
    const second = await authenticate('bearer second-key-0123456789', auth);
    expect(first).toEqual({
      kind: 'apikey',
      callerId: expect.stringMatching(/^key:[0-9a-f]{16}$/),
      permissions: 'all',
      tenantId: DEFAULT_TENANT,
    });
    expect(second.callerId).toMatch(/^key:[0-9a-f]{16}$/);
    expect(second.callerId).not.toBe(first.callerId);
    expect((await authenticate('Bearer first-key-0123456789', auth)).callerId).toBe(first.callerId);
  });

  it.each(['first-key', 'first-key-01234567890', 'FIRST-KEY-0123456789', 'x'])('apikey: %s is a 401', async (token) => {
    const err = await rejected(authenticate(`Bearer ${token}`, { mode: 'apikey', apiKeys: [apiKey('first-key-0123456789')] }));
    expect(err.status).toBe(401);
    expect(err.headers['WWW-Authenticate']).toMatch(
      /^Bearer realm="", authorization_uri="https:\/\/login.microsoftonline.com\/common\/oauth2\/authorize", client_id="00000003-0000-0000-c000-000000000000"$/,
    );
  });
});

describe('the tenant a request acts for', () => {
  const A = '5d1f0c6e-0000-4000-8000-0000000000aa';

  it('dev: the tid of a JWT-shaped token, decoded and not verified, lower-case', async () => {
    expect((await authenticate(`Bearer ${devToken(A)}`, { mode: 'dev' })).tenantId).toBe(A);
    expect((await authenticate(`Bearer ${devToken(A.toUpperCase())}`, { mode: 'dev' })).tenantId).toBe(A);
    // A token signed by a real key is only decoded too: dev mode verifies nothing.
    expect((await authenticate(`Bearer ${await accessToken(await signingKey('k1'), { tid: A })}`, { mode: 'dev' })).tenantId).toBe(A);
  });

  it('dev: an opaque token, or a JWT-shaped one without a string tid, acts for the default tenant', async () => {
    for (const token of [
      'dev-token',
      'a.b',
      'a.b.c.d',
      `x.${Buffer.from('[1,2]').toString('base64url')}.y`,
      `x.${Buffer.from('not json').toString('base64url')}.y`,
      `x.${Buffer.from('{"oid":"x"}').toString('base64url')}.y`,
      `x.${Buffer.from('{"tid":42}').toString('base64url')}.y`,
      `x!.${Buffer.from(`{"tid":"${A}"}`).toString('base64url')}.y`,
    ]) {
      expect([token, (await authenticate(`Bearer ${token}`, { mode: 'dev' })).tenantId]).toEqual([token, DEFAULT_TENANT]);
    }
  });

  it('dev: a JWT-shaped token whose tid is not a tenant id is a 401, never a 500', async () => {
    for (const tid of ['contoso', '', `${A}x`, 'organizations']) {
      const err = await rejected(authenticate(`Bearer ${devToken(tid)}`, { mode: 'dev' }));
      expect([err.status, err.code, err.message]).toEqual([
        401,
        'InvalidAuthenticationToken',
        'Access token validation failure. Invalid tenant.',
      ]);
    }
  });

  it('apikey: a key@tenant entry acts for its tenant; a plain key for the default tenant', async () => {
    const auth: AuthSettings = {
      mode: 'apikey',
      apiKeys: [
        { key: 'plain-key-0123456789', tenantId: undefined },
        { key: 'tenant-key-0123456789', tenantId: A },
      ],
    };
    expect((await authenticate('Bearer plain-key-0123456789', auth)).tenantId).toBe(DEFAULT_TENANT);
    expect((await authenticate('Bearer tenant-key-0123456789', auth)).tenantId).toBe(A);
    // The client sends the key alone: the tenant is the server's to know.
    expect((await rejected(authenticate(`Bearer tenant-key-0123456789@${A}`, auth))).status).toBe(401);
  });

  it("jwt: the token's tid; a valid token without one, or with one that is not a GUID, is a 401", async () => {
    const key = await signingKey('tenant-key');
    const jwks = await startJwksServer(key);
    try {
      const auth: AuthSettings = { mode: 'jwt', jwksUri: jwks.uri, issuers: [ISSUER], audiences: [AUDIENCE] };
      const authenticator = new Authenticator(auth, DEFAULT_TENANT);
      expect((await authenticator.authenticate(`Bearer ${await accessToken(key)}`)).tenantId).toBe(TENANT);
      expect((await authenticator.authenticate(`Bearer ${await accessToken(key, { tid: A.toUpperCase() })}`)).tenantId).toBe(A);
      for (const tid of [undefined, 'common', 7]) {
        const err = await rejected(authenticator.authenticate(`Bearer ${await accessToken(key, { tid })}`));
        expect([err.status, err.message]).toEqual([401, 'Access token validation failure. Invalid tenant.']);
      }
    } finally {
      await jwks.close();
    }
  });
});

describe('authenticate: jwt mode when the key endpoint fails before any key was fetched', () => {
  const jwt = (jwksUri: string) => ({ mode: 'jwt' as const, jwksUri, issuers: [ISSUER], audiences: [AUDIENCE] });

  it('503 ServiceUnavailable with Retry-After, not 401, when nothing listens', async () => {
    const token = await accessToken(await signingKey('k1'));
    const err = await rejected(authenticate(`Bearer ${token}`, jwt(`http://127.0.0.1:${await freePort()}/keys`)));
    expect(err.status).toBe(503);
    expect(err.code).toBe('ServiceUnavailable');
    expect(Number(err.headers['Retry-After'])).toBeGreaterThan(0);
    expect(err.message).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
    expect(String(err.cause)).toMatch(/ECONNREFUSED/); // for the log
  });

  it('503 when the endpoint answers something that is not a key set', async () => {
    const server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys": "nope"}'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const token = await accessToken(await signingKey('k1'));
      const uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/keys`;
      expect((await rejected(authenticate(`Bearer ${token}`, jwt(uri)))).status).toBe(503);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('an unsigned token (alg: none) is refused (401) before the key endpoint is even asked', async () => {
    const deadEndpoint = jwt(`http://127.0.0.1:${await freePort()}/keys`);
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"scp":"x"}').toString('base64url')}.`;
    expect((await rejected(authenticate(`Bearer ${none}`, deadEndpoint))).status).toBe(401);
  });
});

describe('redactToken', () => {
  it('cuts the bearer token out of log text', () => {
    expect(redactToken('failed for secret-token-123 twice: secret-token-123', 'Bearer secret-token-123')).toBe(
      'failed for [redacted] twice: [redacted]',
    );
  });

  it('leaves text alone without a token, or with a token too short to be a secret', () => {
    expect(redactToken('a message', null)).toBe('a message');
    expect(redactToken('a message', 'Bearer t')).toBe('a message');
  });
});
