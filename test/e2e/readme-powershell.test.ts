import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pwshPath, runPowerShell } from '../helpers/pwsh';
import { APP_ROOT, startRunnerProcess, type RunnerProcess } from '../helpers/runner';
import { createTestCertificate, type TestCertificate } from '../helpers/tls';

// The PowerShell 7 examples of the docs, run as pasted by a real pwsh against fresh servers (the https
// one against the server in its https mode); only the documented address is replaced by the test server's.

const HTTP_ORIGIN = 'http://127.0.0.1:7071';
const HTTPS_ORIGIN = 'https://127.0.0.1:7071';

function powershellBlocks(page: string): string[] {
  const text = readFileSync(path.join(APP_ROOT, page), 'utf8');
  return [...text.matchAll(/```powershell\n([\s\S]*?)```/g)].map((m) => m[1]!);
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

it('docs/api.md has its https example and docs/mock-controls.md its retry loop', () => {
  expect(powershellBlocks('docs/api.md').filter((b) => b.includes(HTTPS_ORIGIN))).toHaveLength(1);
  expect(powershellBlocks('docs/mock-controls.md').filter((b) => b.includes(HTTP_ORIGIN))).toHaveLength(1);
});

it('the https example creates an assignment with -Authentication Bearer', async () => {
  const block = powershellBlocks('docs/api.md').find((b) => b.includes(HTTPS_ORIGIN))!;
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
  const block = powershellBlocks('docs/mock-controls.md').find((b) => b.includes(HTTP_ORIGIN))!;
  const run = await runPowerShell(pwsh, block.split(HTTP_ORIGIN).join(plain.url));
  expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
  expect(run.stdout).toMatch(/^Attempt 3 answered 201, mock attempt 3, id [0-9a-f-]{36}$/m);
}, 60_000);
