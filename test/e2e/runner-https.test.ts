import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import { collectionPath, documentExample, GUID } from '../helpers/requests';
import { startRunnerProcess, type RunnerProcess } from '../helpers/runner';
import { createTestCertificate, type TestCertificate } from '../helpers/tls';

// The local runner's https mode (RUNNER_TLS_CERT / RUNNER_TLS_KEY), which Microsoft's Graph JS client
// needs: it sends its token only over https. The links the app writes must keep the https scheme, or a
// client following Location or @odata.nextLink would fall back to http and lose its token.

let certificate: TestCertificate;
let runner: RunnerProcess;

beforeAll(async () => {
  certificate = createTestCertificate();
  runner = await startRunnerProcess({ RUNNER_TLS_CERT: certificate.certFile, RUNNER_TLS_KEY: certificate.keyFile });
});

afterAll(async () => {
  await runner?.stop();
  certificate?.remove();
});

/** node:https with the test certificate as the only trusted CA (fetch cannot be given one per call). */
function send(method: string, url: string, body?: unknown): Promise<{ status: number; headers: Record<string, unknown>; json: any }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ca: readFileSync(certificate.certFile),
        headers: { Authorization: 'Bearer https-token', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, json: text ? JSON.parse(text) : undefined }));
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

describe('the local runner over https', () => {
  it('serves the app, and every link it writes keeps the https scheme', async () => {
    expect(runner.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const collection = `${runner.url}${collectionPath('cfg-https')}`;
    for (let i = 0; i < 2; i++) {
      const created = await send('POST', collection, documentExample());
      expect(created.status).toBe(201);
      expect(created.json.id).toMatch(GUID);
      expect(created.headers.location).toBe(`${collection}/${created.json.id}`);
      expect(created.json['@odata.context'].startsWith(`${runner.url}/beta/$metadata#`)).toBe(true);
    }
    const page = await send('GET', `${collection}?$top=1`);
    expect(page.status).toBe(200);
    expect(page.json['@odata.nextLink'].startsWith(`${collection}?`)).toBe(true);
  });

  it('refuses to start with a certificate but no key, naming both settings', async () => {
    await expect(startRunnerProcess({ RUNNER_TLS_CERT: certificate.certFile })).rejects.toThrow(
      'RUNNER_TLS_CERT and RUNNER_TLS_KEY must be set together',
    );
  });
});
