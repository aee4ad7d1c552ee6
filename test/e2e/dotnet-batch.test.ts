import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startRunnerProcess, type RunnerProcess } from '../helpers/runner';

// The .NET Graph SDK (Microsoft.Graph 6.10.0, restored from NuGet) sends its own batch
// (BatchRequestContentCollection) and Assignments.Count to the mock over real HTTP.

const PROJECT = path.resolve(__dirname, '..', 'dotnet', 'BatchClient');
let runner: RunnerProcess;
let out: string;

beforeAll(async () => {
  out = mkdtempSync(path.join(tmpdir(), 'dotnet-batch-'));
  execFileSync('dotnet', ['build', PROJECT, '-c', 'Release', '-o', out, '-nologo', '-v', 'q'], { stdio: 'pipe', timeout: 240_000 });
  runner = await startRunnerProcess();
}, 300_000);
afterAll(async () => {
  await runner?.stop();
  rmSync(out, { recursive: true, force: true });
});

it("the SDK's BatchRequestContentCollection gets each step's own status, and Assignments.Count reads the number", () => {
  const cfg = `dotnet-${Date.now()}`;
  const printed = execFileSync('dotnet', [path.join(out, 'BatchClient.dll'), runner.url, cfg], { encoding: 'utf8', timeout: 60_000 });
  const result = JSON.parse(printed.trim().split('\n').pop()!) as Record<string, unknown>;
  expect(result).toEqual({
    createStatus: 201,
    missingStatus: 404,
    createdId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    groupId: '00000000-0000-0000-0000-000000000001',
    count: 1,
  });
}, 90_000);
