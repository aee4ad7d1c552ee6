import { createAssignment } from '../../src/assignments/handlers';
import { graphHandler } from '../../src/graph/handler';
import {
  documentExample,
  expectGraphError,
  graphRequest,
  headerOf,
  invocationContext,
  jsonOf,
  type CapturedLog,
} from '../helpers/requests';

// AUTH_MODE=apikey through the create handler and the real Azurite, and what never leaves the app:
// keys and tokens in bodies or logs, internal messages and stacks. Set before the first handler call,
// which is when the settings are read.
const KEY_1 = 'webhook-key-6f1d2c7a9b3e4f50';
const KEY_2 = 'second-key-0a9b8c7d6e5f4a3b';
process.env.AUTH_MODE = 'apikey';
process.env.AUTH_API_KEYS = `${KEY_1}, ${KEY_2}`;

const post = (authorization: string, logs: CapturedLog[] = []) =>
  createAssignment(graphRequest({ body: documentExample(), headers: { authorization } }), invocationContext(logs));

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

  it('exposes the caller to handlers as g.principal, with a hash of the key as callerId', async () => {
    const whoAmI = graphHandler(async (g) => ({ status: 200, body: g.principal }), { access: 'write' });
    const response = await whoAmI(graphRequest({ headers: { authorization: `Bearer ${KEY_1}` } }), invocationContext());
    const principal = jsonOf(response);
    expect(principal).toEqual({ kind: 'apikey', callerId: expect.stringMatching(/^key:[0-9a-f]{16}$/), permissions: 'all' });
    expect(JSON.stringify(principal)).not.toContain(KEY_1);
  });

  it('leaves g.principal undefined on a route without auth', async () => {
    const open = graphHandler(async (g) => ({ status: 200, body: { hasPrincipal: g.principal !== undefined } }));
    const response = await open(graphRequest({ method: 'GET', headers: {} }), invocationContext());
    expect(jsonOf(response)).toEqual({ hasPrincipal: false });
  });
});

describe('an unexpected exception in a handler', () => {
  it('is a 500 UnknownError with a generic message; the log has the detail but not the key', async () => {
    const failing = graphHandler(
      async (g) => {
        // The worst case: an internal error whose text carries the caller's credential.
        throw new Error(`table client exploded while handling ${g.request.headers.get('authorization')}`);
      },
      { access: 'write' },
    );
    const logs: CapturedLog[] = [];
    const response = await failing(graphRequest({ headers: { authorization: `Bearer ${KEY_1}` } }), invocationContext(logs));
    const error = expectGraphError(response, 500, 'UnknownError');
    expect(error.message).toBe('An unexpected error occurred while processing the request.');
    expect(String(response.body)).not.toMatch(/exploded|table client|Error:/);
    expect(String(response.body)).not.toContain(KEY_1);

    const logged = logs.map((l) => `${l.level} ${l.message}`).join('\n');
    expect(logged).toContain('table client exploded while handling Bearer [redacted]');
    expect(logged).toMatch(/auth-apikey\.test\.ts/); // the stack is kept for the operator
    expect(logged).not.toContain(KEY_1);
  });
});
