import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { collectionPath, documentExample } from '../helpers/requests';
import { APP_ROOT } from '../helpers/runner';
import { killLeftOver, startNpm, waitUntilGone, type NpmStart } from '../helpers/npm-start';

// `npm start -- --https`: a loopback certificate made once and reused, served by the runner, trusted by
// a client that trusts nothing but that certificate; and docs/api.md's Graph JS client example run as
// written against it.

jest.setTimeout(180_000);

let work: string;
let certDir: string;
let current: NpmStart | undefined;

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'npm-start-https-'));
  certDir = path.join(work, 'certs');
});

afterEach(async () => {
  if (current && current.npm.exitCode === null) {
    process.kill(-current.pgid, 'SIGINT');
    await waitUntilGone(current, 15_000);
  }
  killLeftOver(current);
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

const start = () => startNpm({ location: path.join(work, 'data'), args: ['--https'], env: { HTTPS_CERT_DIR: certDir } });
const certFile = () => path.join(certDir, 'localhost-cert.pem');

/** node:https trusting only `ca` (no system store), as a client told to trust the printed file does. */
function send(method: string, url: string, ca: Buffer | undefined, body?: unknown) {
  return new Promise<{ status: number; headers: Record<string, unknown>; json: any }>((resolve, reject) => {
    const req = request(
      url,
      { method, ca, headers: { Authorization: 'Bearer https-start', ...(body ? { 'Content-Type': 'application/json' } : {}) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, json: text ? JSON.parse(text) : undefined }));
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** docs/api.md's ```js example, pointed at this server. */
function readmeGraphClientExample(url: string): string {
  const readme = readFileSync(path.join(APP_ROOT, 'docs', 'api.md'), 'utf8');
  const block = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.includes('Client.init'));
  if (!block) throw new Error('docs/api.md: no ```js block with the Graph JS client example');
  expect(block).toContain("'https://127.0.0.1:7071'");
  return block.split('https://127.0.0.1:7071').join(url);
}

describe('npm start -- --https', () => {
  let firstCert = '';

  it('makes a loopback certificate, serves https with it, and says how to trust it', async () => {
    const run = (current = await start());
    expect(run.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(run.output()).toContain('(made now;');
    expect(run.output()).toContain(`NODE_EXTRA_CA_CERTS='${certFile()}'`);
    expect(run.output()).toContain(`curl --cacert '${certFile()}'`);
    expect(run.output()).toContain('-SkipCertificateCheck');
    firstCert = readFileSync(certFile(), 'utf8');
    const cert = new X509Certificate(firstCert);
    expect(cert.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    expect(cert.ca).toBe(false);

    // Trusting only that certificate: the create is answered, its links keep the https scheme.
    const collection = `${run.url}${collectionPath('cfg-start-https')}`;
    const created = await send('POST', collection, Buffer.from(firstCert), documentExample());
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe(`${collection}/${created.json.id}`);
    // Trusting only the system's store, the same server is refused: the certificate is really checked.
    await expect(send('GET', collection, undefined)).rejects.toThrow(/self[- ]signed/i);
    // curl, as the start-up message tells a user to call it.
    const curl = spawnSync('curl', ['-s', '--cacert', certFile(), '-H', 'Authorization: Bearer x', collection], { encoding: 'utf8' });
    if (curl.error === undefined) expect(JSON.parse(curl.stdout).value).toHaveLength(1);
  });

  it("runs docs/api.md's Graph JS client example with NODE_EXTRA_CA_CERTS, on a second start that reuses the certificate", async () => {
    const run = (current = await start());
    expect(run.output()).toContain('(reused;');
    expect(readFileSync(certFile(), 'utf8')).toBe(firstCert);

    // Where a user saves it: the repository folder, so its import finds node_modules.
    const example = path.join(APP_ROOT, 'dist', `readme-example-${process.pid}.mjs`);
    writeFileSync(example, readmeGraphClientExample(run.url));
    try {
      const result = spawnSync(process.execPath, [example], {
        env: { ...process.env, NODE_EXTRA_CA_CERTS: certFile() },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(result.stderr).toBe('');
      expect(result.stdout).toMatch(/^created [0-9a-f-]{36}\n$/);
    } finally {
      rmSync(example, { force: true });
    }
  });
});
