import http from 'node:http';
import { startRunnerProcess, type RunnerProcess } from '../helpers/runner';

// Malformed percent-escapes over real sockets, written byte for byte as a client sends them (node:http
// does not re-encode the path). Graph answers each with a 400; so must the mock, never a 500 and never
// a key holding the escape as literal text.

let runner: RunnerProcess;
beforeAll(async () => {
  runner = await startRunnerProcess();
});
afterAll(async () => {
  await runner?.stop();
});

interface Raw {
  status: number;
  body: string;
}

function send(method: string, rawPath: string, body?: string): Promise<Raw> {
  const { hostname, port } = new URL(runner.url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        hostname,
        port,
        method,
        path: rawPath,
        headers: {
          Authorization: 'Bearer e2e-token',
          'Content-Type': 'application/json',
          ...(body ? { 'Content-Length': Buffer.byteLength(body) } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const collection = (configuration: string) => `/beta/deviceManagement/deviceEnrollmentConfigurations/${configuration}/assignments`;
const target = JSON.stringify({ target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' } });

function expectBadRequest(answer: Raw) {
  expect(answer.status).toBe(400);
  expect(JSON.parse(answer.body).error.code).toBe('BadRequest');
}

describe('a malformed percent-escape in the path', () => {
  it.each(['%zz', '%E0%A4%A', '%FF', 'a%2', '%25zz'])('%s as a configuration id: 400 on every operation', async (id) => {
    expectBadRequest(await send('POST', collection(id), target));
    expectBadRequest(await send('GET', collection(id)));
    expectBadRequest(await send('GET', `${collection(id)}/x`));
    expectBadRequest(await send('DELETE', `${collection(id)}/x`));
  });

  it.each(['%zz', '%E0%A4%A', '%FF'])('%s as an assignment id: 400', async (id) => {
    expectBadRequest(await send('GET', `${collection('cfg-escapes')}/${id}`));
    expectBadRequest(await send('PATCH', `${collection('cfg-escapes')}/${id}`, '{"source":"direct"}'));
  });
});

describe('a malformed percent-escape in the query', () => {
  it('in a parameter name, on a collection with a next page: 400 naming it (was a 500)', async () => {
    for (let i = 0; i < 2; i++) expect((await send('POST', collection('cfg-escapes-q'), target)).status).toBe(201);
    const answer = await send('GET', `${collection('cfg-escapes-q')}?$top=1&%zz=1`);
    expectBadRequest(answer);
    expect(JSON.parse(answer.body).error.message).toContain("'%zz'");
  });

  it('in a value: 400 naming the parameter', async () => {
    const answer = await send('GET', `${collection('cfg-escapes-q')}?$filter=source%20eq%20%27%E0%A4%A%27`);
    expectBadRequest(answer);
    expect(JSON.parse(answer.body).error.message).toContain("'$filter'");
  });
});
