/**
 * `npm run test:reliability`: the reliability figures, from real runs, in one summary.
 *
 * It runs, against real Azurite processes and the app served by the local runner process:
 * 1. hostile input: a fast-check campaign straight to the handlers and one over HTTP (the same
 *    generators and checks as the jest property tests, with many more inputs);
 * 2. bodies far over the 4 MiB limit, streamed, with the server's peak memory;
 * 3. concurrency: parallel creates, and PATCH races with and without If-Match;
 * 4. storage faults: Azurite stopped mid-run and started again, with its data and empty;
 * 5. scale-out: two app instances on one Azurite racing assign actions, counted failures and
 *    the rate limit across them, creates retried after an Azurite SIGSTOP, a 50,000-assignment configuration;
 * 6. a configuration filled to 20,000 assignments through POST /__admin/seed, 1,000 a call: the last
 *    thousand cost what the first did, $count is right, and an assign action replaces the whole set.
 * Then it prints a summary and exits non-zero if any invariant fails. `--out FILE` also writes the
 * report as Markdown. Sizes can be changed with RELIABILITY_* variables (see `settings` below).
 */
import { TableClient } from '@azure/data-tables';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseConfig } from '../../src/config';
import { createApp } from '../../src/createApp';
import { freePort, startAzurite, type RunningAzurite } from '../../dev/azurite';
import { startRunnerProcess, type RunnerProcess } from '../../test/helpers/runner';
import { runConcurrencyScenario, type ConcurrencyFigures } from './concurrency';
import { fitsInRequestHead, hostileIn, hostileRequest, runCampaign, sendInProcess, sendOverHttp, type CampaignResult } from './hostile';
import { declaredOnly, lyingContentLength, MiB, peakRssMiB, streamBody } from './oversized';
import { COMPARED, fillThroughAdminSeed } from './admin-seed';
import { assignRace, countedFailures, largeConfiguration, sharedRateLimit, stallAndRetry, startTwoInstances } from './scale-out';
import { runStorageFaultScenario, type StorageFaultFigures } from './storage-faults';

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const settings = {
  seed: num('RELIABILITY_SEED', 20261128),
  handlerRunsPerProperty: num('RELIABILITY_HANDLER_RUNS', 1000),
  httpRuns: num('RELIABILITY_HTTP_RUNS', 2000),
  oversizedMiB: num('RELIABILITY_OVERSIZED_MIB', 512),
  parallelCreates: num('RELIABILITY_PARALLEL_CREATES', 1000),
  racers: num('RELIABILITY_RACERS', 20),
  storageTimeoutMs: num('RELIABILITY_STORAGE_TIMEOUT_MS', 2000),
  outageMs: num('RELIABILITY_OUTAGE_MS', 5000),
  assignRounds: num('RELIABILITY_ASSIGN_ROUNDS', 20),
  largeSize: num('RELIABILITY_LARGE_SIZE', 50_000),
  seededSize: num('RELIABILITY_SEEDED_SIZE', 20_000),
};
const ANSWER_BOUND_MS = settings.storageTimeoutMs + 3000;

interface Check {
  name: string;
  figure: string;
  required: string;
  ok: boolean;
}
const checks: Check[] = [];
const details: string[] = [];
const check = (name: string, figure: string | number, required: string, ok: boolean) =>
  checks.push({ name, figure: String(figure), required, ok });
const log = (line: string) => process.stderr.write(`${line}\n`);
const ms = (n: number | undefined) => (n === undefined ? 'never' : `${Math.round(n)} ms`);
const statuses = (t: Record<number, number>) =>
  Object.entries(t)
    .map(([s, n]) => `${n}×${s}`)
    .join(', ');

function tableReader(connectionString: string, table: string) {
  const client = TableClient.fromConnectionString(connectionString, table, { allowInsecureConnection: true });
  return (pk: string, rk: string) =>
    client.getEntity(pk, rk).then(
      () => true,
      () => false,
    );
}

