import { collectionPath, documentExample } from '../helpers/requests';
import { withRunner, type RunnerProcess } from '../helpers/runner';
import { devToken } from '../helpers/tenants';

// Every request acts for one tenant; in dev mode a JWT-shaped token names it (its tid, not verified).
// Two tenants on one server, one configuration id: neither sees the other's assignments.

const A = 'aaaaaaaa-1111-4111-8111-000000000001';
const B = 'bbbbbbbb-2222-4222-8222-000000000002';
const as = (tenant: string) => ({ Authorization: `Bearer ${devToken(tenant)}` });
const CFG = 'cfg-two-tenants';

async function create(runner: RunnerProcess, tenant: string): Promise<string> {
  const r = await fetch(`${runner.url}${collectionPath(CFG)}`, {
    method: 'POST',
    headers: { ...as(tenant), 'Content-Type': 'application/json' },
    body: JSON.stringify(documentExample()),
  });
  expect(r.status).toBe(201);
  return ((await r.json()) as { id: string }).id;
}

const get = (runner: RunnerProcess, path: string, headers: Record<string, string>) => fetch(`${runner.url}${path}`, { headers });

it("two dev-mode tenants do not see each other's assignments: list, get, $count", async () => {
  await withRunner({}, async (runner) => {
    const ofA = await create(runner, A);
    const ofB = await create(runner, B);
    for (const [tenant, own, other] of [
      [A, ofA, ofB],
      [B, ofB, ofA],
    ] as const) {
      const list = await get(runner, `${collectionPath(CFG)}?$count=true`, as(tenant));
      const body = (await list.json()) as { '@odata.count': number; value: Array<{ id: string }> };
      expect([tenant, body['@odata.count'], body.value.map((a) => a.id)]).toEqual([tenant, 1, [own]]);
      expect((await get(runner, `${collectionPath(CFG)}/${own}`, as(tenant))).status).toBe(200);
      expect((await get(runner, `${collectionPath(CFG)}/${other}`, as(tenant))).status).toBe(404);
      expect(await (await get(runner, `${collectionPath(CFG)}/$count`, as(tenant))).text()).toBe('1');
    }
    // An opaque token acts for the default tenant, which has neither.
    expect(await (await get(runner, `${collectionPath(CFG)}/$count`, { Authorization: 'Bearer opaque' })).text()).toBe('0');
  });
});
