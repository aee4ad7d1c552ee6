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

it('the README has its curl examples: the defaults, a configuration assigned, a worked test', () => {
  const blocks = curlBlocks();
  expect(blocks).toHaveLength(3);
  expect(blocks.filter((b) => b.includes('$select=id,displayName,priority'))).toHaveLength(1);
  expect(blocks.filter((b) => b.includes('$expand=assignments'))).toHaveLength(1);
  expect(blocks.filter((b) => b.includes('/__admin/requests'))).toHaveLength(1);
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
  // Every answer a success but the failures asked for: with x-mock-error-count N, exactly N came first.
  const forced = /x-mock-error-count: (\d+)/.exec(block);
  expect(statuses.filter((s) => s >= 300)).toHaveLength(forced ? Number(forced[1]) : 0);
  expect(statuses[statuses.length - 1]).toBeGreaterThanOrEqual(200);
  expect(statuses[statuses.length - 1]).toBeLessThan(300);
  // What the quick start shows: the last answer's body.
  const shown = run.stdout.slice(run.stdout.lastIndexOf('\r\n\r\n') + 4);
  if (block.includes('$select=id,displayName,priority')) {
    const { value } = JSON.parse(shown) as { value: Array<Record<string, unknown>> };
    expect(value).toHaveLength(5);
    for (const c of value) expect(Object.keys(c).sort()).toEqual(['@odata.etag', '@odata.type', 'displayName', 'id', 'priority']);
  }
  if (block.includes('$expand=assignments')) {
    expect(JSON.parse(shown)).toMatchObject({
      displayName: 'Five devices',
      limit: 5,
      assignments: [{ target: { groupId: '00000000-0000-0000-0000-000000000001' } }],
    });
  }
});
