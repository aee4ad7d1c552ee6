import { randomUUID } from 'node:crypto';
import { odata, TableClient } from '@azure/data-tables';
import { startRunnerProcess, type RunnerProcess } from '../helpers/runner';
import { devToken } from '../helpers/tenants';

// Two instances of the app on one Azurite and one table, as Flex Consumption scales out: a tenant's
// defaults are stored once however many first requests race, and creates and setPriority calls on both
// at once leave every priority order contiguous and unique.

const COLLECTION = '/beta/deviceManagement/deviceEnrollmentConfigurations';
let a: RunnerProcess;
let b: RunnerProcess;

beforeAll(async () => {
  // Each server gets this file's table (test/helpers/per-file-env.ts) from the environment it inherits.
  [a, b] = await Promise.all([startRunnerProcess({ STORAGE_TIMEOUT_MS: '10000' }), startRunnerProcess({ STORAGE_TIMEOUT_MS: '10000' })]);
}, 180_000);
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

async function call(server: RunnerProcess, tenant: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${devToken(tenant)}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text.startsWith('{') ? JSON.parse(text) : undefined, text };
}

/** The rows the store keeps for a tenant, read from the table itself. */
async function storedRows(tenant: string): Promise<string[]> {
  const table = TableClient.fromConnectionString(process.env.ASSIGNMENTS_STORAGE!, `${process.env.ASSIGNMENTS_TABLE!}Configs`, {
    allowInsecureConnection: true,
  });
  const keys: string[] = [];
  for await (const e of table.listEntities({ queryOptions: { filter: odata`PartitionKey eq ${`~c~${tenant}`}`, select: ['RowKey'] } })) {
    keys.push(e.rowKey!);
  }
  return keys.filter((k) => !k.startsWith('~'));
}

it('a tenant’s defaults are stored once when its first requests reach both instances at the same moment', async () => {
  const tenant = randomUUID();
  const first = await Promise.all(
    Array.from({ length: 8 }, (_, i) =>
      i % 2 === 0
        ? call(i % 4 === 0 ? a : b, tenant, 'GET', COLLECTION)
        : call(i % 4 === 1 ? a : b, tenant, 'GET', `${COLLECTION}/${tenant}_DefaultLimit`),
    ),
  );
  expect(first.map((r) => r.status)).toEqual(Array(8).fill(200));
  expect((await storedRows(tenant)).sort()).toEqual(
    [
      'DefaultLimit',
      'DefaultPlatformRestrictions',
      'DefaultWindows10EnrollmentCompletionPageConfiguration',
      'DefaultWindowsHelloForBusiness',
      'WindowsRestore',
    ]
      .map((n) => `${tenant}_${n}`)
      .sort(),
  );
  // Every answer showed the one stored copy.
  const modified = new Set(
    first.filter((r) => r.json.value).flatMap((r) => r.json.value.map((c: any) => `${c.id} ${c.lastModifiedDateTime}`)),
  );
  expect(modified.size).toBe(5);
}, 60_000);

it('creates and setPriority calls on both instances at once leave each order contiguous and unique', async () => {
  const tenant = randomUUID();
  const limit = (name: string) => ({ '@odata.type': '#microsoft.graph.deviceEnrollmentLimitConfiguration', displayName: name });
  const esp = (name: string) => ({ '@odata.type': '#microsoft.graph.windows10EnrollmentCompletionPageConfiguration', displayName: name });
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) ids.push((await call(a, tenant, 'POST', COLLECTION, limit(`seed ${i}`))).json.id);

  const moves: Array<[string, number]> = [
    [ids[5]!, 1],
    [ids[0]!, 6],
    [ids[2]!, 2],
    [ids[3]!, 1],
    [ids[1]!, 5],
  ];
  const results = await Promise.all([
    ...moves.map(([id, priority], i) => call(i % 2 ? a : b, tenant, 'POST', `${COLLECTION}/${id}/setPriority`, { priority })),
    ...Array.from({ length: 6 }, (_, i) => call(i % 2 ? b : a, tenant, 'POST', COLLECTION, i < 4 ? limit(`new ${i}`) : esp(`esp ${i}`))),
  ]);
  for (const r of results.slice(0, moves.length)) {
    // A move that another one already made is refused, as Intune refuses a priority a configuration already has.
    if (r.status !== 204) expect([r.status, r.json.error.message]).toEqual([400, expect.stringContaining('already has priority')]);
  }
  expect(results.slice(moves.length).map((r) => r.status)).toEqual(Array(6).fill(201));

  const listed = (await call(b, tenant, 'GET', `${COLLECTION}?$orderby=priority`)).json.value as Array<Record<string, any>>;
  const order = (type: string) =>
    listed.filter((c) => c['@odata.type'] === `#microsoft.graph.${type}` && c.priority > 0).map((c) => c.priority as number);
  expect(order('deviceEnrollmentLimitConfiguration')).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  expect(order('windows10EnrollmentCompletionPageConfiguration')).toEqual([1, 2]);
}, 60_000);