async function hostileCampaigns(azurite: RunningAzurite): Promise<CampaignResult[]> {
  // In process: an app of its own, built from these settings.
  const app = createApp(
    parseConfig({
      ASSIGNMENTS_STORAGE: azurite.connectionString,
      ASSIGNMENTS_TABLE: 'reliabilityHandlers',
      AUTH_MODE: 'dev',
      STORAGE_TIMEOUT_MS: '4000',
    }),
  );
  const results: CampaignResult[] = [];
  const dimensions = [
    ['body', hostileIn('body')],
    ['headers', hostileIn('headers')],
    ['query', hostileIn('query')],
    ['path', hostileIn('path')],
    ['everything at once', hostileRequest],
  ] as const;
  for (const [i, [name, arbitrary]] of dimensions.entries()) {
    const started = Date.now();
    const r = await runCampaign(arbitrary, sendInProcess(app), {
      seed: settings.seed + i,
      numRuns: settings.handlerRunsPerProperty,
      inProcess: true,
      readBack: tableReader(azurite.connectionString, 'reliabilityHandlers'),
    });
    log(`  handlers, hostile ${name}: ${r.inputs} inputs, ${statuses(r.byStatus)} (${Date.now() - started} ms)`);
    results.push(r);
  }
  const runner = await startRunnerProcess({
    ASSIGNMENTS_STORAGE: azurite.connectionString,
    ASSIGNMENTS_TABLE: 'reliabilityHttp',
    STORAGE_TIMEOUT_MS: '4000',
  });
  try {
    const started = Date.now();
    const r = await runCampaign(hostileRequest.filter(fitsInRequestHead), (x) => sendOverHttp(runner.url, x), {
      seed: settings.seed + 10,
      numRuns: settings.httpRuns,
      inProcess: false,
      readBack: tableReader(azurite.connectionString, 'reliabilityHttp'),
    });
    log(`  HTTP, everything at once: ${r.inputs} inputs, ${statuses(r.byStatus)} (${Date.now() - started} ms)`);
    results.push(r);
  } finally {
    await runner.stop();
  }
  return results;
}

async function oversized(azurite: RunningAzurite): Promise<void> {
  const runner = await startRunnerProcess({ ASSIGNMENTS_STORAGE: azurite.connectionString, ASSIGNMENTS_TABLE: 'reliabilityOversized' });
  try {
    const url = `${runner.url}/beta/deviceManagement/deviceEnrollmentConfigurations/cfg-oversized/assignments`;
    const body = settings.oversizedMiB * MiB;
    await streamBody(url, 5 * MiB);
    await streamBody(url, 5 * MiB, 5 * MiB);
    const before = peakRssMiB(runner.process.pid!);
    // The runner copies the genuine host: a chunked body never reaches the app (it answers an empty body's
    // 400), and a Content-Length over 104857600 is answered 500 and closed before the body is read.
    const chunked = await streamBody(url, body);
    const declared = await declaredOnly(url, body);
    const lie = await lyingContentLength(url, 1000, body);
    const after = peakRssMiB(runner.process.pid!);
    const growth = before === undefined || after === undefined ? undefined : after - before;
    const lieStatuses = [...lie.received.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => Number(m[1]));
    check(
      `${settings.oversizedMiB} MiB body, chunked / with Content-Length (the host's answers)`,
      `${chunked.status} / ${declared.status}${declared.closed ? ', closed' : ''}`,
      '400 / 500, closed',
      chunked.status === 400 && declared.status === 500 && declared.closed,
    );
    check(
      `server peak memory growth over those bodies`,
      growth === undefined ? 'not measurable here' : `${growth.toFixed(1)} MiB`,
      `< ${settings.oversizedMiB / 4} MiB`,
      growth === undefined || growth < settings.oversizedMiB / 4,
    );
    check(
      'Content-Length lying low (1,000 declared)',
      `closed after ${(lie.sentBytes / MiB).toFixed(0)} MiB sent${lieStatuses.length ? `, answers ${lieStatuses.join(', ')}` : ', no answer'}`,
      `no 5xx, closed < ${settings.oversizedMiB / 4} MiB`,
      lieStatuses.every((s) => s < 500) && lie.sentBytes < body / 4,
    );
  } finally {
    await runner.stop();
  }
}

