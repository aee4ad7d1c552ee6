import { send, testApp, testPipeline } from '../helpers/app';
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

// AUTH_MODE=apikey through the app and the real Azurite, and what never leaves the app: keys and
// tokens in bodies or logs, internal messages and stacks.
const KEY_1 = 'webhook-key-6f1d2c7a9b3e4f50';
const KEY_2 = 'second-key-0a9b8c7d6e5f4a3b';
const TENANT = '7b0c1d2e-3f40-4a5b-8c6d-7e8f90a1b2c3';
const settings = { AUTH_MODE: 'apikey', AUTH_API_KEYS: `${KEY_1}, ${KEY_2}@${TENANT.toUpperCase()}` };
const app = testApp(settings);

const post = (authorization: string, logs: CapturedLog[] = []) =>
  send(app, graphRequest({ body: documentExample(), headers: { authorization } }), invocationContext(logs));

describe('apikey mode', () => {
  it.each([KEY_1, KEY_2])('201 for a configured key', async (key) => {
    expect((await post(`Bearer ${key}`)).status).toBe(201);
  });

  it('401 for a key that is not configured, without echoing it or logging it', async () => {
    const wrong = 'webhook-key-0000000000000000';
    const logs: CapturedLog[] = [];
    const response = await post(`Bearer ${wrong}`, logs);
    expectGraphError(response, 401, 'InvalidAuthenticationToken');
    expect(headerOf(response, 'www-authenticate')).toMatch(
      /^Bearer realm="", authorization_uri="https:\/\/login.microsoftonline.com\/common\/oauth2\/authorize", client_id="00000003-0000-0000-c000-000000000000"$/,
    );
    expect(JSON.stringify(response)).not.toContain(wrong);
    expect(JSON.stringify(logs)).not.toContain(wrong);
  });

  it('401 for a dev-style token, and for no token', async () => {
    expectGraphError(await post('Bearer test-token'), 401, 'InvalidAuthenticationToken');
    expectGraphError(await post(''), 401, 'InvalidAuthenticationToken');
  });

  it('exposes the caller and its tenant to handlers, with a hash of the key as callerId', async () => {
    const whoAmI = testPipeline(
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
    const ask = async (key: string) =>
      jsonOf(await whoAmI(graphRequest({ path: '/beta/whoami', headers: { authorization: `Bearer ${key}` } }), invocationContext()));
    const principal = await ask(KEY_1);
    expect(principal).toEqual({
      kind: 'apikey',
      callerId: expect.stringMatching(/^key:[0-9a-f]{16}$/),
      permissions: 'all',
      tenantId: '00000000-0000-0000-0000-000000000000',
    });
    expect(JSON.stringify(principal)).not.toContain(KEY_1);
    // A key@tenant entry acts for its tenant.
    expect((await ask(KEY_2)).tenantId).toBe(TENANT);
  });

  it('leaves the principal undefined on a route without auth', async () => {
    const open = testPipeline(
      [
        {
          name: 'open',
          route: 'beta/open',
          methods: ['GET'],
          handler: (ctx) => Promise.resolve({ status: 200, body: { hasPrincipal: ctx.principal !== undefined } }),
        },
      ],
      settings,
    );
    const response = await open(graphRequest({ method: 'GET', path: '/beta/open', headers: {} }), invocationContext());
    expect(jsonOf(response)).toEqual({ hasPrincipal: false });
  });
});

describe('an unexpected exception in a handler', () => {
  it('is a 500 UnknownError with a generic message; the log has the detail but not the key', async () => {
    const failing = testPipeline(
      [
        {
          name: 'failing',
          route: 'beta/failing',
          methods: ['POST'],
          access: 'write',
          handler: (ctx) => {
            // The worst case: an internal error whose text carries the caller's credential.
            throw new Error(`table client exploded while handling ${ctx.request.headers.get('authorization')}`);
          },
        },
      ],
      settings,
    );
    const logs: CapturedLog[] = [];
    const response = await failing(
      graphRequest({ path: '/beta/failing', headers: { authorization: `Bearer ${KEY_1}` } }),
      invocationContext(logs),
    );
    const error = expectGraphError(response, 500, 'UnknownError');
    expect(error.message).toBe('An unexpected error occurred while processing the request.');
    expect(textOf(response)).not.toMatch(/exploded|table client|Error:/);
    expect(textOf(response)).not.toContain(KEY_1);

    const logged = logs.map((l) => `${l.level} ${l.message}`).join('\n');
    expect(logged).toContain('table client exploded while handling Bearer [redacted]');
    expect(logged).toMatch(/auth-apikey\.test\.ts/); // the stack is kept for the operator
    expect(logged).not.toContain(KEY_1);
  });
});
