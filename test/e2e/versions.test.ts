import { jsonBody } from '../helpers/requests';
import { parseCsdl, resolveContext } from '../helpers/metadata';
import { startRunnerProcess, type RunnerProcess } from '../helpers/runner';

// v1.0 and $metadata over real HTTP through the local runner (the compiled app, as the worker loads it).

let runner: RunnerProcess;
beforeAll(async () => {
  runner = await startRunnerProcess();
});
afterAll(async () => {
  await runner?.stop();
});

const auth = { Authorization: 'Bearer e2e-token' };

describe('v1.0 and $metadata over HTTP', () => {
  it('a v1.0 client creates and reads; a beta write shows without beta-only properties; the context resolves in /v1.0/$metadata', async () => {
    const base = `${runner.url}/v1.0/deviceManagement/deviceEnrollmentConfigurations/cfg-e2e-v1/assignments`;
    const refused = await fetch(base, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' }, source: 'direct' }),
    });
    expect(refused.status).toBe(400);
    expect((await jsonBody(refused)).error.message).toContain(
      "The property 'source' does not exist on type 'microsoft.graph.enrollmentConfigurationAssignment'",
    );

    const viaBeta = await fetch(`${runner.url}/beta/deviceManagement/deviceEnrollmentConfigurations/cfg-e2e-v1/assignments`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        target: {
          '@odata.type': '#microsoft.graph.groupAssignmentTarget',
          groupId: 'g',
          deviceAndAppManagementAssignmentFilterType: 'exclude',
        },
        source: 'policySets',
      }),
    });
    expect(viaBeta.status).toBe(201);
    const id = (await jsonBody(viaBeta)).id;
    const read = await fetch(`${base}/${id}`, { headers: auth });
    expect(read.status).toBe(200);
    const body = await jsonBody(read);
    expect(body.target).toEqual({ '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: 'g' });
    expect(body).not.toHaveProperty('source');

    // $metadata needs no token, as Graph's.
    const metadata = await fetch(`${runner.url}/v1.0/$metadata`);
    expect(metadata.status).toBe(200);
    expect(metadata.headers.get('content-type')).toBe('application/xml');
    const csdl = parseCsdl(await metadata.text());
    expect(body['@odata.context']).toBe(
      `${runner.url}/v1.0/$metadata#deviceManagement/deviceEnrollmentConfigurations('cfg-e2e-v1')/assignments/$entity`,
    );
    expect(resolveContext(csdl, body['@odata.context'])).toBe('enrollmentConfigurationAssignment');
  });

  it('GET /beta/$metadata answers the CSDL the beta contexts point at, including the invitation path', async () => {
    const response = await fetch(`${runner.url}/beta/$metadata`);
    expect(response.status).toBe(200);
    const csdl = parseCsdl(await response.text());
    expect(resolveContext(csdl, "#invitations('i')/invitedUser/deviceEnrollmentConfigurations('c')/assignments")).toBe(
      'enrollmentConfigurationAssignment',
    );
  });
});
