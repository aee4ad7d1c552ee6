import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { azuriteConnectionString } from '../../dev/azurite';

/**
 * A loopback HTTP proxy in front of a real Azurite that injects the storage faults a network can cause,
 * which stopping Azurite cannot: a response lost after storage applied the request, or storage that
 * accepts connections and never answers. Jest-free, so the reliability figures command uses it too.
 */

export type FaultMode =
  /** Forward everything. */
  | 'pass'
  /** Forward requests but never answer (a hung storage account). */
  | 'blackhole';

export interface FaultProxy {
  port: number;
  connectionString: string;
  mode: FaultMode;
  /**
   * The next request matching `match` is forwarded and applied by storage, then its connection is
   * dropped before the response is passed on, as when a connection dies on the way back.
   */
  loseNextResponse(match: (method: string, path: string) => boolean): void;
  /** Requests matching `match` are read and never answered (storage hanging on one kind of request); undefined stops it. */
  hangWhen(match: ((method: string, path: string) => boolean) | undefined): void;
  /** Requests seen, and responses lost on purpose. */
  counts: { requests: number; lostResponses: number };
  stop(): Promise<void>;
}

export async function startFaultProxy(targetPort: number): Promise<FaultProxy> {
  let loseNext: ((method: string, path: string) => boolean) | undefined;
  let hang: ((method: string, path: string) => boolean) | undefined;
  const counts = { requests: 0, lostResponses: 0 };
  const proxy: Partial<FaultProxy> = { mode: 'pass', counts };
  const server = http.createServer((req, res) => {
    counts.requests++;
    if (proxy.mode === 'blackhole' || hang?.(req.method ?? 'GET', req.url ?? '/')) {
      req.resume(); // read and ignore; the connection stays open until the client gives up
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const lose = loseNext?.(req.method ?? 'GET', req.url ?? '/') ?? false;
      if (lose) loseNext = undefined;
      const upstream = http.request(
        { host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers },
        (ures) => {
          const body: Buffer[] = [];
          ures.on('data', (c: Buffer) => body.push(c));
          ures.on('end', () => {
            if (lose) {
              counts.lostResponses++;
              req.socket.destroy();
              return;
            }
            res.writeHead(ures.statusCode ?? 502, ures.headers);
            res.end(Buffer.concat(body));
          });
        },
      );
      upstream.on('error', () => req.socket.destroy());
      upstream.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return Object.assign(proxy, {
    port,
    connectionString: azuriteConnectionString(port),
    loseNextResponse(match: (method: string, path: string) => boolean) {
      loseNext = match;
    },
    hangWhen(match: ((method: string, path: string) => boolean) | undefined) {
      hang = match;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  }) as FaultProxy;
}
