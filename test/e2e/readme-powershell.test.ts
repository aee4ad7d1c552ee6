import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pwshPath, runPowerShell } from '../helpers/pwsh';
import { APP_ROOT, startRunnerProcess, type RunnerProcess } from '../helpers/runner';
import { createTestCertificate, type TestCertificate } from '../helpers/tls';

// The README's PowerShell 7 examples, run as pasted by a real pwsh against fresh servers (the https one
// against the server in its https mode); only the documented address is replaced by the test server's.

const HTTP_ORIGIN = 'http://127.0.0.1:7071';
const HTTPS_ORIGIN = 'https://127.0.0.1:7071';

function powershellBlocks(): string[] {
  const readme = readFileSync(path.join(APP_ROOT, 'README.md'), 'utf8');
  return [...readme.matchAll(/```powershell\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

let pwsh: string;
let plain: RunnerProcess;
let secure: RunnerProcess;
let cert: TestCertificate;
beforeAll(async () => {
  pwsh = pwshPath();
  cert = createTestCertificate();
  [plain, secure] = await Promise.all([
    startRunnerProcess(),
    startRunnerProcess({ RUNNER_TLS_CERT: cert.certFile, RUNNER_TLS_KEY: cert.keyFile }),
  ]);
}, 240_000);
afterAll(async () => {
  await Promise.all([plain?.stop(), secure?.stop()]);
  cert?.remove();
});

/** The retry loop; the configurations session, also over http, is run by readme-powershell-configurations.test.ts. */
const retryBlock = () => powershellBlocks().find((b) => b.includes(HTTP_ORIGIN) && b.includes('x-mock-error'))!;

it('the README has its PowerShell examples: one over https, the retry loop over http', () => {
  const blocks = powershellBlocks();
  expect(blocks.filter((b) => b.includes(HTTPS_ORIGIN))).toHaveLength(1);
  expect(blocks.filter((b) => b.includes(HTTP_ORIGIN) && b.includes('x-mock-error'))).toHaveLength(1);
});

it('the https example creates an assignment with -Authentication Bearer', async () => {
  const block = powershellBlocks().find((b) => b.includes(HTTPS_ORIGIN))!;
  const run = await runPowerShell(pwsh, block.split(HTTPS_ORIGIN).join(secure.url));
  expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
  const id = /^created (\S+)$/m.exec(run.stdout)?.[1];
  expect(id).toMatch(/^[0-9a-f-]{36}$/);
  const stored = await fetch(`${plain.url}/beta/deviceManagement/deviceEnrollmentConfigurations/demo-configuration/assignments/${id}`, {
    headers: { authorization: 'Bearer dev-token' },
  });
  expect(stored.status).toBe(200);
}, 60_000);

it('the retry loop gets 201 on the third attempt, after two 429s with Retry-After', async () => {
  const run = await runPowerShell(pwsh, retryBlock().split(HTTP_ORIGIN).join(plain.url));
  expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
  expect(run.stdout).toMatch(/^Attempt 3 answered 201, id [0-9a-f-]{36}$/m);
}, 60_000);
