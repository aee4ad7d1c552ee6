/**
 * The raw baseline: @azure/data-tables calls straight to Azurite from a process of its own, with
 * the SDK's defaults (what anyone writing to Table Storage from Node gets), at concurrency C.
 * Each round reports throughput, latency percentiles and this process's own CPU time.
 *
 * `transaction` sends what the app sends for one create (docs/consistency.md): one entity-group
 * transaction holding the row, the counter slot replaced under the ETag kept from the previous answer,
 * and with `record` the idempotency record of a client-request-id. Each of the C loops keeps a slot of
 * its own, as each create in flight in the app holds a slot no other create of that instance is using.
 *
 * Env: BENCH_STORAGE (connection string), BENCH_TABLE.
 */
import { odata, TableClient, type TransactionAction } from '@azure/data-tables';
import { randomUUID } from 'node:crypto';
import { benchEntity, recordEntity, slotEntity } from './entity';
import { serveCommands, type Command } from './ipc';
import { summarise, type Round } from './stats';

const connectionString = process.env.BENCH_STORAGE!;
const tableName = process.env.BENCH_TABLE!;
const clients = new Map<string, TableClient>();
/** One client per table: the run's table by default, or the one a command names (the reads get their own). */
function clientFor(table: string = tableName): TableClient {
  let c = clients.get(table);
  if (!c) clients.set(table, (c = TableClient.fromConnectionString(connectionString, table, { allowInsecureConnection: true })));
  return c;
}

export interface RawRound extends Round {
  firstError?: string;
  cpuMs: number;
  /** The kernel's share of cpuMsPerOp (system time: sockets, syscalls). */
  systemMsPerOp: number;
}

type Operation = (worker: number, i: number) => Promise<unknown>;

/** C loops, each issuing its next call as soon as the last one returns, until the window closes. */
async function closedLoop(op: string, concurrency: number, durationMs: number, operation: Operation): Promise<RawRound> {
  const latencies: number[] = [];
  let inWindow = 0;
  let errors = 0;
  let firstError: string | undefined;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const deadline = start + durationMs;
  const loop = async (worker: number) => {
    for (let i = 0; performance.now() < deadline; i++) {
      const t = performance.now();
      try {
        await operation(worker, i);
      } catch (err) {
        errors++;
        firstError ??= err instanceof Error ? err.message : String(err);
        continue;
      }
      const done = performance.now();
      latencies.push(done - t);
      if (done <= deadline) inWindow++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => loop(w)));
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return {
    op,
    concurrency,
    durationMs,
    inWindow,
    completed: latencies.length,
    errors,
    firstError,
    throughput: inWindow / (durationMs / 1000),
    latency: summarise(latencies),
    cpuMs,
    cpuMsPerOp: cpuMs / Math.max(1, latencies.length + errors),
    systemMsPerOp: cpu.system / 1000 / Math.max(1, latencies.length + errors),
  };
}

async function handle(command: Command): Promise<unknown> {
  const concurrency = Number(command.concurrency ?? 1);
  const durationMs = Number(command.durationMs ?? 1000);
  const partition = typeof command.partition === 'string' ? command.partition : 'p';
  const client = clientFor(typeof command.table === 'string' ? command.table : undefined);
  switch (command.op) {
    case 'init':
      await client.createTable();
      return {};
    case 'insert':
      return closedLoop('insert', concurrency, durationMs, () => client.createEntity(benchEntity(partition)));
    case 'transaction': {
      if (concurrency > 64) throw new Error('the app has 64 counter slots: at most 64 loops');
      const withRecord = command.record === true;
      const slots = Array.from({ length: concurrency }, () => ({ n: 0, etag: undefined as string | undefined }));
      return closedLoop(withRecord ? 'transaction+record' : 'transaction', concurrency, durationMs, async (w) => {
        const slot = slots[w]!;
        const row = benchEntity(partition);
        const actions: TransactionAction[] = [['create', row]];
        if (withRecord) actions.push(['create', recordEntity(row, randomUUID())]);
        const counter = slotEntity(partition, w, slot.n + 1);
        actions.push(slot.etag === undefined ? ['create', counter] : ['update', counter, 'Replace', { etag: slot.etag }]);
        const response = await client.submitTransaction(actions);
        slot.n++;
        slot.etag = response.subResponses[actions.length - 1]?.etag;
      });
    }
    case 'seed': {
      const ids: string[] = [];
      const count = Number(command.count);
      for (let i = 0; i < count; i += 50) {
        const batch = Array.from({ length: Math.min(50, count - i) }, () => benchEntity(partition));
        await Promise.all(batch.map((e) => client.createEntity(e)));
        ids.push(...batch.map((e) => e.rowKey));
      }
      return { ids };
    }
    case 'get': {
      const ids = command.ids as string[];
      return closedLoop('get', concurrency, durationMs, (w, i) => client.getEntity(partition, ids[(w * 7919 + i) % ids.length]!));
    }
    case 'list': {
      const pageSize = Number(command.pageSize ?? 100);
      return closedLoop('list', concurrency, durationMs, async () => {
        const pages = client
          .listEntities({ queryOptions: { filter: odata`PartitionKey eq ${partition}` } })
          .byPage({ maxPageSize: pageSize });
        const page = await pages.next();
        if (page.done || page.value.length !== pageSize) throw new Error(`expected a page of ${pageSize}`);
      });
    }
    default:
      throw new Error(`unknown op ${command.op}`);
  }
}

serveCommands(handle, { pid: process.pid });
