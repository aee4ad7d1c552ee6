import { collectionPath, documentExample, jsonBody } from '../helpers/requests';
import { startRunnerProcess, type RunnerProcess } from '../helpers/runner';

// Over real HTTP through the local runner, in the settings a shared endpoint uses: apikey mode and CORS
// for one origin. Shows that the host's routing sends a preflight to the fallback, which answers it.

const KEY = 'e2e-api-key-5d8c1f0b7a2e4c69';
const ORIGIN = 'https://portal.example.com';

let runner: RunnerProcess;
beforeAll(async () => {
  runner = await startRunnerProcess({ AUTH_MODE: 'apikey', AUTH_API_KEYS: KEY, CORS_ALLOWED_ORIGINS: ORIGIN });
});
afterAll(async () => {
  await runner?.stop();
});

const url = () => `${runner.url}${collectionPath('cfg-cors-e2e')}`;

it('answers a browser preflight with 204 and the CORS headers, no token needed', async () => {
  const response = await fetch(url(), {
    method: 'OPTIONS',
    headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type' },
  });
  expect(response.status).toBe(204);
  expect(response.headers.get('access-control-allow-origin')).toBe(ORIGIN);
  expect(response.headers.get('access-control-allow-methods')).toContain('POST');
  expect(response.headers.get('access-control-allow-headers')).toContain('authorization');
});

it('creates with the key from the allowed origin, exposing Location and request-id', async () => {
  const response = await fetch(url(), {
    method: 'POST',
    headers: { Origin: ORIGIN, Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(documentExample()),
  });
  expect(response.status).toBe(201);
  expect(response.headers.get('access-control-allow-origin')).toBe(ORIGIN);
  const exposed = response.headers.get('access-control-expose-headers')!.split(', ');
  expect(exposed).toEqual(expect.arrayContaining(['Location', 'request-id', 'client-request-id']));
});

it('refuses another bearer token with 401 and WWW-Authenticate, readable from the allowed origin', async () => {
  const response = await fetch(url(), {
    method: 'POST',
    headers: { Origin: ORIGIN, Authorization: 'Bearer not-the-key', 'Content-Type': 'application/json' },
    body: JSON.stringify(documentExample()),
  });
  expect(response.status).toBe(401);
  expect(response.headers.get('www-authenticate')).toMatch(
    /^Bearer realm="", authorization_uri="https:\/\/login.microsoftonline.com\/common\/oauth2\/authorize", client_id="00000003-0000-0000-c000-000000000000"$/,
  );
  expect(response.headers.get('access-control-allow-origin')).toBe(ORIGIN);
  expect((await jsonBody(response)).error.code).toBe('InvalidAuthenticationToken');
});

it('prints no dev-mode warning and never the key', () => {
  expect(runner.output()).not.toContain('AUTH_MODE=dev');
  expect(runner.output()).not.toContain(KEY);
});
