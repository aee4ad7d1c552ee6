import { TableClient } from '@azure/data-tables';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SUCCESS_CONTENT_TYPE } from '../../src/graph/response';
import { freePort, startAzurite } from '../../dev/azurite';
import { collectionPath, documentExample, GUID, jsonBody } from '../helpers/requests';
import { startRunnerProcess, type RunnerProcess } from '../helpers/runner';

// End to end: real HTTP to the local runner process, which loads the compiled app as the worker does.

let runner: RunnerProcess;
beforeAll(async () => {
  runner = await startRunnerProcess();
});
afterAll(async () => {
  await runner?.stop();
});

const auth = { Authorization: 'Bearer e2e-token' };
const create = (base: string, body: unknown = documentExample(), headers: Record<string, string> = {}) =>
  fetch(`${base}${collectionPath('cfg-e2e')}`, {
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

const table = () =>
  TableClient.fromConnectionString(process.env.ASSIGNMENTS_STORAGE!, process.env.ASSIGNMENTS_TABLE!, {
    allowInsecureConnection: true,
  });

describe('over HTTP through the local runner', () => {
  it('creates an assignment: 201, Graph headers, Location, body', async () => {
    const response = await create(runner.url, documentExample(), { 'client-request-id': 'e2e-1' });
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toBe(SUCCESS_CONTENT_TYPE);
    expect(response.headers.get('client-request-id')).toBe('e2e-1');
    expect(response.headers.get('request-id')).toMatch(GUID);
    const body = await jsonBody(response);
    expect(body['@odata.context']).toBe(
      `${runner.url}/beta/$metadata#invitations('inv-1')/invitedUser/deviceEnrollmentConfigurations('cfg-e2e')/assignments/$entity`,
    );
    expect(body.sourceId).toBe('Source Id value');
    expect(response.headers.get('location')).toBe(`${runner.url}${collectionPath('cfg-e2e')}/${body.id}`);
  });

  it('answers the original example verbatim with 400 naming source', async () => {
    const response = await create(runner.url, { ...documentExample(), source: 'String' });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/json');
    const body = await jsonBody(response);
    expect(body.error.code).toBe('BadRequest');
    expect(body.error.message).toContain("'source'");
  });

  it('answers an unknown path with the Graph 400 for the segment and a wrong method with 405 + Allow', async () => {
    const missing = await fetch(`${runner.url}/beta/deviceManagement/somethingElse`, { headers: auth });
    expect(missing.status).toBe(400);
    expect((await jsonBody(missing)).error.code).toBe('BadRequest');
    const wrong = await fetch(`${runner.url}${collectionPath('cfg-e2e')}`, { method: 'PUT', headers: auth });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toContain('POST');
    expect((await jsonBody(wrong)).error.code).toBe('MethodNotAllowed');
  });

  it('matches literal segments case-insensitively, as Graph and the host do', async () => {
    const response = await fetch(`${runner.url}/BETA/Invitations/i/InvitedUser/DeviceEnrollmentConfigurations/cfg-e2e/Assignments`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify(documentExample()),
    });
    expect(response.status).toBe(201);
  });

  it('answers a path id with an encoded / or # with 400, not a storage error', async () => {
    for (const id of ['a%2Fb', 'a%23b', 'a%3Fb', 'a%5Cb', 'a%00b']) {
      const response = await fetch(`${runner.url}/beta/invitations/i/invitedUser/deviceEnrollmentConfigurations/${id}/assignments`, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/json' },
        body: JSON.stringify(documentExample()),
      });
      expect(response.status).toBe(400);
      // Kestrel, in front of the genuine host, refuses a path with an encoded NUL itself (400, empty body)
      // before any function runs; the app cannot answer that one, and the runner copies the host.
      if (id === 'a%00b') {
        expect(await response.text()).toBe('');
        continue;
      }
      expect((await jsonBody(response)).error.message).toContain("'deviceEnrollmentConfigurationId'");
    }
  });

  it('refuses a 5 MiB body with 413', async () => {
    const response = await create(runner.url, { ...documentExample(), sourceId: 'x'.repeat(5 * 1024 * 1024) });
    expect(response.status).toBe(413);
    expect((await jsonBody(response)).error.code).toBe('RequestEntityTooLarge');
  });

  it('answers 401 without a token and 200 on /health without one', async () => {
    const response = await fetch(`${runner.url}${collectionPath()}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(
      /^Bearer realm="", authorization_uri="https:\/\/login.microsoftonline.com\/common\/oauth2\/authorize", client_id="00000003-0000-0000-c000-000000000000"$/,
    );
    const healthy = await fetch(`${runner.url}/health`);
    expect(healthy.status).toBe(200);
    expect(await jsonBody(healthy)).toEqual({ status: 'ok' });
  });

  it('serves its OpenAPI document with the request origin as the server', async () => {
    const response = await fetch(`${runner.url}/openapi.json`);
    expect(response.status).toBe(200);
    const doc = await jsonBody(response);
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers).toEqual([{ url: runner.url }]);
  });

  it('keeps what it stored across a restart of the runner', async () => {
    const { id } = await jsonBody(await create(runner.url));
    await runner.stop();
    runner = await startRunnerProcess();
    const entity = await table().getEntity('cfg-e2e', id);
    expect(entity.sourceId).toBe('Source Id value');
    expect((await create(runner.url)).status).toBe(201);
  });
});

describe('persistence in an Azurite data folder (what npm start uses)', () => {
  it('keeps an acknowledged assignment across an Azurite restart', async () => {
    const location = mkdtempSync(path.join(tmpdir(), 'azurite-'));
    const tablePort = await freePort();
    try {
      let azurite = await startAzurite({ tablePort, location });
      const app = await startRunnerProcess({ ASSIGNMENTS_STORAGE: azurite.connectionString });
      const { id } = await jsonBody(await create(app.url));
      await app.stop();
      await azurite.stop();
      azurite = await startAzurite({ tablePort, location });
      const client = TableClient.fromConnectionString(azurite.connectionString, process.env.ASSIGNMENTS_TABLE!, {
        allowInsecureConnection: true,
      });
      expect((await client.getEntity('cfg-e2e', id)).sourceId).toBe('Source Id value');
      await azurite.stop();
    } finally {
      rmSync(location, { recursive: true, force: true });
    }
  }, 90_000); // two Azurite starts and a runner start: slow on a loaded 2-core machine, not a hang
});

describe('the deployment package (dist/package, what azd deploys)', () => {
  it('serves the same API from the esbuild bundle', async () => {
    const bundled = await startRunnerProcess({ RUNNER_APP_ROOT: path.join(__dirname, '..', '..', 'dist', 'package') });
    try {
      const response = await create(bundled.url);
      expect(response.status).toBe(201);
      expect((await jsonBody(response)).target['@odata.type']).toBe('#microsoft.graph.deviceAndAppManagementAssignmentTarget');
      const invalid = await create(bundled.url, { target: {} });
      expect(invalid.status).toBe(400);
      expect((await fetch(`${bundled.url}/nowhere`)).status).toBe(400);
    } finally {
      await bundled.stop();
    }
  });

  it('loads its managed-identity chunk for identity-based storage, and with no identity here answers 503', async () => {
    // No managed identity endpoint exists on this machine: the point is that identity.js loads from the
    // package and the failure to get a token is Graph's 503 with Retry-After, not a crash or a 500.
    const bundled = await startRunnerProcess({
      RUNNER_APP_ROOT: path.join(__dirname, '..', '..', 'dist', 'package'),
      ASSIGNMENTS_STORAGE: '',
      ASSIGNMENTS_STORAGE__tableServiceUri: 'https://127.0.0.1:1/',
      ASSIGNMENTS_STORAGE__credential: 'managedidentity',
    });
    try {
      const response = await fetch(`${bundled.url}/health`);
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
      expect((await jsonBody(response)).error.code).toBe('ServiceUnavailable');
    } finally {
      await bundled.stop();
    }
  });
});
