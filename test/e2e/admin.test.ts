import { randomUUID } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { collectionPath, documentExample } from '../helpers/requests';
import { withRunner, type RunnerProcess } from '../helpers/runner';

// Issue 14 over real HTTP: the journal, Retry-After compliance, reset, seed and the admin auth matrix.

const auth = { Authorization: 'Bearer e2e-admin-token-secret' };
const create = (runner: RunnerProcess, configuration: string, headers: Record<string, string> = {}) =>
  fetch(`${runner.url}${collectionPath(configuration)}`, {
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(documentExample()),
  });
const journal = async (runner: RunnerProcess, query = '') => {
  const r = await fetch(`${runner.url}/__admin/requests${query}`);
  expect(r.status).toBe(200);
  return ((await r.json()) as { value: Array<Record<string, any>> }).value;
};

describe('admin endpoints', () => {
  it('journal a retry loop, flag an early retry, reset and seed', async () => {
    await withRunner({ MOCK_ADMIN: 'on' }, async (runner) => {
      expect((await fetch(`${runner.url}/__admin/reset`, { method: 'POST' })).status).toBe(204);
      const crid = `e2e-${randomUUID()}`;
      const cfg = `cfg-admin-${randomUUID()}`;
      const h = { 'client-request-id': crid, 'x-mock-error': '429', 'x-mock-error-count': '1', 'x-mock-retry-after': '1' };
      expect((await create(runner, cfg, h)).status).toBe(429);
      expect((await create(runner, cfg, h)).status).toBe(201); // too early: flagged
      const entries = await journal(runner, `?clientRequestId=${crid}`);
      expect(entries.map((e) => e.attempt)).toEqual([2, 1]);
      expect(entries.map((e) => e.retryAfterViolation)).toEqual([true, false]);
      expect(entries[0]!.headers.authorization).toMatch(/^Bearer sha256:[0-9a-f]{12}$/);
      expect(entries[0]!.body).toEqual(documentExample());
      expect(entries[1]!.response.status).toBe(429);
      const raw = TableClient.fromConnectionString(process.env.ASSIGNMENTS_STORAGE!, `${process.env.ASSIGNMENTS_TABLE}Journal`, {
        allowInsecureConnection: true,
      });
      for await (const e of raw.listEntities()) expect(JSON.stringify(e)).not.toContain('e2e-admin-token-secret');

      const seeded = await fetch(`${runner.url}/__admin/seed`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ assignments: [{ configurationId: cfg, id: 'seeded-1', ...documentExample() }] }),
      });
      expect(seeded.status).toBe(200);
      expect(((await seeded.json()) as any).assignments[0].id).toBe('seeded-1');
      const count = await fetch(`${runner.url}${collectionPath(cfg)}/$count`, { headers: auth });
      expect(await count.text()).toBe('2');
      expect((await fetch(`${runner.url}/__admin/reset?configurationId=${encodeURIComponent(cfg)}`, { method: 'POST' })).status).toBe(204);
      expect(await (await fetch(`${runner.url}${collectionPath(cfg)}/$count`, { headers: auth })).text()).toBe('0');
      expect((await fetch(`${runner.url}/__admin/requests`, { method: 'DELETE' })).status).toBe(204);
      expect(await journal(runner)).toEqual([]);
    });
  });

  it('MOCK_ENFORCE_RETRY_AFTER=on answers an early retry 429', async () => {
    await withRunner({ MOCK_ADMIN: 'on', MOCK_ENFORCE_RETRY_AFTER: 'on' }, async (runner) => {
      const crid = `e2e-${randomUUID()}`;
      const h = { 'client-request-id': crid, 'x-mock-error': '429', 'x-mock-error-count': '1', 'x-mock-retry-after': '1' };
      expect((await create(runner, 'cfg-admin-enforce', h)).status).toBe(429);
      const early = await create(runner, 'cfg-admin-enforce', h);
      expect(early.status).toBe(429);
      expect(early.headers.get('retry-after')).toBe('1');
      await new Promise((r) => setTimeout(r, 1100));
      expect((await create(runner, 'cfg-admin-enforce', h)).status).toBe(201);
      const entries = await journal(runner, `?clientRequestId=${crid}`);
      expect(entries.map((e) => e.retryAfterViolation)).toEqual([false, true, false]);
    });
  });

  it('auth matrix: off answers like an unknown path; a key must match', async () => {
    await withRunner({ MOCK_ADMIN: 'off' }, async (runner) => {
      const admin = await fetch(`${runner.url}/__admin/requests`);
      const unknown = await fetch(`${runner.url}/__nothing/requests`);
      expect(admin.status).toBe(unknown.status);
      expect(((await admin.json()) as any).error.code).toBe(((await unknown.json()) as any).error.code);
      // Not served, so not described either.
      const doc = (await (await fetch(`${runner.url}/openapi.json`)).json()) as any;
      expect(Object.keys(doc.paths).filter((p) => p.startsWith('/__admin'))).toEqual([]);
    });
    await withRunner({ MOCK_ADMIN: 'on', MOCK_ADMIN_KEY: 'k-123' }, async (runner) => {
      expect((await fetch(`${runner.url}/__admin/requests`)).status).toBe(401);
      expect((await fetch(`${runner.url}/__admin/requests`, { headers: { Authorization: 'Bearer wrong' } })).status).toBe(401);
      expect((await fetch(`${runner.url}/__admin/requests`, { headers: { Authorization: 'Bearer k-123' } })).status).toBe(200);
      const doc = (await (await fetch(`${runner.url}/openapi.json`)).json()) as any;
      expect(
        Object.keys(doc.paths)
          .filter((p) => p.startsWith('/__admin'))
          .sort(),
      ).toEqual([
        '/__admin',
        '/__admin/assets/{file}',
        '/__admin/requests',
        '/__admin/reset',
        '/__admin/seed',
        '/__admin/state',
        '/__admin/tenants',
      ]);
      expect(doc.paths['/__admin/requests'].get.tags).toEqual(['admin']);
    });
  });
});
