import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { freePort, startAzurite, type RunningAzurite } from '../../dev/azurite';
import { collectionPath, documentExample, jsonBody } from '../helpers/requests';
import { startRunnerProcess, type RunnerProcess } from '../helpers/runner';
import { createTestCertificate, type TestCertificate } from '../helpers/tls';

/**
 * Storage with a managed identity, as deployed (ASSIGNMENTS_STORAGE__tableServiceUri, no key anywhere):
 * the deployment package gets its token from the identity endpoint the Functions platform provides
 * (App Service style: IDENTITY_ENDPOINT and IDENTITY_HEADER, here a loopback stand-in) and sends it as a
 * bearer token to Azurite over HTTPS with `--oauth basic`, which checks the token's issuer, audience and
 * lifetime as Table Storage does (not its signature).
 */

let certificate: TestCertificate;
let azurite: RunningAzurite;
let identity: http.Server;
let runner: RunnerProcess;
const tokenRequests: { resource: string | null; header: string | undefined }[] = [];

/** A JWT-shaped token Azurite's basic OAuth accepts: storage's audience, an Entra issuer, valid for an hour. */
function storageToken(): { token: string; expiresOn: number } {
  const now = Math.floor(Date.now() / 1000);
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const claims = {
    aud: 'https://storage.azure.com',
    iss: 'https://sts.windows.net/0b6f9a64-3f0e-4d8c-a3a1-5c3f2d7e9b10/',
    nbf: now - 60,
    iat: now - 60,
    exp: now + 3600,
    oid: '11111111-2222-3333-4444-555555555555',
  };
  return { token: `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.c2lnbmF0dXJl`, expiresOn: claims.exp };
}

beforeAll(async () => {
  certificate = createTestCertificate();
  azurite = await startAzurite({ tablePort: await freePort(), oauth: { certFile: certificate.certFile, keyFile: certificate.keyFile } });
  identity = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    tokenRequests.push({ resource: url.searchParams.get('resource'), header: req.headers['x-identity-header'] as string | undefined });
    const { token, expiresOn } = storageToken();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        access_token: token,
        expires_on: String(expiresOn),
        resource: url.searchParams.get('resource'),
        token_type: 'Bearer',
      }),
    );
  });
  await new Promise<void>((resolve) => identity.listen(0, '127.0.0.1', resolve));
  runner = await startRunnerProcess({
    RUNNER_APP_ROOT: path.join(__dirname, '..', '..', 'dist', 'package'),
    ASSIGNMENTS_STORAGE: '',
    ASSIGNMENTS_STORAGE__tableServiceUri: `https://127.0.0.1:${azurite.tablePort}/devstoreaccount1`,
    ASSIGNMENTS_STORAGE__credential: 'managedidentity',
    IDENTITY_ENDPOINT: `http://127.0.0.1:${(identity.address() as AddressInfo).port}/msi/token`,
    IDENTITY_HEADER: 'identity-header-of-this-test',
    NODE_EXTRA_CA_CERTS: certificate.certFile,
  });
}, 60_000);

afterAll(async () => {
  await runner?.stop();
  await new Promise((resolve) => identity?.close(resolve));
  await azurite?.stop();
  certificate?.remove();
});

const auth = { Authorization: 'Bearer e2e-token' };

test('creates, reads and lists through a bearer token, asking the identity endpoint once', async () => {
  expect((await fetch(`${runner.url}/health`)).status).toBe(200);
  const path = collectionPath('cfg-managed-identity');
  const created = await fetch(`${runner.url}${path}`, {
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/json' },
    body: JSON.stringify(documentExample()),
  });
  expect(created.status).toBe(201);
  const { id } = (await jsonBody(created)) as { id: string };
  const read = await fetch(`${runner.url}${path}/${id}`, { headers: auth });
  expect(read.status).toBe(200);
  expect(((await jsonBody(read)) as { id: string }).id).toBe(id);
  const listed = (await jsonBody(await fetch(`${runner.url}${path}?$count=true`, { headers: auth }))) as { '@odata.count': number };
  expect(listed['@odata.count']).toBe(1);
  // One token for every request: kept until shortly before it expires.
  expect(tokenRequests).toHaveLength(1);
  expect(tokenRequests[0]).toEqual({ resource: 'https://storage.azure.com', header: 'identity-header-of-this-test' });
});
