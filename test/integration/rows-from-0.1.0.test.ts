import { TableClient } from '@azure/data-tables';
import { randomUUID } from 'node:crypto';
import { send, testApp } from '../helpers/app';
import { graphRequest, jsonOf } from '../helpers/requests';

// Data written by the 0.1.0 release (the last one deployed): one row per assignment, PartitionKey the
// configuration, RowKey the id, no `gen`, no marker, no counter shards. After an upgrade every such
// row must still be there for every operation, counted once, even when two instances upgrade a
// partition at the same moment.

const table = () =>
  TableClient.fromConnectionString(process.env.ASSIGNMENTS_STORAGE!, process.env.ASSIGNMENTS_TABLE!, { allowInsecureConnection: true });
const path = (cfg: string) => `/beta/deviceManagement/deviceEnrollmentConfigurations/${cfg}/assignments`;
// The default tenant's: rows of earlier releases belong to it.
const app = testApp();

beforeAll(async () => {
  await table().createTable(); // as the app does on first use; a no-op if it exists
});

/** Rows exactly as 0.1.0's toEntity wrote them. */
async function writeAsRelease010(cfg: string, n: number): Promise<string[]> {
  const ids = Array.from({ length: n }, () => randomUUID());
  const rows = ids.map((id, i) => ({
    partitionKey: cfg,
    rowKey: id,
    target: JSON.stringify({ '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: `g-${i}` }),
    targetType: '#microsoft.graph.groupAssignmentTarget',
    targetGroupId: `g-${i}`,
    source: 'direct',
    createdDateTime: new Date(Date.UTC(2026, 10, 28, 12, 0, i % 60)).toISOString(),
  }));
  for (let i = 0; i < rows.length; i += 100) await table().submitTransaction(rows.slice(i, i + 100).map((r) => ['create', r]));
  return ids;
}

const list = async (cfg: string, query: string) => jsonOf(await send(app, graphRequest({ method: 'GET', path: `${path(cfg)}${query}` })));
const count = async (cfg: string) => (await list(cfg, '?$count=true&$top=1'))['@odata.count'] as number;
async function allIds(cfg: string): Promise<string[]> {
  const ids: string[] = [];
  for (let query = '?$top=999'; ;) {
    const body = await list(cfg, query);
    ids.push(...body.value.map((v: { id: string }) => v.id));
    if (!body['@odata.nextLink']) return ids.sort();
    query = `?${new URL(body['@odata.nextLink']).search.slice(1)}`;
  }
}
const item = (method: 'GET' | 'DELETE', cfg: string, id: string) => send(app, graphRequest({ method, path: `${path(cfg)}/${id}` }));
const create = (cfg: string) =>
  send(
    app,
    graphRequest({
      path: path(cfg),
      body: { target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' } },
      headers: { authorization: 'Bearer t' },
    }),
  );

it('a GET of one of its items is the first thing after the upgrade: found, and the list and $count have them all', async () => {
  const cfg = `legacy-get-${randomUUID()}`;
  const ids = await writeAsRelease010(cfg, 7);
  const got = await item('GET', cfg, ids[3]!);
  expect(got.status).toBe(200);
  expect(jsonOf(got).target.groupId).toBe('g-3');
  expect(await allIds(cfg)).toEqual([...ids].sort());
  expect(await count(cfg)).toBe(7);
});

it('$count first, then create and delete: every number stays right', async () => {
  const cfg = `legacy-count-${randomUUID()}`;
  const ids = await writeAsRelease010(cfg, 250);
  expect(await count(cfg)).toBe(250);
  expect((await create(cfg)).status).toBe(201);
  expect((await item('DELETE', cfg, ids[0]!)).status).toBe(204);
  expect((await item('DELETE', cfg, ids[1]!)).status).toBe(204);
  expect(await count(cfg)).toBe(249);
  expect((await allIds(cfg)).length).toBe(249);
});

it('two instances upgrading one partition at once count each row once', async () => {
  const cfg = `legacy-race-${randomUUID()}`;
  await writeAsRelease010(cfg, 120);
  // Handlers in one process share a store, so the second "instance" is storage-level: both paths
  // start from no marker at the same moment (a list and a $count, a create and a GET).
  const [counted, listed, created] = await Promise.all([count(cfg), allIds(cfg), create(cfg), create(cfg)]);
  expect([120, 121, 122]).toContain(counted);
  expect([120, 121, 122]).toContain(listed.length);
  expect(created.status).toBe(201);
  expect(await count(cfg)).toBe(122);
  expect((await allIds(cfg)).length).toBe(122);
});

it('the assign action replaces a set written by 0.1.0 and leaves none of its rows visible', async () => {
  const cfg = `legacy-assign-${randomUUID()}`;
  const ids = await writeAsRelease010(cfg, 30);
  const assigned = await send(
    app,
    graphRequest({
      path: `/beta/deviceManagement/deviceEnrollmentConfigurations/${cfg}/assign`,
      body: {
        enrollmentConfigurationAssignments: [{ target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: 'new' } }],
      },
    }),
  );
  expect(assigned.status).toBe(204);
  expect(await count(cfg)).toBe(1);
  expect((await item('GET', cfg, ids[0]!)).status).toBe(404);
});
