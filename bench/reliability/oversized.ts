import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';

/**
 * Bodies far over the 4 MiB limit, streamed to a running app over HTTP, and the server process's peak
 * memory, to show a 413 comes without the body being kept whole. Jest-free (tests and figures share it).
 */

const MiB = 1024 * 1024;

/** Peak resident memory of a process so far (Linux VmHWM), in MiB; undefined where /proc is missing. */
export function peakRssMiB(pid: number): number | undefined {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

export interface StreamedAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Bytes of the body written when the answer came. */
  sentBytes: number;
}

/**
 * POSTs `totalBytes` of spaces in 1 MiB writes that respect backpressure, so this client never holds more
 * than a chunk: chunked transfer when `declaredBytes` is undefined, else with that Content-Length.
 */
export function streamBody(url: string, totalBytes: number, declaredBytes?: number, timeoutMs = 60_000): Promise<StreamedAnswer> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const headers: Record<string, string> = { authorization: 'Bearer oversized', 'content-type': 'application/json' };
    if (declaredBytes !== undefined) headers['content-length'] = String(declaredBytes);
    // Keep-alive, as clients send: with `Connection: close` the server may close (and reset) the connection
    // right after an early answer to a body it drops, and the reset can swallow that answer.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const req = http.request({ host: u.hostname, port: u.port, path: `${u.pathname}${u.search}`, method: 'POST', headers, agent });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    const chunk = Buffer.alloc(MiB, 0x20);
    let sent = 0;
    req.on('response', (res) => {
      const sentBytes = sent;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, sentBytes });
        agent.destroy();
      });
    });
    req.on('error', (err) => {
      agent.destroy();
      reject(err);
    });
    const pump = () => {
      while (sent < totalBytes && !req.destroyed) {
        const n = Math.min(chunk.length, totalBytes - sent);
        sent += n;
        if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

export interface DeclaredAnswer {
  /** Everything the server sent back, as text. */
  received: string;
  status: number;
  /** Whether the server closed the connection (within timeoutMs) without being sent a byte of the body. */
  closed: boolean;
}

/**
 * Headers only, over a raw socket, with a Content-Length of `declaredBytes` and no body: what a server
 * answers to a declared size before reading any of it (the host: 500 and close, over 104857600 bytes).
 */
export function declaredOnly(url: string, declaredBytes: number, timeoutMs = 5_000): Promise<DeclaredAnswer> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const socket = net.connect(Number(u.port), u.hostname);
    let received = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      socket.destroy();
    }, timeoutMs);
    socket.on('data', (c: Buffer) => (received += c.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ received, status: Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0), closed: !timedOut });
    });
    socket.on('connect', () =>
      socket.write(
        `POST ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\nAuthorization: Bearer declared\r\nContent-Type: application/json\r\nContent-Length: ${declaredBytes}\r\n\r\n`,
      ),
    );
  });
}

export interface LyingAnswer {
  /** Everything the server sent back, as text. */
  received: string;
  sentBytes: number;
  /** How the connection ended for the client: a socket error code, or 'closed'. */
  ending: string;
}

/**
 * A request over a raw socket whose Content-Length says `declaredBytes` but which keeps sending up to
 * `totalBytes` of '{' (which can never be a request line): the server must take the declared length,
 * treat the rest as the protocol error it is, and stop reading.
 */
export function lyingContentLength(url: string, declaredBytes: number, totalBytes: number, timeoutMs = 60_000): Promise<LyingAnswer> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const socket = net.connect(Number(u.port), u.hostname);
    let received = '';
    let sent = 0;
    let ending = 'closed';
    const timer = setTimeout(() => {
      ending = 'timeout';
      socket.destroy();
    }, timeoutMs);
    socket.on('data', (c: Buffer) => (received += c.toString('latin1')));
    socket.on('error', (e: NodeJS.ErrnoException) => (ending = e.code ?? e.message));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ received, sentBytes: sent, ending });
    });
    socket.on('connect', () => {
      socket.write(
        `POST ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\nAuthorization: Bearer lying\r\nContent-Type: application/json\r\nContent-Length: ${declaredBytes}\r\n\r\n`,
      );
      const chunk = Buffer.alloc(MiB, 0x7b);
      const pump = () => {
        while (sent < totalBytes && !socket.destroyed) {
          sent += chunk.length;
          if (!socket.write(chunk)) {
            socket.once('drain', pump);
            return;
          }
        }
        if (!socket.destroyed) socket.end();
      };
      pump();
    });
  });
}

export { MiB };
