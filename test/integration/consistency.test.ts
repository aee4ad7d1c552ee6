import { TableClient } from '@azure/data-tables';
import { send, testApp } from '../helpers/app';
import { expectGraphError, graphRequest, jsonOf } from '../helpers/requests';

// The store's consistency rules (docs/consistency.md) through the real handlers and a real Azurite:
// reserved bookkeeping keys, idempotent creates, the counter behind $count, serialisable assign actions.

const app = testApp();
const path = (cfg: string) => `/beta/deviceManagement/deviceEnrollmentConfigurations/${encodeURIComponent(cfg)}/assignments`;
const group = (groupId: string) => ({ '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId });

const create = (cfg: string, body: unknown, headers: Record<string, string> = {}) =>
  send(
    app,
    graphRequest({
      path: path(cfg),
      body,
      headers: { authorization: 'Bearer t', ...headers },
    }),
  );

const list = (cfg: string, query = '') => send(app, graphRequest({ method: 'GET', path: `${path(cfg)}${query}` }));

const assign = (cfg: string, groups: string[]) =>
  send(
    app,
    graphRequest({
      path: `/beta/deviceManagement/deviceEnrollmentConfigurations/${cfg}/assign`,
      body: { enrollmentConfigurationAssignments: groups.map((g) => ({ target: group(g) })) },
    }),
  );

function item(method: 'GET' | 'PATCH' | 'DELETE', cfg: string, id: string, body?: unknown) {
  const request = graphRequest({
    method,
    path: `${path(cfg)}/${encodeURIComponent(id)}`,
    body,
  });
  return send(app, request);
}

const count = async (cfg: string, filter = '') => jsonOf(await list(cfg, `?$count=true&$top=1${filter}`))['@odata.count'] as number;
const allGroups = async (cfg: string) => {
  const ids: string[] = [];
  for (let query = '?$top=999'; ;) {
    const body = jsonOf(await list(cfg, query));
    ids.push(...body.value.map((v: { target: { groupId: string } }) => v.target.groupId));
    if (!body['@odata.nextLink']) return ids.sort();
    query = `?${new URL(body['@odata.nextLink']).search.slice(1)}`;
  }
};
const table = () =>
  TableClient.fromConnectionString(process.env.ASSIGNMENTS_STORAGE!, process.env.ASSIGNMENTS_TABLE!, { allowInsecureConnection: true });

describe('bookkeeping rows cannot be addressed', () => {
  it('GET, PATCH and DELETE of the marker, a counter shard or any id starting with ~ are 404, and the rows stay', async () => {
    expect((await create('cfg-reserved', { target: group('a') })).status).toBe(201);
    expect((await assign('cfg-reserved', ['b'])).status).toBe(204);
    const bookkeeping: string[] = [];
    for await (const e of table().listEntities({ queryOptions: { filter: "PartitionKey eq 'cfg-reserved' and RowKey ge '~'" } }))
      bookkeeping.push(e.rowKey!);
    expect(bookkeeping).toContain('~m');
    for (const id of [...bookkeeping, '~', '~x', '~r']) {
      expectGraphError(await item('GET', 'cfg-reserved', id), 404, 'ResourceNotFound');
      expectGraphError(await item('PATCH', 'cfg-reserved', id, { sourceId: 'x' }), 404, 'ResourceNotFound');
      expectGraphError(await item('DELETE', 'cfg-reserved', id), 404, 'ResourceNotFound');
    }
    const after: string[] = [];
    for await (const e of table().listEntities({ queryOptions: { filter: "PartitionKey eq 'cfg-reserved' and RowKey ge '~'" } }))
      after.push(e.rowKey!);
    expect(after).toEqual(bookkeeping);
    expect(await allGroups('cfg-reserved')).toEqual(['b']);
  });
});

describe('a create retried with the same client-request-id', () => {
  it('answers 201 with the first attempt’s assignment, stored once', async () => {
    const headers = { 'client-request-id': 'retry-same-body' };
    const first = await create('cfg-idem', { target: group('g'), sourceId: 's' }, headers);
    const again = await create('cfg-idem', { target: group('g'), sourceId: 's' }, headers);
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(jsonOf(again).id).toBe(jsonOf(first).id);
    expect(await allGroups('cfg-idem')).toEqual(['g']);
    expect(await count('cfg-idem')).toBe(1);
  });

  it('with a different body is a 409 Conflict that names the header, and stores nothing', async () => {
    const headers = { 'client-request-id': 'retry-other-body' };
    expect((await create('cfg-idem-409', { target: group('g1') }, headers)).status).toBe(201);
    const error = expectGraphError(await create('cfg-idem-409', { target: group('g2') }, headers), 409, 'Conflict');
    expect(error.message).toContain("'client-request-id'");
    expect(await allGroups('cfg-idem-409')).toEqual(['g1']);
  });

  it('without the header, two identical creates are two assignments', async () => {
    const a = await create('cfg-idem-none', { target: group('g') });
    const b = await create('cfg-idem-none', { target: group('g') });
    expect(jsonOf(a).id).not.toBe(jsonOf(b).id);
    expect(await count('cfg-idem-none')).toBe(2);
  });

  it('ten attempts at once store one assignment and all answer it', async () => {
    const headers = { 'client-request-id': 'retry-concurrent' };
    const answers = await Promise.all(Array.from({ length: 10 }, () => create('cfg-idem-race', { target: group('g') }, headers)));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(201));
    expect(new Set(answers.map((a) => jsonOf(a).id)).size).toBe(1);
    expect(await count('cfg-idem-race')).toBe(1);
  });
});

describe('$count=true', () => {
  it('follows creates, deletes and assign actions, concurrent ones included', async () => {
    const cfg = 'cfg-count';
    const created = await Promise.all(
      Array.from({ length: 40 }, (_, i) => create(cfg, { target: group(`c${i}`), sourceId: i % 2 ? 'odd' : 'even' })),
    );
    expect(created.every((r) => r.status === 201)).toBe(true);
    expect(await count(cfg)).toBe(40);
    expect(await count(cfg, "&$filter=sourceId eq 'odd'")).toBe(20);
    const deleted = await Promise.all(created.slice(0, 15).map((r) => item('DELETE', cfg, jsonOf(r).id)));
    expect(deleted.map((r) => r.status)).toEqual(Array(15).fill(204));
    expect(await count(cfg)).toBe(25);
    expect((await assign(cfg, ['n1', 'n2', 'n3'])).status).toBe(204);
    expect(await count(cfg)).toBe(3);
    expect((await create(cfg, { target: group('n4') })).status).toBe(201);
    expect(await count(cfg)).toBe(4);
    expect(await allGroups(cfg)).toEqual(['n1', 'n2', 'n3', 'n4']);
  });
});

describe('concurrent assign actions', () => {
  it.each([3, 150])('of %i items each end in exactly one call’s set, every round, with no 5xx', async (size) => {
    const cfg = `cfg-assign-race-${size}`;
    for (let round = 0; round < 4; round++) {
      const sets = ['a', 'b', 'c'].map((caller) => Array.from({ length: size }, (_, i) => `${caller}${round}-${i}`));
      const answers = await Promise.all(sets.map((s) => assign(cfg, s)));
      expect(answers.map((a) => a.status)).toEqual([204, 204, 204]);
      const final = await allGroups(cfg);
      expect(sets.some((s) => JSON.stringify([...s].sort()) === JSON.stringify(final))).toBe(true);
      expect(await count(cfg)).toBe(size);
    }
  });
});
