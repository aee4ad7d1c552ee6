import { TableClient, type TransactionAction } from '@azure/data-tables';
import { createHash, randomUUID } from 'node:crypto';
import { send, testApp } from '../helpers/app';
import { graphRequest, jsonOf } from '../helpers/requests';

// Data written by the release before tenants: the same rows this release keeps (a marker `~m`, counter
// shards `~nXX`, idempotency records `~r<sha256>`, assignments with their generation), under a partition
// named by the configuration id alone, which is the default tenant's. Including what that release could
// leave behind: rows of a replaced generation its sweep had not removed yet, and a tombstone.

const table = () =>
  TableClient.fromConnectionString(process.env.ASSIGNMENTS_STORAGE!, process.env.ASSIGNMENTS_TABLE!, { allowInsecureConnection: true });
const path = (cfg: string) => `/beta/deviceManagement/deviceEnrollmentConfigurations/${cfg}/assignments`;
const app = testApp();

beforeAll(async () => {
  await table().createTable();
});

const CURRENT = 'lnx4k2a0q.0a1b2c3d4e5f';
const RETIRED = 'lnx3z9z9z.f5e4d3c2b1a0';

interface Written {
  current: string[];
  retired: string[];
  tombstone: string;
  crid: string;
  recorded: string;
}

/** A partition as that release left it: 4 current rows (counted 2 in the base, 2 in shards), 2 retired, a tombstone, a record. */
async function writeAsPreviousRelease(cfg: string, recordFingerprint = 'some other request'): Promise<Written> {
  const row = (id: string, gen: string, i: number) => ({
    partitionKey: cfg,
    rowKey: id,
    gen,
    target: JSON.stringify({
      '@odata.type': '#microsoft.graph.groupAssignmentTarget',
      deviceAndAppManagementAssignmentFilterId: null,
      deviceAndAppManagementAssignmentFilterType: 'none',
      groupId: `g-${i}`,
    }),
    targetType: '#microsoft.graph.groupAssignmentTarget',
    targetGroupId: `g-${i}`,
    source: 'direct',
    createdDateTime: new Date(Date.UTC(2026, 11, 1, 12, 0, i)).toISOString(),
  });
  const current = Array.from({ length: 4 }, () => randomUUID());
  const retired = Array.from({ length: 2 }, () => randomUUID());
  const tombstone = randomUUID();
  const crid = randomUUID();
  const recorded = current[3]!;
  const ops: TransactionAction[] = [
    ...current.map((id, i): TransactionAction => ['create', row(id, CURRENT, i)]),
    ...retired.map((id, i): TransactionAction => ['create', row(id, RETIRED, 10 + i)]),
    ['create', { partitionKey: cfg, rowKey: tombstone, gen: 'x' }],
    ['create', { partitionKey: cfg, rowKey: '~m', current: CURRENT, base: 2, pending: '[]', retired: JSON.stringify([RETIRED]) }],
    ['create', { partitionKey: cfg, rowKey: '~n07', counted: CURRENT, n: 1 }],
    ['create', { partitionKey: cfg, rowKey: '~n2a', counted: CURRENT, n: 1 }],
    ['create', { partitionKey: cfg, rowKey: '~n30', counted: RETIRED, n: 5 }],
    [
      'create',
      {
        partitionKey: cfg,
        rowKey: `~r${createHash('sha256').update(crid, 'utf8').digest('hex')}`,
        fingerprint: recordFingerprint,
        assignment: JSON.stringify({
          configurationId: cfg,
          id: recorded,
          invitationId: null,
          target: JSON.parse(row(recorded, CURRENT, 3).target) as unknown,
          source: 'direct',
          sourceId: null,
          createdDateTime: row(recorded, CURRENT, 3).createdDateTime,
        }),
        expiresOn: new Date(Date.now() + 3_600_000),
      },
    ],
  ];
  await table().submitTransaction(ops);
  return { current, retired, tombstone, crid, recorded };
}

const get = (cfg: string, id: string) => send(app, graphRequest({ method: 'GET', path: `${path(cfg)}/${id}` }));
async function listIds(cfg: string): Promise<string[]> {
  const body = jsonOf(await send(app, graphRequest({ method: 'GET', path: `${path(cfg)}?$top=999` })));
  return (body.value as Array<{ id: string }>).map((v) => v.id).sort();
}
const count = async (cfg: string) =>
  jsonOf(await send(app, graphRequest({ method: 'GET', path: `${path(cfg)}?$count=true&$top=1` })))['@odata.count'] as number;

it('its current rows are read as they are, and what it left for its sweep is never shown', async () => {
  const cfg = `previous-${randomUUID()}`;
  const w = await writeAsPreviousRelease(cfg);
  // A GET first, on an instance that has never seen the partition.
  expect((await get(cfg, w.retired[0]!)).status).toBe(404);
  expect((await get(cfg, w.current[0]!)).status).toBe(200);
  expect((await get(cfg, w.tombstone)).status).toBe(404);
  expect(await listIds(cfg)).toEqual([...w.current].sort());
  expect(await count(cfg)).toBe(4);
});

it('creates, deletes and assign actions go on from it, counted right', async () => {
  const cfg = `previous-${randomUUID()}`;
  const w = await writeAsPreviousRelease(cfg);
  const created = await send(
    app,
    graphRequest({ path: path(cfg), body: { target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' } } }),
  );
  expect(created.status).toBe(201);
  expect((await send(app, graphRequest({ method: 'DELETE', path: `${path(cfg)}/${w.current[0]!}` }))).status).toBe(204);
  expect((await send(app, graphRequest({ method: 'DELETE', path: `${path(cfg)}/${w.retired[1]!}` }))).status).toBe(404);
  expect(await count(cfg)).toBe(4);
  expect(await listIds(cfg)).toHaveLength(4);
  const assign = path(cfg).replace(/\/assignments$/, '/assign');
  const assigned = await send(
    app,
    graphRequest({
      path: assign,
      body: { enrollmentConfigurationAssignments: [{ target: { '@odata.type': '#microsoft.graph.allLicensedUsersAssignmentTarget' } }] },
    }),
  );
  expect(assigned.status).toBe(204);
  expect(await count(cfg)).toBe(1);
  expect(await listIds(cfg)).toHaveLength(1);
  for (const id of [...w.current, ...w.retired]) expect((await get(cfg, id)).status).toBe(404);
});

/** The fingerprint both releases give a create: its invitation, target, source and sourceId. */
const fingerprint = (target: unknown) =>
  createHash('sha256')
    .update(JSON.stringify([null, target, 'direct', null]), 'utf8')
    .digest('base64');
const TARGET = {
  '@odata.type': '#microsoft.graph.groupAssignmentTarget',
  deviceAndAppManagementAssignmentFilterId: null,
  deviceAndAppManagementAssignmentFilterType: 'none',
  groupId: 'g-3',
};

it('a retry with a client-request-id that release recorded answers what it stored, and stores nothing', async () => {
  const cfg = `previous-${randomUUID()}`;
  const w = await writeAsPreviousRelease(cfg, fingerprint(TARGET));
  const retry = (groupId: string) =>
    send(
      app,
      graphRequest({
        path: path(cfg),
        headers: { 'client-request-id': w.crid },
        body: { target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId } },
      }),
    );
  const same = await retry('g-3');
  expect(same.status).toBe(201);
  expect(jsonOf(same).id).toBe(w.recorded);
  // Another body under the same client-request-id is a conflict, as before.
  expect((await retry('another group')).status).toBe(409);
  expect(await count(cfg)).toBe(4);
});
