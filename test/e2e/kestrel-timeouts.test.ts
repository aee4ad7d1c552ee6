import net from 'node:net';
import { startRunnerProcess, type RunnerProcess } from '../helpers/runner';

// Kestrel's timeouts in front of the Functions host, over raw sockets: a body sent slower than 240 bytes
// a second (after a 5 s grace period) gets 500 and a close; headers not finished within 30 s get 408 and
// a close. The runner copies both; test/host/ runs this file against the genuine host too.

let server: RunnerProcess;
beforeAll(async () => {
  server = await startRunnerProcess();
});
afterAll(async () => {
  await server?.stop();
});

/** Writes `head`, then waits: what the server sent until it closed, and after how long. */
function sendAndWait(head: string, limitMs: number): Promise<{ received: string; closed: boolean; ms: number }> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = net.connect(Number(port), hostname, () => socket.write(head));
    let received = '';
    const done = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ received, closed, ms: Date.now() - started });
    };
    const timer = setTimeout(() => done(false), limitMs);
    socket.on('data', (d) => (received += d.toString('latin1')));
    socket.on('close', () => done(true));
    socket.on('error', () => undefined);
  });
}

const PATH = '/beta/deviceManagement/deviceEnrollmentConfigurations/cfg-timeouts/assignments';

it('a Content-Length longer than the body sent: 500 and closed after the 5 s grace period, not held open', async () => {
  const r = await sendAndWait(
    `POST ${PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer t\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"target":`,
    20_000,
  );
  expect(r.received).toMatch(/^HTTP\/1\.1 500 /);
  expect(r.received).toMatch(/\r\nContent-Length: 0\r\n/i);
  expect(r.closed).toBe(true);
  expect(r.ms).toBeGreaterThanOrEqual(5000);
}, 30_000);

it('headers never finished: 408 and closed after 30 s', async () => {
  const r = await sendAndWait(`GET ${PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bea`, 45_000);
  expect(r.received).toMatch(/^HTTP\/1\.1 408 /);
  expect(r.closed).toBe(true);
  expect(r.ms).toBeGreaterThanOrEqual(30_000);
}, 60_000);
