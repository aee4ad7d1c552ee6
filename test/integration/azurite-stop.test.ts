import { TableClient } from '@azure/data-tables';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, startAzurite, type RunningAzurite } from '../../dev/azurite';

// The Azurite that `npm start` runs answers a write before it is on disk (a crash loses the last
// seconds: docs/local-server.md), so every orderly stop must save what it answered. Each way of asking
// it to stop comes right after a write's answer; after a restart on the same folder the write is there.
// (test/e2e/stopping.test.ts does the same through `npm start` and a terminal's signals.)

let work: string;
beforeAll(() => (work = mkdtempSync(path.join(tmpdir(), 'azurite-stop-'))));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const table = (azurite: RunningAzurite) =>
  TableClient.fromConnectionString(azurite.connectionString, 'stops', { allowInsecureConnection: true });

const ways: Array<[string, (azurite: RunningAzurite) => void | Promise<void>]> = [
  ['asked over IPC (what npm start does)', (azurite) => azurite.stop()],
  ['SIGINT twice (a terminal and a starter both)', (azurite) => void (azurite.process.kill('SIGINT'), azurite.process.kill('SIGINT'))],
  ['SIGTERM', (azurite) => void azurite.process.kill('SIGTERM')],
  ['SIGHUP', (azurite) => void azurite.process.kill('SIGHUP')],
];

it.each(ways)('a write answered just before an orderly stop, %s, is there after a restart', async (way, stop) => {
  const location = path.join(work, way.replace(/\W+/g, '-'));
  const first = await startAzurite({ tablePort: await freePort(), location });
  try {
    await table(first).createTable();
    await table(first).createEntity({ partitionKey: 'p', rowKey: 'answered', way });
    await stop(first);
    await first.exited;
  } finally {
    await first.stop();
  }
  const second = await startAzurite({ tablePort: await freePort(), location });
  try {
    expect(await table(second).getEntity('p', 'answered')).toMatchObject({ way });
  } finally {
    await second.stop();
  }
});
