import fc from 'fast-check';
import net from 'node:net';
import { answerOfFetch, graphProblems } from '../../bench/reliability/graph-checks';
import { describeRequest, fitsInRequestHead, hostileRequest, judge, sendOverHttp } from '../../bench/reliability/hostile';
import { declaredOnly, lyingContentLength, MiB, peakRssMiB, streamBody } from '../../bench/reliability/oversized';
import { collectionPath, documentExample, jsonBody } from '../helpers/requests';
import { startRunnerProcess, type RunnerProcess } from '../helpers/runner';

// Hostile input over real HTTP through the local runner process: what the handler tests cannot show
// (URL decoding, the runner's body handling, memory of the serving process).

const SEED = Number(process.env.HOSTILE_SEED ?? 20261128);
const RUNS = Number(process.env.HOSTILE_HTTP_RUNS ?? 150);

let runner: RunnerProcess;
beforeAll(async () => {
  runner = await startRunnerProcess();
});
afterAll(async () => {
  await runner?.stop();
});

const auth = { Authorization: 'Bearer e2e-token' };
const send = (path: string, method: string, body?: unknown) =>
  fetch(`${runner.url}${path}`, {
    method,
    headers: { ...auth, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

describe('hostile input over HTTP, property-based', () => {
  it('any request: never a 5xx, always Graph’s envelope', async () => {
    await fc.assert(
      fc.asyncProperty(hostileRequest.filter(fitsInRequestHead), async (r) => {
        const verdict = judge(r, await sendOverHttp(runner.url, r), false);
        if (verdict.problems.length > 0) throw new Error(`${verdict.problems.join('; ')} for ${describeRequest(r)}`);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

describe('path ids over HTTP', () => {
  const item = (configuration: string, id: string) =>
    `/beta/deviceManagement/deviceEnrollmentConfigurations/${configuration}/assignments/${id}`;
  const invitation = (invitationId: string) =>
    `/beta/invitations/${invitationId}/invitedUser/deviceEnrollmentConfigurations/cfg-ids/assignments`;
  // 'a%00b' is not here: Kestrel answers a NUL in the path itself (empty 400), see the test below.
  const BAD = ['a%2Fb', 'a%23b', 'a%3Fb', 'a%5Cb', 'a%01b', 'a%1Fb', 'a%7Fb', 'a%C2%85b', 'k'.repeat(513)];

  it.each(['GET', 'PATCH', 'DELETE'])(
    '%s: an encoded / # ? \\, a control character or 513 characters in any id is a 400 naming the segment',
    async (method) => {
      for (const bad of BAD) {
        const body = method === 'PATCH' ? { sourceId: 'x' } : undefined;
        for (const [path, segment] of [
          [item('cfg-ids', bad), 'enrollmentConfigurationAssignmentId'],
          [item(bad, '00000000-0000-0000-0000-000000000000'), 'deviceEnrollmentConfigurationId'],
        ] as const) {
          const answer = await answerOfFetch(await send(path, method, body));
          expect(graphProblems(answer)).toEqual([]);
          expect(answer.status).toBe(400);
          expect(JSON.parse(answer.body!).error.message).toContain(`'${segment}'`);
        }
      }
      const answer = await answerOfFetch(await send(invitation('x%23y'), 'POST', documentExample()));
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body!).error.message).toContain("'invitationsId'");
    },
  );

  it("%00 in a path id: Kestrel's own empty 400, the connection closed (the host's answer, copied)", async () => {
    const answer = await fetch(`${runner.url}${item('cfg-ids', 'a%00b')}`, { headers: auth });
    expect([answer.status, answer.headers.get('connection'), await answer.text()]).toEqual([400, 'close', '']);
  });

  it('unicode ids, 512 characters long, round-trip: 201, then the Location answers GET, PATCH and DELETE', async () => {
    const prefix = 'ø-設定-😀-';
    const configuration = `${prefix}${'k'.repeat(512 - prefix.length)}`;
    expect(configuration.length).toBe(512);
    const created = await send(
      `/beta/invitations/${encodeURIComponent('招待-ü')}/invitedUser/deviceEnrollmentConfigurations/${encodeURIComponent(configuration)}/assignments`,
      'POST',
      documentExample(),
    );
    expect(created.status).toBe(201);
    const { id } = await jsonBody(created);
    const location = created.headers.get('location')!;
    const got = await fetch(location, { headers: auth });
    expect(got.status).toBe(200);
    expect((await jsonBody(got)).id).toBe(id);
    expect(
      (await fetch(location, { method: 'PATCH', headers: { ...auth, 'Content-Type': 'application/json' }, body: '{"sourceId":"ü"}' }))
        .status,
    ).toBe(200);
    expect((await fetch(location, { method: 'DELETE', headers: auth })).status).toBe(204);
    expect((await fetch(location, { headers: auth })).status).toBe(404);
  });
});

describe('request targets the runner must parse as a host would', () => {
  // Once a bare 500: the runner resolved "//x" against a base URL, which reads it as a network-path
  // reference to the host "x", and threw. The Functions host matches no function for a path that starts
  // with "//" and answers its own empty 404 (measured), so the runner does the same.
  it.each(['//%3C%5DLS31%2BP?t{H,=1', '//x/y', '//', '///beta//deviceManagement'])(
    "%s gets the host's empty 404, never a 5xx",
    async (target) => {
      for (const method of ['GET', 'POST']) {
        const response = await fetch(`${runner.url}${target}`, {
          method,
          headers: { ...auth, 'Content-Type': 'application/json' },
          body: method === 'POST' ? '{}' : undefined,
        });
        expect([response.status, await response.text()]).toEqual([404, '']);
      }
    },
  );

  it('a Host header that is no host is a 400, not a 500', async () => {
    const url = new URL(runner.url);
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(url.port), url.hostname, () =>
        socket.end('GET /health HTTP/1.1\r\nHost: [::bad\r\nConnection: close\r\n\r\n'),
      );
      let text = '';
      socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400 /);
  });
});

describe('bodies over the limits, over HTTP', () => {
  // The runner copies the genuine host (docs/host-measurements.md): a body reaches the app only with a
  // Content-Length (chunked bodies are dropped: the app sees none), a Content-Length over the host's
  // 104857600 bytes is answered 500 at once without reading the body, and between 4 MiB and that the
  // app itself answers Graph's 413.
  const BODY = 256 * MiB;
  const expect413 = (a: { status: number; headers: Record<string, unknown>; body: string }) => {
    expect(a.status).toBe(413);
    expect(a.headers['content-type']).toBe('application/json');
    expect(JSON.parse(a.body).error.code).toBe('RequestEntityTooLarge');
  };
  const expectEmptyBody400 = (a: { status: number; body: string }) => {
    expect(a.status).toBe(400);
    expect(JSON.parse(a.body).error.message).toMatch(/Unable to read JSON/);
  };

  it('5 MiB with its Content-Length: the app’s 413; chunked: the host drops the body, the app’s 400', async () => {
    const url = `${runner.url}${collectionPath('cfg-big')}`;
    expect413(await streamBody(url, 5 * MiB, 5 * MiB));
    expectEmptyBody400(await streamBody(url, 5 * MiB));
  });

  it('a Content-Length over 104857600: the host’s 500, empty, Connection: close, before a byte is read', async () => {
    const answer = await declaredOnly(`${runner.url}${collectionPath('cfg-big')}`, 104_857_601);
    expect(answer.status).toBe(500);
    expect(answer.received).toMatch(/\r\nContent-Length: 0\r\n/i);
    expect(answer.received).toMatch(/\r\nConnection: close\r\n/i);
    expect(answer.closed).toBe(true);
    // Exactly the limit is still read and handed on: the app's 413.
    expect413(await streamBody(`${runner.url}${collectionPath('cfg-big')}`, 104_857_600, 104_857_600));
  });

  it('256 MiB chunked: the app answers before the body is read (the host drops chunked bodies), and the server’s peak memory grows by far less than the body', async () => {
    const url = `${runner.url}${collectionPath('cfg-big')}`;
    expectEmptyBody400(await streamBody(url, 5 * MiB));
    const before = peakRssMiB(runner.process.pid!);
    const answer = await streamBody(url, BODY);
    expectEmptyBody400(answer);
    expect(answer.sentBytes).toBeLessThan(BODY);
    const after = peakRssMiB(runner.process.pid!);
    if (before !== undefined && after !== undefined) expect(after - before).toBeLessThan(BODY / MiB / 4);
  });

  it('a Content-Length that lies low: the rest is a protocol error, the connection is closed early, never a 5xx', async () => {
    const before = peakRssMiB(runner.process.pid!);
    const lie = await lyingContentLength(`${runner.url}${collectionPath('cfg-big')}`, 1000, BODY);
    // Node's parser takes the declared 1,000 bytes and refuses the next "request" ({{{...): the server
    // either answers the first with a Graph 400 and closes, or closes at once.
    for (const status of [...lie.received.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => Number(m[1]))) expect(status).toBeLessThan(500);
    expect(lie.sentBytes).toBeLessThan(BODY / 4);
    const after = peakRssMiB(runner.process.pid!);
    if (before !== undefined && after !== undefined) expect(after - before).toBeLessThan(BODY / MiB / 4);
    // And the server still serves.
    expect((await send(collectionPath('cfg-big'), 'POST', documentExample())).status).toBe(201);
  });
});
