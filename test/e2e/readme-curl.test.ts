import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { APP_ROOT, startRunnerProcess, type RunnerProcess } from '../helpers/runner';

// The README's shell examples that call the API, run as pasted (by bash, with the real curl) against a
// fresh server; only the documented address is replaced by the test server's.

const README_ORIGIN = 'http://127.0.0.1:7071';

function curlBlocks(): string[] {
  const readme = readFileSync(path.join(APP_ROOT, 'README.md'), 'utf8');
  return [...readme.matchAll(/```bash\n([\s\S]*?)```/g)]
    .map((m) => m[1]!)
    .filter((block) => /\bcurl\b/.test(block) && block.includes(README_ORIGIN));
}

let runner: RunnerProcess;
beforeAll(async () => {
  runner = await startRunnerProcess();
});
afterAll(async () => {
  await runner?.stop();
});

it('the README has curl examples', () => {
  expect(curlBlocks().length).toBeGreaterThanOrEqual(2);
});

it.each(curlBlocks().map((block) => [block.split('\n')[0]!.slice(0, 80), block]))('runs as pasted: %s', (_label, block) => {
  const script = block.split(README_ORIGIN).join(runner.url);
  const run = spawnSync('bash', ['-e', '-c', script], { encoding: 'utf8', timeout: 60_000 });
  expect({ exit: run.status, stderr: run.status === 0 ? '' : run.stderr }).toEqual({ exit: 0, stderr: '' });
  if (block.includes('/__admin/requests')) {
    // A worked test: it asserts on the journal itself and says PASS with what it saw, as the README shows.
    const shown = /^# (PASS .*)$/m.exec(block)![1]!;
    expect(run.stdout.trim()).toBe(shown);
    return;
  }
  const statuses = [...run.stdout.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
  expect(statuses.length).toBeGreaterThan(0);
  // The last answer is the documented success; with x-mock-error-count N, exactly N failures came first.
  expect(statuses[statuses.length - 1]).toBeGreaterThanOrEqual(200);
  expect(statuses[statuses.length - 1]).toBeLessThan(300);
  const forced = /x-mock-error-count: (\d+)/.exec(block);
  expect(statuses.length - 1).toBe(forced ? Number(forced[1]) : 0);
});
