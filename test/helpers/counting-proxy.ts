import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { azuriteConnectionString } from '../../dev/azurite';

/**
 * A loopback proxy in front of a real Azurite that records every storage call the app makes, so a test
 * can say how many calls an operation made and how many of them it waited for one after another
 * ("waits": calls in flight together count once).
 */

export interface StorageCall {
  method: string;
  path: string;
  started: number;
  ended: number;
}

export interface Cost {
  calls: number;
  waits: number;
  log: string[];
}

/**
 * Sequential waits: the longest chain of calls each sent after the one before it had answered. Calls in
 * flight together are in no chain with each other, so they count once; a call that had to wait for an
 * answer (a write after a read, a journal entry after the answer) adds one.
 */
export function waitsOf(calls: readonly StorageCall[]): number {
  const sorted = [...calls].sort((a, b) => a.started - b.started);
  const chain: number[] = [];
  sorted.forEach((c, i) => {
    let before = 0;
    for (let j = 0; j < i; j++) if (sorted[j]!.ended <= c.started) before = Math.max(before, chain[j]!);
    chain.push(before + 1);
  });
  return Math.max(0, ...chain);
}

/**
 * Every answer is held this long, so that calls a client sends together overlap at the proxy however
 * slowly a busy machine sends them, and a call sent after an answer always starts after it.
 */
const HOLD_MS = 40;

export interface CountingProxy {
  port: number;
  connectionString: string;
  calls: StorageCall[];
  /** Runs `work` and returns what it cost in storage calls (nothing else may use the proxy meanwhile). */
  measure(work: () => Promise<unknown>): Promise<Cost>;
  stop(): Promise<void>;
}

export async function startCountingProxy(targetPort: number): Promise<CountingProxy> {
  const calls: StorageCall[] = [];
  const server = http.createServer((req, res) => {
    const call: StorageCall = {
      method: req.method ?? 'GET',
      path: decodeURIComponent(req.url ?? '/'),
      started: performance.now(),
      ended: 0,
    };
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const upstream = http.request(
        { host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers },
        (ures) => {
          const body: Buffer[] = [];
          ures.on('data', (c: Buffer) => body.push(c));
          ures.on('end', () => {
            setTimeout(() => {
              call.ended = performance.now();
              calls.push(call);
              res.writeHead(ures.statusCode ?? 502, ures.headers);
              res.end(Buffer.concat(body));
            }, HOLD_MS);
          });
        },
      );
      upstream.on('error', () => res.destroy());
      upstream.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    connectionString: azuriteConnectionString(port),
    calls,
    async measure(work) {
      calls.length = 0;
      await work();
      const seen = [...calls];
      return { calls: seen.length, waits: waitsOf(seen), log: seen.map((c) => `${c.method} ${c.path.split('?')[0]}`) };
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
