import { TableClient } from '@azure/data-tables';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, startAzurite, type RunningAzurite } from '../../dev/azurite';
import { startRunnerProcess, type RunnerProcess } from '../../test/helpers/runner';
import { answerOfFetch, graphProblems, mapLimit, type Answer } from './graph-checks';

/**
 * Storage going away under load, over real HTTP: the app runs as the local runner process against its
 * own Azurite; writer loops POST assignments and record every answer; mid-run Azurite is stopped
 * (SIGINT, so it flushes its data file), left down, then started again on the same port, with its data
 * (same --location) or empty (in memory, the table gone). Jest-free: it returns what it saw and the
 * tests and the figures command judge it.
 *
 * What it measures, precisely:
 * - detection: from sending Azurite SIGINT to the first 503 answer the app gives;
 * - outage answers: every write sent and answered between Azurite's exit and the command starting it
 *   again, with its latency;
 * - recovery: from Azurite being ready again (it printed "successfully started") to the first 2xx
 *   answer (0 if one came even before Azurite said it was ready), and the answers between the restart
 *   command and that first 2xx;
 * - acknowledged writes (201) and whether each is found afterwards, by GET over HTTP and straight from
 *   the table. A write answered 503 may still have been stored (storage applied it, the answer was lost);
 *   those are counted, not failed: the invariant is that a 201 means stored, not that a 503 means not.
 */

export interface StorageFaultOptions {
  /** Azurite comes back without its data (in memory), so the table must be created again. */
  comesBackEmpty: boolean;
  storageTimeoutMs: number;
  writers: number;
  /** A pause between one writer's requests, to set the load (0: as fast as answers come). */
  pauseMs?: number;
  healthyMs: number;
  outageMs: number;
  afterMs: number;
  /** Hard bounds on the writer loops. */
  maxRequests: number;
  maxDurationMs: number;
  tableName: string;
  requestTimeoutMs?: number;
}

interface Write {
  sentAt: number;
  answeredAt: number;
  status: number;
  id?: string;
  retryAfter?: string;
}