async function concurrency(azurite: RunningAzurite): Promise<ConcurrencyFigures> {
  // As in the e2e test: the deadline is not the question here (the storage fault scenario is).
  const runner: RunnerProcess = await startRunnerProcess({
    ASSIGNMENTS_STORAGE: azurite.connectionString,
    ASSIGNMENTS_TABLE: 'reliabilityConcurrency',
    STORAGE_TIMEOUT_MS: '15000',
  });
  try {
    return await runConcurrencyScenario({
      baseUrl: runner.url,
      configurationId: 'cfg-concurrency',
      creates: settings.parallelCreates,
      racers: settings.racers,
      readStored: tableReader(azurite.connectionString, 'reliabilityConcurrency'),
    });
  } finally {
    await runner.stop();
  }
}

function faults(comesBackEmpty: boolean): Promise<StorageFaultFigures> {
  return runStorageFaultScenario({
    comesBackEmpty,
    storageTimeoutMs: settings.storageTimeoutMs,
    writers: 8,
    healthyMs: 3000,
    outageMs: settings.outageMs,
    afterMs: 3000,
    maxRequests: 20_000,
    maxDurationMs: 120_000,
    tableName: comesBackEmpty ? 'reliabilityFaultsEmpty' : 'reliabilityFaults',
  });
}

function faultChecks(label: string, f: StorageFaultFigures): void {
  check(`${label}: writes before the stop`, statuses(f.healthy.statuses), 'all 201', Object.keys(f.healthy.statuses).join() === '201');
  check(
    `${label}: writes while Azurite was down`,
    `${statuses(f.outage.statuses)}${f.outage.everyAnswerHadRetryAfter ? ', all with Retry-After' : ', Retry-After MISSING'}`,
    'all 503 + Retry-After',
    f.outage.writes > 0 && f.outage.statuses[503] === f.outage.writes && f.outage.everyAnswerHadRetryAfter,
  );
  check(
    `${label}: fault detection (SIGINT → first 503)`,
    ms(f.outage.detectionMs),
    `< ${ANSWER_BOUND_MS} ms`,
    (f.outage.detectionMs ?? Infinity) < ANSWER_BOUND_MS,
  );
  check(`${label}: slowest answer while down`, ms(f.outage.slowestMs), `< ${ANSWER_BOUND_MS} ms`, f.outage.slowestMs < ANSWER_BOUND_MS);
  check(
    `${label}: /health while down / after`,
    `${f.outage.healthStatus} / ${f.recovery.healthStatus}`,
    '503 / 200',
    f.outage.healthStatus === 503 && f.recovery.healthStatus === 200,
  );
  check(
    `${label}: recovery (Azurite ready → first 201)`,
    `${ms(f.recovery.recoveryMs)} (Azurite itself took ${ms(f.recovery.azuriteStartMs)} to start)`,
    `< ${ANSWER_BOUND_MS} ms, no app restart`,
    (f.recovery.recoveryMs ?? Infinity) < ANSWER_BOUND_MS,
  );
  check(
    f.writes.expectedToSurvive === f.writes.acknowledged
      ? `${label}: writes acknowledged / found (GET, table)`
      : `${label}: writes acknowledged after the wipe / found (GET, table)`,
    `${f.writes.expectedToSurvive} / ${f.writes.foundByGet}, ${f.writes.foundInTable}`,
    'equal',
    f.writes.expectedToSurvive > 0 &&
      f.writes.foundByGet === f.writes.expectedToSurvive &&
      f.writes.foundInTable === f.writes.expectedToSurvive,
  );
  check(
    `${label}: 503s outside the outage`,
    `${f.fiveOhThrees.outsideOutage} of ${f.fiveOhThrees.total}`,
    '0',
    f.fiveOhThrees.outsideOutage === 0,
  );
  details.push(
    `${label}: ${f.writes.sent} writes (${statuses(f.writes.statuses)}); ${f.writes.storedButNotAcknowledged} stored though not acknowledged; ` +
      `${f.otherFiveXX} 5xx other than 503; problems: ${f.problems.length ? f.problems.slice(0, 5).join(' | ') : 'none'}`,
  );
}

