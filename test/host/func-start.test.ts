import { TableClient } from '@azure/data-tables';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { devStorageConnectionString, freePort, startAzurite, type RunningAzurite } from '../../dev/azurite';
import { startFunctionsHost, type FunctionsHost } from '../helpers/functions-host';
import { APP_ROOT } from '../helpers/runner';

// `func start` as a user runs it, under the genuine Functions host: Core Tools runs the host with the
// repository root as the script root (host.json, package.json `main` -> the files `npm run build` makes)
// and local.settings.json `Values` as the environment. So does this test: `--app <repo root>` and the
// Values as the app settings, nothing from the other host suites' environment.
//
// Two differences from Core Tools, both forced by the test machine, not by the app:
// - `../shared/functions-host/run` serves a copy of host.json without `extensionBundle` (the host
//   would try to download the bundle; this HTTP-only app needs none). Everything else in host.json is
//   the file as committed.
// - `UseDevelopmentStorage=true` means Azurite on 127.0.0.1:10000-10002, which a test cannot assume free:
//   each such Value is rewritten to the same connection string with this test's own Azurite ports.
//
// The host watches its script root and restarts when files there change, so nothing here writes into the
// repository while the host runs (Azurite keeps its data in memory). `npm run test:host` builds first;
// the test only checks that `main` names what that build made.

const pkg = JSON.parse(readFileSync(path.join(APP_ROOT, 'package.json'), 'utf8')) as { main: string };
const hostJson = JSON.parse(readFileSync(path.join(APP_ROOT, 'host.json'), 'utf8')) as {
  extensionBundle?: { id: string };
  extensions?: { http?: { routePrefix?: string } };
};
const localSettings = JSON.parse(readFileSync(path.join(APP_ROOT, 'local.settings.json'), 'utf8')) as {
  Values: Record<string, string>;
};

/** The files package.json `main` ("dir/*.js") names, relative to the repository root. */
function mainFiles(): string[] {
  const dir = path.dirname(pkg.main);
  const pattern = path.basename(pkg.main);
  expect(pattern).toBe('*.js');
  const abs = path.join(APP_ROOT, dir);
  return existsSync(abs)
    ? readdirSync(abs)
        .filter((f) => f.endsWith('.js'))
        .map((f) => path.join(dir, f))
    : [];
}

// The README's Quick start create, on Intune's canonical path.
const COLLECTION = '/beta/deviceManagement/deviceEnrollmentConfigurations/demo-configuration/assignments';
const CREATE = {
  '@odata.type': '#microsoft.graph.enrollmentConfigurationAssignment',
  target: { '@odata.type': 'microsoft.graph.groupAssignmentTarget', groupId: '00000000-0000-0000-0000-000000000001' },
  source: 'direct',
  sourceId: 'Source Id value',
};
const AUTH = { Authorization: 'Bearer dev-token' };

let azurite: RunningAzurite;
let host: FunctionsHost;
let storage: string;

beforeAll(async () => {
  const [blobPort, queuePort, tablePort] = [await freePort(), await freePort(), await freePort()];
  azurite = await startAzurite({ tablePort, blobPort, queuePort, allServices: true });
  storage = devStorageConnectionString(blobPort, queuePort, tablePort);
  const values = Object.fromEntries(
    Object.entries(localSettings.Values).map(([k, v]) => [k, v === 'UseDevelopmentStorage=true' ? storage : v]),
  );
  // The other host suites' settings (test/helpers/per-file-env.ts) are dropped: only the Values count.
  const dropped = ['ASSIGNMENTS_STORAGE', 'ASSIGNMENTS_TABLE', 'AUTH_MODE', 'STORAGE_TIMEOUT_MS', 'MOCK_CONTROLS', 'AzureWebJobsStorage'];
  host = await startFunctionsHost({ ...Object.fromEntries(dropped.map((k) => [k, undefined])), ...values }, { app: APP_ROOT });
});

afterAll(async () => {
  await host?.stop();
  await azurite?.stop();
});

describe('func start: the repository as Core Tools loads it, under the genuine host', () => {
  it('package.json main names the compiled function files that npm run build made, one per src/functions file', () => {
    const sources = readdirSync(path.join(APP_ROOT, 'src', 'functions')).filter((f) => f.endsWith('.ts'));
    const built = mainFiles();
    expect(sources.length).toBeGreaterThan(0);
    expect(built.map((f) => path.basename(f, '.js')).sort()).toEqual(sources.map((f) => path.basename(f, '.ts')).sort());
  });

  it('host.json keeps extensionBundle for Azure, and the host mapped the app under its routePrefix ""', () => {
    expect(hostJson.extensionBundle?.id).toBe('Microsoft.Azure.Functions.ExtensionBundle');
    expect(hostJson.extensions?.http?.routePrefix).toBe('');
    expect(host.output()).toContain('extensionBundle left out');
    // Mapped from the root (the default prefix would give '/api/{*path}').
    expect(host.output()).toMatch(/Mapped function route '\/\{\*path\}' \[[A-Z,]+\] to 'graph'/);
  });

  it('POST creates, GET lists and GETs the item, in the table local.settings.json names', async () => {
    const created = await fetch(host.url + COLLECTION, {
      method: 'POST',
      headers: { ...AUTH, 'Content-Type': 'application/json' },
      body: JSON.stringify(CREATE),
    });
    expect(created.status).toBe(201);
    const body = (await created.json()) as { id: string; target: { groupId: string }; source: string };
    expect(body).toMatchObject({ target: { groupId: CREATE.target.groupId }, source: 'direct' });
    expect(created.headers.get('location')).toBe(`${host.url}${COLLECTION}/${body.id}`);

    const list = await fetch(host.url + COLLECTION, { headers: AUTH });
    expect(list.status).toBe(200);
    expect(((await list.json()) as { value: { id: string }[] }).value.map((a) => a.id)).toEqual([body.id]);

    const item = await fetch(`${host.url}${COLLECTION}/${body.id}`, { headers: AUTH });
    expect(item.status).toBe(200);
    expect(((await item.json()) as { id: string }).id).toBe(body.id);

    // Stored through ASSIGNMENTS_STORAGE (rewritten to this Azurite) in ASSIGNMENTS_TABLE, as the Values say.
    const table = TableClient.fromConnectionString(storage, localSettings.Values.ASSIGNMENTS_TABLE!, { allowInsecureConnection: true });
    expect((await table.getEntity('demo-configuration', body.id)).rowKey).toBe(body.id);
  });

  it('GET /health and GET /openapi.json answer as the README says', async () => {
    const health = await fetch(`${host.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });

    const openapi = await fetch(`${host.url}/openapi.json`);
    expect(openapi.status).toBe(200);
    const doc = (await openapi.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(Object.keys(doc.paths)).toContain(
      '/beta/deviceManagement/deviceEnrollmentConfigurations/{deviceEnrollmentConfigurationId}/assignments',
    );
  });
});
