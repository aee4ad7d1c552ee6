import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { authenticate, authorize, READ_PERMISSIONS, redactToken, WRITE_PERMISSIONS, type Principal } from '../../src/graph/auth';
import { GraphError } from '../../src/graph/errors';
import { freePort } from '../../dev/azurite';
import { accessToken, AUDIENCE, ISSUER, signingKey } from '../helpers/jwks';

// The auth functions on their own: permissions for reads (no GET route exists on this branch yet),
// the principal each mode yields, and the key endpoint failing before any key was ever fetched.

const jwtCaller = (permissionType: 'delegated' | 'application', ...permissions: string[]): Principal => ({
  kind: 'jwt',
  callerId: 'app:test',
  permissionType,
  permissions,
});

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
      expect(() => authorize({ kind, callerId: 'x', permissions: 'all' }, 'write')).not.toThrow();
    }
  });
});

describe('authenticate: dev and apikey', () => {
  it('dev: any non-empty Bearer token, with a hash of it as callerId', async () => {
    const principal = await authenticate('Bearer anything-at-all', { mode: 'dev' });
    expect(principal).toEqual({ kind: 'dev', callerId: expect.stringMatching(/^dev:[0-9a-f]{16}$/), permissions: 'all' });
    expect(principal.callerId).not.toContain('anything');
  });

  it('apikey: each configured key is accepted; callerId tells keys apart without revealing them', async () => {
    const auth = { mode: 'apikey' as const, apiKeys: ['first-key-0123456789', 'second-key-0123456789'] };
    const first = await authenticate('Bearer first-key-0123456789', auth);
    const second = await authenticate('bearer second-key-0123456789', auth);
    expect(first).toEqual({ kind: 'apikey', callerId: expect.stringMatching(/^key:[0-9a-f]{16}$/), permissions: 'all' });
    expect(second.callerId).toMatch(/^key:[0-9a-f]{16}$/);
    expect(second.callerId).not.toBe(first.callerId);
    expect((await authenticate('Bearer first-key-0123456789', auth)).callerId).toBe(first.callerId);
  });

  it.each(['first-key', 'first-key-01234567890', 'FIRST-KEY-0123456789', 'x'])('apikey: %s is a 401', async (token) => {
    const err = await rejected(authenticate(`Bearer ${token}`, { mode: 'apikey', apiKeys: ['first-key-0123456789'] }));
    expect(err.status).toBe(401);
    expect(err.headers['WWW-Authenticate']).toMatch(
      /^Bearer realm="", authorization_uri="https:\/\/login.microsoftonline.com\/common\/oauth2\/authorize", client_id="00000003-0000-0000-c000-000000000000"$/,
    );
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
