import type { HttpRequest } from '@azure/functions';
import { cors } from '../../src/pipeline/cors';
import { contextFor, send, testApp } from '../helpers/app';
import { documentExample, expectGraphError, graphRequest, headerOf } from '../helpers/requests';

// CORS as CORS_ALLOWED_ORIGINS sets it, through the app's pipeline: the create route for real requests,
// and preflight OPTIONS, which reach no operation.
const app = testApp({ CORS_ALLOWED_ORIGINS: 'https://portal.example.com, http://localhost:3000' });
const dispatch = (request: HttpRequest) => send(app, request);

const PORTAL = 'https://portal.example.com';
const EXPOSED =
  'request-id, client-request-id, Location, ETag, Retry-After, WWW-Authenticate, OData-Version, Preference-Applied, x-mock-attempt';

const preflight = (origin: string, requestHeaders = 'authorization, content-type') =>
  graphRequest({
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': requestHeaders,
    },
  });

/** A preflight as a browser sends it: no Authorization header. */
function withoutToken<T extends { headers: Headers }>(request: T): T {
  request.headers.delete('authorization');
  return request;
}

describe('CORS on, for the listed origins', () => {
  it('a create from an allowed origin carries Allow-Origin, Expose-Headers and Vary', async () => {
    const response = await send(app, graphRequest({ body: documentExample(), headers: { origin: PORTAL } }));
    expect(response.status).toBe(201);
    expect(headerOf(response, 'access-control-allow-origin')).toBe(PORTAL);
    expect(headerOf(response, 'access-control-expose-headers')).toBe(EXPOSED);
    expect(headerOf(response, 'vary')).toBe('Origin');
    expect(headerOf(response, 'access-control-allow-credentials')).toBeUndefined();
  });

  it('an error (401) from an allowed origin is readable by the script too', async () => {
    const request = withoutToken(graphRequest({ body: documentExample(), headers: { origin: 'http://localhost:3000' } }));
    const response = await send(app, request);
    expectGraphError(response, 401, 'InvalidAuthenticationToken');
    expect(headerOf(response, 'access-control-allow-origin')).toBe('http://localhost:3000');
    expect(headerOf(response, 'www-authenticate')).toMatch(
      /^Bearer realm="", authorization_uri="https:\/\/login.microsoftonline.com\/common\/oauth2\/authorize", client_id="00000003-0000-0000-c000-000000000000"$/,
    );
  });

  it('an origin not on the list gets no CORS headers, only Vary', async () => {
    for (const origin of ['https://evil.example', 'https://portal.example.com.evil.example', 'null', 'http://portal.example.com']) {
      const response = await send(app, graphRequest({ body: documentExample(), headers: { origin } }));
      expect(response.status).toBe(201);
      expect(headerOf(response, 'access-control-allow-origin')).toBeUndefined();
      expect(headerOf(response, 'access-control-expose-headers')).toBeUndefined();
      expect(headerOf(response, 'vary')).toBe('Origin');
    }
  });

  it('answers a preflight with 204, without a token', async () => {
    const response = await dispatch(withoutToken(preflight(PORTAL, 'Authorization, Content-Type, X-Mock-Latency, x-evil')));
    expect(response.status).toBe(204);
    expect(response.body).toBeUndefined();
    expect(headerOf(response, 'access-control-allow-origin')).toBe(PORTAL);
    expect(headerOf(response, 'access-control-allow-methods')).toBe('GET, POST, PUT, PATCH, DELETE');
    const allowed = headerOf(response, 'access-control-allow-headers')!.split(', ');
    expect(allowed).toEqual(
      expect.arrayContaining(['authorization', 'content-type', 'client-request-id', 'if-match', 'prefer', 'x-mock-latency']),
    );
    expect(allowed).not.toContain('x-evil');
    expect(Number(headerOf(response, 'access-control-max-age'))).toBeGreaterThan(0);
    expect(headerOf(response, 'vary')).toBe('Origin, Access-Control-Request-Method, Access-Control-Request-Headers');
    expect(headerOf(response, 'request-id')).toBeDefined();
  });

  it('a preflight from an origin not on the list gets what it would without CORS: 405, no CORS headers', async () => {
    const response = await dispatch(withoutToken(preflight('https://evil.example')));
    expectGraphError(response, 405, 'MethodNotAllowed');
    expect(headerOf(response, 'access-control-allow-origin')).toBeUndefined();
  });

  it('a plain OPTIONS (no Access-Control-Request-Method) is no preflight: 405 as before', async () => {
    const request = graphRequest({ method: 'OPTIONS', headers: { origin: PORTAL } });
    const response = await dispatch(request);
    expectGraphError(response, 405, 'MethodNotAllowed');
    expect(headerOf(response, 'access-control-allow-origin')).toBe(PORTAL);
  });
});

describe('the CORS stage with other settings', () => {
  const inner = () => Promise.resolve({ status: 200, headers: { 'request-id': 'r', Vary: 'Accept' }, body: '{}' });
  const withCors = (allowedOrigins: string[]) => (request: HttpRequest) => cors(contextFor(app, request, {}), { allowedOrigins }, inner);

  it("off (no origins): the response is the handler's, untouched, and a preflight is not answered", async () => {
    const off = withCors([]);
    const response = await off(graphRequest({ method: 'GET', headers: { origin: PORTAL } }));
    expect(response).toEqual(await inner());
    expect(await off(preflight(PORTAL))).toEqual(await inner());
  });

  it('* allows any origin with a literal *, which needs no Vary', async () => {
    const any = withCors(['*']);
    const response = await any(graphRequest({ method: 'GET', headers: { origin: 'https://anyone.example' } }));
    expect(headerOf(response, 'access-control-allow-origin')).toBe('*');
    expect(headerOf(response, 'vary')).toBe('Accept');
    expect(headerOf(await any(preflight('https://anyone.example')), 'access-control-allow-origin')).toBe('*');
  });

  it('adds Origin to a Vary the handler already set', async () => {
    const listed = withCors([PORTAL]);
    const response = await listed(graphRequest({ method: 'GET', headers: { origin: PORTAL } }));
    expect(headerOf(response, 'vary')).toBe('Accept, Origin');
  });
});