async function scaleOut(): Promise<void> {
  const azurite = await startAzurite({ tablePort: await freePort() });
  try {
    let [a, b] = await startTwoInstances(azurite.connectionString, 'reliabilityScaleOut');
    try {
      for (const size of [3, 150]) {
        const r = await assignRace([a.url, b.url], size, settings.assignRounds);
        const fiveXX = Object.entries(r.statuses)
          .filter(([s]) => Number(s) >= 500 || Number(s) === 0)
          .reduce((n, [, c]) => n + c, 0);
        check(
          `two instances, two assign actions at once of ${size} items (${r.rounds} rounds)`,
          `${statuses(r.statuses)}; ${r.mixes} mixes, ${r.countWrong} wrong $count`,
          '0 mixes, 0 5xx, $count right',
          r.mixes === 0 && fiveXX === 0 && r.countWrong === 0 && r.statuses[204] === 2 * r.rounds,
        );
      }
      const c = await countedFailures([a.url, b.url], 10, 2);
      check(
        'two instances, 10 attempts at once of one client-request-id, x-mock-error 429 count 2',
        `${statuses(c.statuses)}; ${c.stored} stored`,
        '2×429, 8×201, 1 stored',
        c.statuses[429] === 2 && c.statuses[201] === 8 && c.stored === 1,
      );
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    [a, b] = await startTwoInstances(azurite.connectionString, 'reliabilityScaleOut', { MOCK_RATE_LIMIT: '10/60' });
    try {
      const r = await sharedRateLimit([a.url, b.url], 10, 30);
      check(
        'MOCK_RATE_LIMIT=10/60, one caller alternating between two instances',
        `${r.allowed} of ${r.sent} allowed (${statuses(r.statuses)})`,
        'exactly 10',
        r.allowed === 10 && r.statuses[429] === 20,
      );
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    // One instance is enough here (starting two and keeping one left the other running after the report).
    const large = await startRunnerProcess({
      ASSIGNMENTS_STORAGE: azurite.connectionString,
      ASSIGNMENTS_TABLE: 'reliabilityLarge',
      MOCK_CONTROLS: 'on',
    });
    try {
      const l = await largeConfiguration(azurite.connectionString, 'reliabilityLarge', large.url, settings.largeSize);
      check(
        `${l.size} assignments: $count / create / GET / first page of 100`,
        `${l.countBefore.count} in ${l.countBefore.ms} ms / ${l.create.status} in ${l.create.ms} ms / ${l.get.status} in ${l.get.ms} ms / ${l.firstPage.items} in ${l.firstPage.ms} ms`,
        `${l.size}, 201, 200, 100`,
        l.countBefore.count === l.size &&
          l.create.status === 201 &&
          l.get.status === 200 &&
          l.firstPage.items === 100 &&
          l.countAfterCreate === l.size + 1,
      );
      const left = l.staleRowsLeft[l.staleRowsLeft.length - 1];
      check(
        `${l.size} assignments: assign of 1,000, repeated until the old set is swept`,
        `${l.assignStatuses.join(', ')} (${l.assignMs.map((m) => `${Math.round(m / 100) / 10} s`).join(', ')}); $count then ${l.countAfterAssign}, ${l.listedAfterAssign} listed; old rows left ${l.staleRowsLeft.join(' → ')}`,
        'every call 204, $count 1000, old rows to 0',
        l.assignStatuses.every((s) => s === 204) && l.countAfterAssign === 1000 && l.listedAfterAssign === 1000 && left === 0,
      );
      details.push(`large configuration: seeded ${l.size} rows straight into the table in ${Math.round(l.seedMs / 1000)} s`);
    } finally {
      await large.stop();
    }
  } finally {
    await azurite.stop();
  }
  const st = await stallAndRetry(32, 3000, 4);
  check(
    'creates through 4 Azurite SIGSTOPs of 3 s, each not answered 201 retried with its client-request-id',
    `${st.requests} requests: first ${statuses(st.firstStatuses)}; ${st.retried} retried: ${statuses(st.retryStatuses)}; ${st.landedLate} of them stored by their first attempt after its 503`,
    'every request stored exactly once, every retry 201',
    st.notStoredOnce === 0 && st.unanswered === 0,
  );
}

async function adminSeed(): Promise<void> {
  const azurite = await startAzurite({ tablePort: await freePort() });
  try {
    const runner = await startRunnerProcess({
      ASSIGNMENTS_STORAGE: azurite.connectionString,
      ASSIGNMENTS_TABLE: 'reliabilityAdminSeed',
      MOCK_ADMIN: 'on',
    });
    try {
      const f = await fillThroughAdminSeed(runner.url, 'cfg-seeded', settings.seededSize);
      const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
      const calls = f.callMs.length;
      check(
        `${f.total} assignments through /__admin/seed, ${f.perCall} a call: every call`,
        `${statuses(f.callStatuses.reduce<Record<number, number>>((t, x) => ((t[x] = (t[x] ?? 0) + 1), t), {}))}, ${f.callStored.reduce((a, b) => a + b, 0)} stored`,
        `all 200, ${f.total} stored`,
        f.callStatuses.every((x) => x === 200) && f.callStored.reduce((a, b) => a + b, 0) === f.total,
      );
      check(
        `${f.total} through /__admin/seed: a call of the last ${f.perCall}s against a first ${f.perCall} into an empty configuration, each pair side by side (median of ${COMPARED} pairs)`,
        `${f.lastToEmpty.toFixed(2)} × (last ${f.callMs.slice(-COMPARED).map(s).join(', ')}; empty ${f.emptyMs.map(s).join(', ')}); against the first calls of the fill ${f.lastToFirst.toFixed(2)} × (${f.callMs.slice(0, COMPARED).map(s).join(', ')})`,
        '≤ 1.5 ×',
        f.lastToEmpty <= 1.5,
      );
      check(
        `${f.total} seeded: $count=true, then an assign action of ${f.assigned.length}: $count=true, /$count, the list, a replaced id`,
        `${f.countAfterSeed}; ${f.assignStatus} in ${s(f.assignMs)}: ${f.countAfterAssign}, ${f.plainCountAfterAssign}, ${f.listedAfterAssign.length} listed (${f.listedAfterAssign.filter((g) => f.assigned.includes(g)).length} of the assigned), GET ${f.replacedGetStatus}`,
        `${f.total}; 204: ${f.assigned.length}, ${f.assigned.length}, exactly those, 404`,
        f.countAfterSeed === f.total &&
          f.assignStatus === 204 &&
          f.countAfterAssign === f.assigned.length &&
          f.plainCountAfterAssign === String(f.assigned.length) &&
          f.listedAfterAssign.join() === [...f.assigned].sort().join() &&
          f.replacedGetStatus === 404,
      );
      details.push(
        `admin seed: ${calls} calls of ${f.perCall}, ${s(f.callMs.reduce((a, b) => a + b, 0))} in all; each call: ${f.callMs.map((ms) => (ms / 1000).toFixed(2)).join(', ')} s`,
      );
    } finally {
      await runner.stop();
    }
  } finally {
    await azurite.stop();
  }
}

/** Which code was measured: the commit, and whether the working tree differed from it. */
function revision(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim() !== '';
    return `commit ${commit}${dirty ? ' with local changes' : ''}`;
  } catch {
    return 'commit unknown';
  }
}

async function main(): Promise<void> {
  const loadAtStart = os.loadavg()[0]!;
  const outIndex = process.argv.indexOf('--out');
  const out = outIndex > 0 ? process.argv[outIndex + 1] : undefined;
  const started = Date.now();
  const azurite = await startAzurite({ tablePort: await freePort() });
  let campaigns: CampaignResult[];
  let conc: ConcurrencyFigures;
  try {
    log('1/6 hostile input');
    campaigns = await hostileCampaigns(azurite);
    log('2/6 bodies over the limit');
    await oversized(azurite);
    log('3/6 concurrency');
    conc = await concurrency(azurite);
  } finally {
    await azurite.stop();
  }
  log('4/6 storage faults (Azurite stopped and restarted with its data, then empty)');
  const withData = await faults(false);
  const empty = await faults(true);
  log('5/6 scale-out: two instances, retries through a stall, a large configuration');
  await scaleOut();
  log(`6/6 a configuration filled to ${settings.seededSize} through /__admin/seed, then replaced by an assign action`);
  await adminSeed();

  const inputs = campaigns.reduce((n, c) => n + c.inputs, 0);
  const fiveXX = campaigns.reduce((n, c) => n + c.fiveXX, 0);
  const malformed = campaigns.reduce((n, c) => n + c.failures.length, 0);
  const hostileAcknowledged = campaigns.reduce((n, c) => n + c.acknowledged, 0);
  const hostileFound = campaigns.reduce((n, c) => n + c.found, 0);
  check(
    'hostile inputs tried (handlers + HTTP)',
    `${inputs} (${inputs - campaigns[campaigns.length - 1]!.inputs} + ${campaigns[campaigns.length - 1]!.inputs})`,
    '-',
    inputs > 0,
  );
  check('5xx seen on hostile input', fiveXX, '0', fiveXX === 0);
  check('answers not in Graph’s shape, or prototype polluted', malformed, '0', malformed === 0);
  check('hostile creates acknowledged / found', `${hostileAcknowledged} / ${hostileFound}`, 'equal', hostileAcknowledged === hostileFound);
  for (const c of campaigns) for (const f of c.failures.slice(0, 3)) details.push(`hostile: ${f.problems.join('; ')} for ${f.request}`);

  const created = conc.creates.statuses[201] ?? 0;
  check(
    `parallel creates (${conc.creates.sent} at once)`,
    `${statuses(conc.creates.statuses)} in ${conc.creates.elapsedMs} ms, ${conc.creates.distinctIds} distinct ids`,
    `all 201`,
    created === conc.creates.sent && conc.creates.distinctIds === created,
  );
  check(
    'parallel creates acknowledged / found (list, GET, table)',
    `${created} / ${conc.found.inList}, ${conc.found.byGet}, ${conc.found.inStorage}`,
    'equal',
    conc.found.inList === created && conc.found.byGet === created && conc.found.inStorage === created && conc.found.unexpectedInList === 0,
  );
  check(
    `If-Match race (${settings.racers} PATCHes, one ETag)`,
    `${conc.ifMatchRace.statuses[200] ?? 0} winner, ${conc.ifMatchRace.statuses[412] ?? 0} × 412`,
    `1 winner, ${settings.racers - 1} × 412`,
    conc.ifMatchRace.statuses[200] === 1 && conc.ifMatchRace.statuses[412] === settings.racers - 1 && conc.ifMatchRace.finalIsAWinner,
  );
  check(
    `unconditional race (${settings.racers} PATCHes, no If-Match)`,
    `${statuses(conc.unconditionalRace.statuses)}, ${conc.unconditionalRace.distinctEtags} versions`,
    `all 200, ${settings.racers} versions`,
    conc.unconditionalRace.statuses[200] === settings.racers &&
      conc.unconditionalRace.distinctEtags === settings.racers &&
      conc.unconditionalRace.finalIsAWinner,
  );
  check(
    '5xx / malformed answers under concurrency',
    `${conc.fiveXX} / ${conc.problems.length}`,
    '0 / 0',
    conc.fiveXX === 0 && conc.problems.length === 0,
  );

  faultChecks('Azurite back with its data', withData);
  faultChecks('Azurite back empty', empty);
  const otherFiveXX = withData.otherFiveXX + empty.otherFiveXX;
  const faultProblems = withData.problems.length + empty.problems.length;
  check(
    'storage faults: 5xx other than 503 / malformed or missing answers',
    `${otherFiveXX} / ${faultProblems}`,
    '0 / 0',
    otherFiveXX === 0 && faultProblems === 0,
  );

  const acknowledged = hostileAcknowledged + created + withData.writes.expectedToSurvive + empty.writes.expectedToSurvive;
  const found =
    hostileFound +
    Math.min(conc.found.inList, conc.found.byGet, conc.found.inStorage ?? 0) +
    Math.min(withData.writes.foundByGet, withData.writes.foundInTable) +
    Math.min(empty.writes.foundByGet, empty.writes.foundInTable);

  const failed = checks.filter((c) => !c.ok);
  const width = (k: keyof Check) => Math.max(...checks.map((c) => String(c[k]).length), k.length);
  const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const table = [
    row(['check'.padEnd(width('name')), 'figure'.padEnd(width('figure')), 'required'.padEnd(width('required')), 'ok']),
    row(['-'.repeat(width('name')), '-'.repeat(width('figure')), '-'.repeat(width('required')), '--']),
    ...checks.map((c) =>
      row([c.name.padEnd(width('name')), c.figure.padEnd(width('figure')), c.required.padEnd(width('required')), c.ok ? 'ok' : 'FAIL']),
    ),
  ];
  const headline = [
    `Inputs tried: ${inputs}. 5xx seen: ${fiveXX + conc.fiveXX + otherFiveXX + withData.fiveOhThrees.outsideOutage + empty.fiveOhThrees.outsideOutage} ` +
      `(not counted: the ${withData.fiveOhThrees.total + empty.fiveOhThrees.total - withData.fiveOhThrees.outsideOutage - empty.fiveOhThrees.outsideOutage} ` +
      `503 + Retry-After answers while Azurite was stopped or restarting, which is what they must get).`,
    `Writes acknowledged: ${acknowledged}, found afterwards: ${found}, lost: ${acknowledged - found}` +
      ` (not counted: the ${empty.writes.acknowledged - empty.writes.expectedToSurvive} acknowledged before Azurite was restarted empty, whose storage was wiped on purpose).`,
    `Fault detection: ${ms(withData.outage.detectionMs)} / ${ms(empty.outage.detectionMs)}; recovery: ${ms(withData.recovery.recoveryMs)} / ${ms(empty.recovery.recoveryMs)} (back with data / back empty).`,
    failed.length === 0
      ? `All ${checks.length} checks passed.`
      : `${failed.length} of ${checks.length} checks FAILED: ${failed.map((c) => c.name).join('; ')}.`,
  ];
  const environment =
    `${revision()}, Node ${process.version}, ${os.cpus().length} CPUs, load average ${loadAtStart.toFixed(1)} at start and ${os.loadavg()[0]!.toFixed(1)} at the end, ` +
    `seed ${settings.seed}, STORAGE_TIMEOUT_MS ${settings.storageTimeoutMs} for the fault scenarios, ${Math.round((Date.now() - started) / 1000)} s in all`;
  const report = [
    `Reliability figures, ${new Date().toISOString().slice(0, 19)}Z (${environment}).`,
    '',
    ...headline,
    '',
    ...table,
    '',
    'Details:',
    ...details.map((d) => `- ${d}`),
  ].join('\n');
  process.stdout.write(`\n${report}\n`);
  if (out) {
    writeFileSync(out, `# Reliability figures\n\nOutput of \`npm run test:reliability\`, one run:\n\n\`\`\`\n${report}\n\`\`\`\n`);
    log(`written to ${out}`);
  }
  process.exitCode = failed.length === 0 ? 0 : 1;
}

/**
 * Everything started here is stopped before main() returns, so the process should end by itself. If
 * something is still holding it open a few seconds later, that is a leak: name it and fail, rather than
 * hang the CI run that waits for this command (it once did, for 90 minutes, on a server a bundled
 * module had started).
 */
function failIfStillRunningAfter(ms: number): void {
  setTimeout(() => {
    let children = '';
    try {
      children = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' }).trim();
    } catch {
      // no children, or no ps
    }
    console.error(
      `reliability: still running ${ms / 1000} s after the report; open handles: ${process.getActiveResourcesInfo().join(', ')}` +
        (children ? `\nchild processes still running:\n${children}` : ''),
    );
    process.exit(1);
  }, ms).unref();
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => failIfStillRunningAfter(10_000));