export interface StorageFaultFigures {
  writes: {
    sent: number;
    statuses: Record<number, number>;
    acknowledged: number;
    /** Acknowledged writes that storage can still hold: all, or when it came back empty, those acknowledged after the old one exited. */
    expectedToSurvive: number;
    foundByGet: number;
    foundInTable: number;
    /** Rows in the table that were never acknowledged (answered 503, or no answer): informative. */
    storedButNotAcknowledged: number;
  };
  /** Writes answered before Azurite was told to stop: all must be 201. */
  healthy: { writes: number; statuses: Record<number, number> };
  outage: {
    detectionMs?: number;
    /** Writes sent and answered while Azurite was down, their statuses, and the slowest answer among them. */
    writes: number;
    statuses: Record<number, number>;
    slowestMs: number;
    everyAnswerHadRetryAfter: boolean;
    healthStatus: number;
  };
  recovery: {
    /** Azurite's own start-up: from the command starting it again to its "successfully started". */
    azuriteStartMs: number;
    /** From Azurite being ready to the first 2xx (0 when one came even before it said so). */
    recoveryMs?: number;
    /** Statuses of the writes answered after the restart command, before the first 2xx. */
    statusesBeforeFirstSuccess: Record<number, number>;
    healthStatus: number;
  };
  /** 503 answers to writes, and those of them answered outside the outage (before the SIGINT, or after the first 2xx once storage was back). */
  fiveOhThrees: { total: number; outsideOutage: number };
  /** 5xx answers other than 503 (must be none). */
  otherFiveXX: number;
  problems: string[];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const tally = (statuses: number[]) => statuses.reduce<Record<number, number>>((t, s) => ((t[s] = (t[s] ?? 0) + 1), t), {});
const CONFIGURATION = 'cfg-storage-faults';

export async function runStorageFaultScenario(o: StorageFaultOptions): Promise<StorageFaultFigures> {
  const location = o.comesBackEmpty ? undefined : mkdtempSync(path.join(tmpdir(), 'azurite-faults-'));
  const tablePort = await freePort();
  let azurite: RunningAzurite | undefined;
  let runner: RunnerProcess | undefined;
  const problems: string[] = [];
  let otherFiveXX = 0;
  try {
    azurite = await startAzurite({ tablePort, location });
    runner = await startRunnerProcess({
      ASSIGNMENTS_STORAGE: azurite.connectionString,
      ASSIGNMENTS_TABLE: o.tableName,
      STORAGE_TIMEOUT_MS: String(o.storageTimeoutMs),
    });
    const base = runner.url;
    const collection = `${base}/beta/deviceManagement/deviceEnrollmentConfigurations/${CONFIGURATION}/assignments`;
    const headers = { Authorization: 'Bearer storage-faults', 'Content-Type': 'application/json' };
    const requestTimeoutMs = o.requestTimeoutMs ?? 15_000;

    async function call(url: string, init: RequestInit = {}): Promise<Answer | undefined> {
      let answer: Answer;
      try {
        answer = await answerOfFetch(await fetch(url, { ...init, headers, signal: AbortSignal.timeout(requestTimeoutMs) }));
      } catch (err) {
        problems.push(
          `${init.method ?? 'GET'} ${url}: no answer within ${requestTimeoutMs} ms (${err instanceof Error ? err.message : String(err)})`,
        );
        return undefined;
      }
      if (answer.status >= 500 && answer.status !== 503) otherFiveXX++;
      // 503 is the expected answer while storage is away; anything else must be a well-formed answer below 500.
      const found = graphProblems(answer).filter((p) => p !== 'status 503 (5xx)');
      if (found.length > 0) problems.push(`${init.method ?? 'GET'} ${url}: ${found.join('; ')}`);
      return answer;
    }

    // ---- writers ----
    const writes: Write[] = [];
    const started = Date.now();
    let stopWriters = false;
    const writer = async (n: number) => {
      for (let i = 0; !stopWriters && writes.length < o.maxRequests && Date.now() - started < o.maxDurationMs; i++) {
        const sentAt = Date.now();
        const answer = await call(collection, {
          method: 'POST',
          body: JSON.stringify({ target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' }, sourceId: `writer-${n}-${i}` }),
        });
        const write: Write = { sentAt, answeredAt: Date.now(), status: answer?.status ?? 0 };
        if (answer?.status === 201) write.id = JSON.parse(answer.body!).id;
        if (answer?.headers['retry-after']) write.retryAfter = answer.headers['retry-after'];
        if (answer && answer.status !== 201 && answer.status !== 503)
          problems.push(`a write answered ${answer.status}: ${answer.body?.slice(0, 200)}`);
        writes.push(write);
        // A polite client waits after a 503, which also keeps the outage from being a busy loop.
        if (answer?.status === 503) await sleep(Math.max(50, o.pauseMs ?? 0));
        else if (o.pauseMs) await sleep(o.pauseMs);
      }
    };
    const writing = Promise.all(Array.from({ length: o.writers }, (_, n) => writer(n)));

    // ---- healthy, then storage goes away ----
    // From the first 201: a fresh app's first write also creates its tables (the journal's too, with
    // local.settings.json's MOCK_ADMIN=on), which on a busy machine can take longer than healthyMs.
    const warmDeadline = Date.now() + 15_000;
    while (!writes.some((w) => w.status === 201) && Date.now() < warmDeadline) await sleep(20);
    await sleep(o.healthyMs);
    const sigintAt = Date.now();
    await azurite.stop();
    const downAt = Date.now();
    const healthDown = await call(`${base}/health`);
    await sleep(o.outageMs);

    // ---- storage comes back on the same port, with its data or empty ----
    const restartAt = Date.now();
    azurite = await startAzurite({ tablePort, location });
    const upAt = Date.now();
    const recoveryDeadline = upAt + o.storageTimeoutMs * 3 + 10_000;
    while (!writes.some((w) => w.answeredAt >= restartAt && w.status >= 200 && w.status < 300) && Date.now() < recoveryDeadline)
      await sleep(20);
    await sleep(o.afterMs);
    stopWriters = true;
    await writing;
    const healthUp = await call(`${base}/health`);

    // ---- what became of every acknowledged write ----
    const acknowledged = writes.filter((w) => w.status === 201 && w.id !== undefined);
    // Back empty, storage holds every write acknowledged that was sent after the old Azurite exited: only
    // the new one can have taken it. A write sent before the exit may have been stored by the old one,
    // which lost it with its memory, and still be answered 201 after the exit: the app's answer reaches
    // this process after `stop()` returned (seen once on a loaded machine: 37 of 38 "after" writes).
    const expected = o.comesBackEmpty ? acknowledged.filter((w) => w.sentAt >= downAt) : acknowledged;
    const gets = await mapLimit(expected, 16, (w) => call(`${collection}/${w.id}`));
    const foundByGet = gets.filter((g) => g?.status === 200).length;
    const table = TableClient.fromConnectionString(azurite.connectionString, o.tableName, { allowInsecureConnection: true });
    const rows = new Set<string>();
    for await (const e of table.listEntities({
      queryOptions: { filter: `PartitionKey eq '${CONFIGURATION}' and RowKey lt '~'`, select: ['RowKey'] },
    }))
      rows.add(e.rowKey as string);
    const foundInTable = expected.filter((w) => rows.has(w.id!)).length;
    const acknowledgedIds = new Set(acknowledged.map((w) => w.id));

    const healthy = writes.filter((w) => w.answeredAt < sigintAt);
    const firstFiveOhThree = writes
      .filter((w) => w.status === 503 && w.answeredAt >= sigintAt)
      .sort((a, b) => a.answeredAt - b.answeredAt)[0];
    // Sent and answered while Azurite was down: from its exit to the command starting it again. (A write
    // sent just before it is back may rightly succeed: the SDK's retry reaches the new Azurite.)
    const duringOutage = writes.filter((w) => w.sentAt >= downAt && w.answeredAt < restartAt);
    const afterRestart = writes.filter((w) => w.answeredAt >= restartAt);
    const firstSuccess = afterRestart.filter((w) => w.status >= 200 && w.status < 300).sort((a, b) => a.answeredAt - b.answeredAt)[0];
    const beforeFirstSuccess = firstSuccess ? afterRestart.filter((w) => w.answeredAt < firstSuccess.answeredAt) : afterRestart;

    return {
      writes: {
        sent: writes.length,
        statuses: tally(writes.map((w) => w.status)),
        acknowledged: acknowledged.length,
        expectedToSurvive: expected.length,
        foundByGet,
        foundInTable,
        storedButNotAcknowledged: [...rows].filter((id) => !acknowledgedIds.has(id)).length,
      },
      healthy: { writes: healthy.length, statuses: tally(healthy.map((w) => w.status)) },
      outage: {
        detectionMs: firstFiveOhThree ? firstFiveOhThree.answeredAt - sigintAt : undefined,
        writes: duringOutage.length,
        statuses: tally(duringOutage.map((w) => w.status)),
        slowestMs: Math.max(0, ...duringOutage.map((w) => w.answeredAt - w.sentAt)),
        everyAnswerHadRetryAfter: writes.filter((w) => w.status === 503).every((w) => Number(w.retryAfter) > 0),
        healthStatus: healthDown?.status ?? 0,
      },
      recovery: {
        azuriteStartMs: upAt - restartAt,
        recoveryMs: firstSuccess ? Math.max(0, firstSuccess.answeredAt - upAt) : undefined,
        statusesBeforeFirstSuccess: tally(beforeFirstSuccess.map((w) => w.status)),
        healthStatus: healthUp?.status ?? 0,
      },
      fiveOhThrees: {
        total: writes.filter((w) => w.status === 503).length,
        outsideOutage: writes.filter(
          (w) => w.status === 503 && (w.answeredAt < sigintAt || (firstSuccess !== undefined && w.answeredAt > firstSuccess.answeredAt)),
        ).length,
      },
      otherFiveXX,
      problems,
    };
  } finally {
    await runner?.stop();
    await azurite?.stop();
    if (location) rmSync(location, { recursive: true, force: true });
  }
}
