import { startRunnerProcess, type RunnerProcess } from '../helpers/runner';

// OData key syntax addresses what the slash form does; MOCK_PROFILE=intune answers as the live Intune
// service was seen to (docs/profiles.md). Over HTTP, as a client sends them.

const auth = { Authorization: 'Bearer e2e-token' };
const json = { ...auth, 'Content-Type': 'application/json' };
const body = JSON.stringify({ target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' } });
const slash = (cfg: string) => `/beta/deviceManagement/deviceEnrollmentConfigurations/${cfg}/assignments`;
const keyed = (cfg: string) => `/beta/deviceManagement/deviceEnrollmentConfigurations('${cfg}')/assignments`;

describe('key syntax', () => {
  let runner: RunnerProcess;
  beforeAll(async () => {
    runner = await startRunnerProcess();
  });
  afterAll(async () => {
    await runner?.stop();
  });

  it('reaches the same collection and items as the slash form, on both paths', async () => {
    const created = await fetch(`${runner.url}${keyed('cfg-keyed')}`, { method: 'POST', headers: json, body });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const viaSlash = await fetch(`${runner.url}${slash('cfg-keyed')}/${id}`, { headers: auth });
    expect(viaSlash.status).toBe(200);
    const viaKey = await fetch(`${runner.url}${keyed('cfg-keyed')}('${id}')`, { headers: auth });
    expect(viaKey.status).toBe(200);
    expect(((await viaKey.json()) as { id: string }).id).toBe(id);
    const invitation = `/beta/invitations('inv-1')/invitedUser/deviceEnrollmentConfigurations('cfg-keyed')/assignments/$count`;
    const count = await fetch(`${runner.url}${invitation}`, { headers: auth });
    expect([count.status, await count.text()]).toEqual([200, '1']);
    const deleted = await fetch(`${runner.url}${keyed('cfg-keyed')}('${id}')`, { method: 'DELETE', headers: auth });
    expect(deleted.status).toBe(204);
  });

  it("reads '' inside the quotes as one ', and percent-escapes as the slash form does", async () => {
    const created = await fetch(`${runner.url}/beta/deviceManagement/deviceEnrollmentConfigurations('it''s%20mine')/assignments`, {
      method: 'POST',
      headers: json,
      body,
    });
    expect(created.status).toBe(201);
    const list = await fetch(`${runner.url}${slash("it's%20mine")}`, { headers: auth });
    expect(((await list.json()) as { value: unknown[] }).value).toHaveLength(1);
  });
});

describe('MOCK_PROFILE=intune', () => {
  let runner: RunnerProcess;
  /** A configuration the tenant has: under this profile, assignments need one (MOCK_REQUIRE_CONFIGURATION). */
  let cfg: string;
  beforeAll(async () => {
    runner = await startRunnerProcess({ MOCK_PROFILE: 'intune' });
    const created = await fetch(`${runner.url}/beta/deviceManagement/deviceEnrollmentConfigurations`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ '@odata.type': '#microsoft.graph.windows10EnrollmentCompletionPageConfiguration' }),
    });
    cfg = ((await created.json()) as { id: string }).id;
  });
  afterAll(async () => {
    await runner?.stop();
  });

  it("refuses POST on the collection with Intune's routing error, in Graph's envelope, and stores nothing", async () => {
    const refused = await fetch(`${runner.url}${slash(cfg)}`, { method: 'POST', headers: json, body });
    expect(refused.status).toBe(400);
    const error = ((await refused.json()) as { error: { code: string; message: string; innerError: object } }).error;
    expect(error.code).toBe('No method match route template');
    expect(error.message).toBe(
      `No OData route exists that match template ~/singleton/navigation/key/navigation with http verb POST for request /StatelessOnboardingService/deviceManagement/deviceEnrollmentConfigurations('${cfg}')/assignments.`,
    );
    const list = await fetch(`${runner.url}${slash(cfg)}`, { headers: auth });
    expect(((await list.json()) as { value: unknown[] }).value).toHaveLength(0);
    // A configuration the tenant does not have is Graph's 404 under this profile.
    expect((await fetch(`${runner.url}${slash('cfg-intune')}`, { headers: auth })).status).toBe(404);
  });

  it('lets the assign action write, reads work, and DELETE on an item is refused', async () => {
    const assign = await fetch(`${runner.url}/beta/deviceManagement/deviceEnrollmentConfigurations/${cfg}/assign`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({
        enrollmentConfigurationAssignments: [{ target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' } }],
      }),
    });
    expect(assign.status).toBe(204);
    const list = (await (await fetch(`${runner.url}${slash(cfg)}`, { headers: auth })).json()) as { value: Array<{ id: string }> };
    expect(list.value).toHaveLength(1);
    const id = list.value[0]!.id;
    const deleted = await fetch(`${runner.url}${slash(cfg)}/${id}`, { method: 'DELETE', headers: auth });
    expect(deleted.status).toBe(400);
    expect(((await deleted.json()) as { error: { message: string } }).error.message).toContain(
      `template ~/singleton/navigation/key/navigation/key with http verb DELETE for request /StatelessOnboardingService/deviceManagement/deviceEnrollmentConfigurations('${cfg}')/assignments('${id}').`,
    );
    expect((await fetch(`${runner.url}${slash(cfg)}/${id}`, { headers: auth })).status).toBe(200);
  });
});
