import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { collectionPath, documentExample } from '../helpers/requests';
import { killLeftOver, startNpm, waitUntilGone, type NpmStart } from '../helpers/npm-start';

// Every ordinary way of stopping `npm start`, each right after a write was answered 201, must
// stop everything within a few seconds, leave no process, and keep that write. The runs share one data
// folder: each start first reads back the write of the run before it, so every stop is followed by a
// restart that proves its write survived (and one last start checks the last one).

jest.setTimeout(240_000);

type Stop = { name: string; stop(run: NpmStart): void };

const group = (signal: NodeJS.Signals) => (run: NpmStart) => process.kill(-run.pgid, signal);
const STOPS: Stop[] = [
  // Ctrl-C in a terminal: SIGINT to the whole foreground process group. Five times: the race it used to
  // lose (a second SIGINT reaching Azurite before it had saved) did not lose every time.
  ...[1, 2, 3, 4, 5].map((i) => ({ name: `Ctrl-C (SIGINT to the group) #${i}`, stop: group('SIGINT') })),
  { name: 'terminal closed (SIGHUP to the group)', stop: group('SIGHUP') },
  { name: 'docker stop / systemd (SIGTERM to the group)', stop: group('SIGTERM') },
  { name: 'an IDE stopping npm (SIGTERM to npm only)', stop: (run) => process.kill(run.pgid, 'SIGTERM') },
  { name: 'SIGTERM to start.js only', stop: (run) => process.kill(run.startPid, 'SIGTERM') },
  { name: 'SIGINT to Azurite only', stop: (run) => process.kill(run.azuritePid, 'SIGINT') },
  { name: 'the start process killed (SIGKILL to start.js)', stop: (run) => process.kill(run.startPid, 'SIGKILL') },
];

let location: string;
let current: NpmStart | undefined;
const figures: string[] = [];

beforeAll(() => {
  location = mkdtempSync(path.join(tmpdir(), 'npm-start-data-'));
});

afterEach(() => killLeftOver(current));

afterAll(() => {
  rmSync(location, { recursive: true, force: true });
  console.log(`npm start, stopped each way right after a 201:\n${figures.join('\n')}`);
});

const headers = { Authorization: 'Bearer stop-test', 'Content-Type': 'application/json' };
const collection = (i: number) => collectionPath(`cfg-stopping-${i}`);

describe('stopping npm start', () => {
  it.each(STOPS.map((s, i) => [s.name, i] as const))('%s: stops everything, leaves no process, keeps the write', async (name, i) => {
    const run = (current = await startNpm({ location }));
    if (i > 0) {
      // The write of the run before, stopped the way that run was: still there after this restart.
      const previous = await fetch(`${run.url}${collection(i - 1)}`, { headers });
      expect(previous.status).toBe(200);
      expect(((await previous.json()) as { value: unknown[] }).value).toHaveLength(1);
    }
    const created = await fetch(`${run.url}${collection(i)}`, { method: 'POST', headers, body: JSON.stringify(documentExample()) });
    expect(created.status).toBe(201);
    STOPS[i]!.stop(run);
    const { ms, left } = await waitUntilGone(run, 15_000);
    figures.push(`  ${name}: ready in ${run.readyMs} ms; everything gone ${ms} ms after the signal`);
    expect(left.map((p) => `${p.pid} ${p.args}`)).toEqual([]);
    expect(ms).toBeLessThan(10_000);
  });

  it('a start after the last stop still has the last write', async () => {
    const run = (current = await startNpm({ location }));
    const last = await fetch(`${run.url}${collection(STOPS.length - 1)}`, { headers });
    expect(last.status).toBe(200);
    expect(((await last.json()) as { value: unknown[] }).value).toHaveLength(1);
    process.kill(-run.pgid, 'SIGINT');
    expect((await waitUntilGone(run, 15_000)).left).toEqual([]);
  });
});
