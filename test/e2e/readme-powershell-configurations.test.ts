import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pwshPath, runPowerShell } from '../helpers/pwsh';
import { APP_ROOT, startRunnerProcess, type RunnerProcess } from '../helpers/runner';

// The README's PowerShell 7 session with configurations, run as pasted by a real pwsh (only the documented
// address replaced by the test server's), twice: in a fresh tenant, where it creates the page, and after
// another page took first place, where it finds its page by display name and raises it again. Then the
// stored state is read over HTTP. Plain http, so it runs the same under the runner and the genuine host.

const ORIGIN = 'http://127.0.0.1:7071';
const NAME = 'Pilot Enrollment Status Page';
const GROUP = '00000000-0000-0000-0000-000000000001';
const ESP_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}_Windows10EnrollmentCompletionPageConfiguration$/;

/** The README's configurations block: the PowerShell block that calls setPriority. */
function configurationsBlock(): string {
  const readme = readFileSync(path.join(APP_ROOT, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```powershell\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((b) => b.includes('/setPriority'));
  expect(blocks).toHaveLength(1);
  return blocks[0]!;
}

let pwsh: string;
let server: RunnerProcess;
beforeAll(async () => {
  pwsh = pwshPath();
  server = await startRunnerProcess();
}, 240_000);
afterAll(async () => {
  await server?.stop();
});

const collection = () => `${server.url}/beta/deviceManagement/deviceEnrollmentConfigurations`;

async function graph(method: string, url: string, body?: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(url, {
    method,
    headers: { authorization: 'Bearer dev-token', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined };
}

/** The tenant's Enrollment Status Pages other than the default, in priority order, as stored. */
async function statusPages(): Promise<{ id: string; displayName: string; priority: number }[]> {
  const { status, json } = await graph(
    'GET',
    `${collection()}?$filter=${encodeURIComponent("isof('microsoft.graph.windows10EnrollmentCompletionPageConfiguration')")}&$orderby=priority`,
  );
  expect(status).toBe(200);
  return json.value.filter((c: any) => c.priority > 0).map((c: any) => ({ id: c.id, displayName: c.displayName, priority: c.priority }));
}

async function runBlock(): Promise<string[]> {
  const run = await runPowerShell(pwsh, configurationsBlock().split(ORIGIN).join(server.url));
  expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
  return run.stdout.trimEnd().split(/\r?\n/);
}

it('the block uses the documented address and the dev token, and shows what it prints', () => {
  const block = configurationsBlock();
  expect(block).toContain(`'${ORIGIN}/beta/deviceManagement/deviceEnrollmentConfigurations'`);
  expect(block).toContain("Authorization = 'Bearer dev-token'");
  expect(block).toContain(`# ${NAME}: priority 1, version 2, assigned to ${GROUP}`);
});

let pilotId: string;

it('in a fresh tenant it creates the page at priority 1, assigns it and prints what the README says', async () => {
  const printed = await runBlock();
  expect(printed).toHaveLength(2);
  const created = /^Created (\S+) at priority 1$/.exec(printed[0]!);
  expect(created?.[1]).toMatch(ESP_ID);
  pilotId = created![1]!;
  // No setPriority: it is first already, and Intune refuses a priority a configuration already has.
  expect(`# ${printed[1]}`).toBe(/^# Pilot Enrollment Status Page: .*$/m.exec(configurationsBlock())![0]);

  const stored = await graph('GET', `${collection()}/${pilotId}?$expand=assignments`);
  expect(stored.status).toBe(200);
  expect(stored.json).toMatchObject({
    '@odata.type': '#microsoft.graph.windows10EnrollmentCompletionPageConfiguration',
    displayName: NAME,
    showInstallationProgress: true,
    installProgressTimeoutInMinutes: 90,
    customErrorMessage: 'Setup is taking longer than expected. Contact the help desk.',
    priority: 1,
    version: 2,
  });
  expect(stored.json.assignments).toHaveLength(1);
  expect(stored.json.assignments[0].target).toEqual({
    '@odata.type': '#microsoft.graph.groupAssignmentTarget',
    groupId: GROUP,
    deviceAndAppManagementAssignmentFilterId: null,
    deviceAndAppManagementAssignmentFilterType: 'none',
  });
}, 90_000);

it('run again after another page took first place, it finds its page by display name and raises it back to 1', async () => {
  const kiosk = await graph('POST', collection(), {
    '@odata.type': '#microsoft.graph.windows10EnrollmentCompletionPageConfiguration',
    displayName: 'Kiosk Enrollment Status Page',
  });
  expect(kiosk.status).toBe(201);
  expect((await graph('POST', `${collection()}/${kiosk.json.id}/setPriority`, { priority: 1 })).status).toBe(204);
  expect(await statusPages()).toEqual([
    { id: kiosk.json.id, displayName: 'Kiosk Enrollment Status Page', priority: 1 },
    { id: pilotId, displayName: NAME, priority: 2 },
  ]);

  const printed = await runBlock();
  expect(printed).toEqual([
    `Found ${pilotId} at priority 2`,
    'Raised from priority 2 to 1',
    // assign and setPriority each moved its version.
    `${NAME}: priority 1, version 4, assigned to ${GROUP}`,
  ]);

  // Stored: one pilot page (found, not created again), first; the kiosk page closed up behind it.
  expect(await statusPages()).toEqual([
    { id: pilotId, displayName: NAME, priority: 1 },
    { id: kiosk.json.id, displayName: 'Kiosk Enrollment Status Page', priority: 2 },
  ]);
  // assign replaced the set: still the one group.
  const assignments = await graph('GET', `${collection()}/${pilotId}/assignments`);
  expect(assignments.json.value.map((a: any) => a.target.groupId)).toEqual([GROUP]);
}, 90_000);
