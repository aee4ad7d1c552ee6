/**
 * The floor for any HTTP front on Table Storage: a bare node:http server that parses the JSON body
 * and calls createEntity with the SDK's defaults, then answers 201 with the entity, with no
 * validation, no Graph conventions and no Functions programming model. It answers the same POST path
 * as the app, and reports its CPU over IPC exactly as bench/function-host.ts does.
 *
 * Env: PORT, BENCH_STORAGE, BENCH_TABLE.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { TableClient } from '@azure/data-tables';
import { serveCommands, type Command } from './ipc';

const client = TableClient.fromConnectionString(process.env.BENCH_STORAGE!, process.env.BENCH_TABLE!, { allowInsecureConnection: true });
const PATH = /^\/beta\/invitations\/([^/]+)\/invitedUser\/deviceEnrollmentConfigurations\/([^/]+)\/assignments$/i;

let served = 0;
let inFlight = 0;

const server = http.createServer((req, res) => {
  inFlight++;
  res.once('close', () => {
    inFlight--;
    served++;
  });
  const match = PATH.exec(req.url ?? '');
  if (req.method !== 'POST' || !match) {
    res.writeHead(404).end();
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    void (async () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { target: unknown; source?: string; sourceId?: string };
      const entity = {
        partitionKey: decodeURIComponent(match[2]!),
        rowKey: randomUUID(),
        invitationId: decodeURIComponent(match[1]!),
        target: JSON.stringify(body.target),
        source: body.source ?? 'direct',
        sourceId: body.sourceId ?? '',
        createdDateTime: new Date().toISOString(),
      };
      await client.createEntity(entity);
      res.writeHead(201, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ id: entity.rowKey, target: body.target, source: entity.source, sourceId: entity.sourceId }));
    })().catch(() => {
      res.writeHead(500).end();
    });
  });
});
server.keepAliveTimeout = 65_000;

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  serveCommands(
    (command: Command) => {
      if (command.op === 'usage') {
        const cpu = process.cpuUsage();
        const mem = process.memoryUsage();
        return Promise.resolve({
          cpuMs: (cpu.user + cpu.system) / 1000,
          systemMs: cpu.system / 1000,
          rss: mem.rss,
          heapUsed: mem.heapUsed,
          heapTotal: mem.heapTotal,
          served,
          inFlight,
        });
      }
      return Promise.reject(new Error(`unknown op ${String(command.op)}`));
    },
    { url: `http://127.0.0.1:${port}`, pid: process.pid },
  );
});
