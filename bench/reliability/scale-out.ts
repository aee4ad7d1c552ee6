import { TableClient, type TransactionAction } from '@azure/data-tables';
import { randomUUID } from 'node:crypto';
import { freePort, startAzurite, type RunningAzurite } from '../../dev/azurite';
import { startRunnerProcess, type RunnerProcess } from '../../test/helpers/runner';

/**
 * Scale-out's scenarios, as users and platforms cause them: two app instances on one Azurite (as Flex
 * Consumption runs them on one storage account), callers that race and retry. Jest-free: it returns
 * what it saw; test/e2e/scale-out.test.ts and `npm run test:reliability` judge it.
 */

const json = { 'Content-Type': 'application/json', Authorization: 'Bearer scale-out' };
const group = (groupId: string) => ({ target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId } });
const base = (url: string, cfg: string) => `${url}/beta/deviceManagement/deviceEnrollmentConfigurations/${cfg}`;
const tally = (statuses: number[]) => statuses.reduce<Record<number, number>>((t, s) => ((t[s] = (t[s] ?? 0) + 1), t), {});

async function send(url: string, init: RequestInit = {}, timeoutMs = 30_000): Promise<{ status: number; body: any; headers: Headers }> {
  try {
    const r = await fetch(url, {
      ...init,
      headers: { ...json, ...(init.headers as Record<string, string>) },
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : undefined, headers: r.headers };
  } catch {
    return { status: 0, body: undefined, headers: new Headers() };
  }
}

/** Every groupId of the configuration's set, through the API, following @odata.nextLink. */
async function listedGroups(url: string, cfg: string): Promise<string[]> {
  const out: string[] = [];
  for (let next: string | undefined = `${base(url, cfg)}/assignments?$top=999`; next;) {
    const page = await send(next);
    if (page.status !== 200) throw new Error(`list answered ${page.status}`);
    out.push(...page.body.value.map((v: any) => v.target.groupId));
    next = page.body['@odata.nextLink'];
  }
  return out.sort();
}

async function countOf(url: string, cfg: string): Promise<{ status: number; count?: number; ms: number }> {
  const started = Date.now();
  const r = await send(`${base(url, cfg)}/assignments?$count=true&$top=1`);
  return { status: r.status, count: r.body?.['@odata.count'], ms: Date.now() - started };
}

export interface AssignRaceFigures {
  size: number;
  rounds: number;
  /** Rounds whose final set was not exactly one caller's. */
  mixes: number;
  /** Rounds where $count disagreed with the listed set. */
  countWrong: number;
  statuses: Record<number, number>;
}

/** Two callers at once per round, one through each instance, each assigning its own set. */
export async function assignRace(urls: [string, string], size: number, rounds: number): Promise<AssignRaceFigures> {
  const cfg = `race-${size}-${randomUUID().slice(0, 8)}`;
  const statuses: number[] = [];
  let mixes = 0;
  let countWrong = 0;
  for (let round = 0; round < rounds; round++) {
    const sets = urls.map((_, caller) => Array.from({ length: size }, (__, i) => `r${round}-c${caller}-${i}`));
    const answers = await Promise.all(
      urls.map((url, caller) =>
        send(`${base(url, cfg)}/assign`, {
          method: 'POST',
          body: JSON.stringify({ enrollmentConfigurationAssignments: sets[caller]!.map(group) }),
        }),
      ),
    );
    statuses.push(...answers.map((a) => a.status));
    const final = await listedGroups(urls[round % 2]!, cfg);
    if (!sets.some((s) => JSON.stringify([...s].sort()) === JSON.stringify(final))) mixes++;
    if ((await countOf(urls[(round + 1) % 2]!, cfg)).count !== final.length) countWrong++;
  }
  return { size, rounds, mixes, countWrong, statuses: tally(statuses) };
}

export interface CountedFailureFigures {
  attempts: number;
  statuses: Record<number, number>;
  stored: number;
}

/** Ten attempts of one request (one client-request-id) at once, alternating instances, two to fail. */
export async function countedFailures(urls: [string, string], attempts = 10, failures = 2): Promise<CountedFailureFigures> {
  const cfg = `counted-${randomUUID().slice(0, 8)}`;
  const headers = {
    'client-request-id': randomUUID(),
    'x-mock-error': '429',
    'x-mock-error-count': String(failures),
    'x-mock-retry-after': '1',
  };
  const answers = await Promise.all(
    Array.from({ length: attempts }, (_, i) =>
      send(`${base(urls[i % 2]!, cfg)}/assignments`, { method: 'POST', headers, body: JSON.stringify(group('g')) }),
    ),
  );
  return { attempts, statuses: tally(answers.map((a) => a.status)), stored: (await listedGroups(urls[0], cfg)).length };
}

export interface RateLimitFigures {
  limit: number;
  sent: number;
  allowed: number;
  statuses: Record<number, number>;
}

/** One caller's requests alternating between the two instances, all inside one window. */
export async function sharedRateLimit(urls: [string, string], limit: number, sent: number): Promise<RateLimitFigures> {
  const cfg = `rate-${randomUUID().slice(0, 8)}`;
  const statuses: number[] = [];
  for (let i = 0; i < sent; i++) statuses.push((await send(`${base(urls[i % 2]!, cfg)}/assignments?$top=1`)).status);
  return { limit, sent, allowed: statuses.filter((s) => s === 200).length, statuses: tally(statuses) };
}

export interface StallFigures {
  requests: number;
  /** First attempts: answered while or around the stall. */
  firstStatuses: Record<number, number>;
  /** Requests whose first attempt did not answer 201, retried with the same client-request-id and body. */
  retried: number;
  retryStatuses: Record<number, number>;
  /** Retried requests whose assignment was stored by the first attempt (storage applied it after the 503). */
  landedLate: number;
  /** Requests stored other than exactly once (straight from the table): must be 0. */
  notStoredOnce: number;
  /** Requests that never got a 201. */
  unanswered: number;
}

/**
 * Writers create continuously; Azurite is stopped with SIGSTOP (it holds the requests in flight and
 * applies them when continued, after the app gave up on them) for `stallMs`, then continued. Every
 * request not answered 201 is retried, as Retry-After says, with the same client-request-id and body.
 */
export async function stallAndRetry(writers: number, stallMs: number, stalls = 1): Promise<StallFigures> {
  const azurite: RunningAzurite = await startAzurite({ tablePort: await freePort() });
  const runner = await startRunnerProcess({
    ASSIGNMENTS_STORAGE: azurite.connectionString,
    ASSIGNMENTS_TABLE: 'stall',
    STORAGE_TIMEOUT_MS: '2000',
  });
  const cfg = 'cfg-stall';
  const url = `${base(runner.url, cfg)}/assignments`;
  type Sent = { id: string; body: string; first?: number; final?: number; answeredId?: string };
  const sent: Sent[] = [];
  const post = (r: Sent) => send(url, { method: 'POST', headers: { 'client-request-id': r.id }, body: r.body });
  try {
    let running = true;
    const loops = Array.from({ length: writers }, async () => {
      while (running) {
        const r: Sent = { id: randomUUID(), body: JSON.stringify({ ...group('stall'), sourceId: `stall-${sent.length}` }) };
        sent.push(r);
        const a = await post(r);
        r.first = a.status;
        if (a.status === 201) {
          r.final = 201;
          r.answeredId = a.body.id;
        }
      }
    });
    for (let i = 0; i < stalls; i++) {
      // A random moment, so that some writes are caught between their read and their transaction.
      await new Promise((resolve) => setTimeout(resolve, 700 + Math.random() * 600));
      process.kill(azurite.process.pid!, 'SIGSTOP');
      await new Promise((resolve) => setTimeout(resolve, stallMs));
      process.kill(azurite.process.pid!, 'SIGCONT');
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    running = false;
    await Promise.all(loops);
    const table = TableClient.fromConnectionString(azurite.connectionString, 'stall', { allowInsecureConnection: true });
    const storedBySource = async () => {
      const rows = new Map<string, string[]>();
      for await (const e of table.listEntities<{ sourceId?: string }>({
        queryOptions: { filter: `PartitionKey eq '${cfg}' and RowKey lt '~'` },
      })) {
        if (e.sourceId) rows.set(e.sourceId, [...(rows.get(e.sourceId) ?? []), e.rowKey!]);
      }
      return rows;
    };
    const sourceOf = (r: Sent) => JSON.parse(r.body).sourceId as string;
    const toRetry = sent.filter((r) => r.first !== 201);
    // What storage applied of the attempts that were not answered 201, before any retry.
    const beforeRetries = await storedBySource();
    const landedLate = toRetry.filter((r) => beforeRetries.has(sourceOf(r))).length;
    const retryStatuses: number[] = [];
    await Promise.all(
      toRetry.map(async (r) => {
        for (let attempt = 0; attempt < 5 && r.final !== 201; attempt++) {
          await new Promise((resolve) => setTimeout(resolve, 1000));
          const a = await post(r);
          retryStatuses.push(a.status);
          if (a.status === 201) {
            r.final = 201;
            r.answeredId = a.body.id;
          }
        }
      }),
    );
    const rows = await storedBySource();
    return {
      requests: sent.length,
      firstStatuses: tally(sent.map((r) => r.first ?? 0)),
      retried: toRetry.length,
      retryStatuses: tally(retryStatuses),
      landedLate,
      notStoredOnce: sent.filter(
        (r) => (rows.get(sourceOf(r))?.length ?? 0) !== 1 || (r.answeredId !== undefined && rows.get(sourceOf(r))![0] !== r.answeredId),
      ).length,
      unanswered: sent.filter((r) => r.final !== 201).length,
    };
  } finally {
    await runner.stop();
    await azurite.stop();
  }
}

export interface LargeFigures {
  size: number;
  seedMs: number;
  countBefore: { status: number; count?: number; ms: number };
  create: { status: number; ms: number };
  get: { status: number; ms: number };
  firstPage: { status: number; items: number; ms: number };
  countAfterCreate?: number;
  /** Assign calls until one answered 204, and what each answered. */
  assignStatuses: number[];
  assignMs: number[];
  countAfterAssign?: number;
  listedAfterAssign: number;
  /** Rows of the replaced set still in the table after each further assign call (the sweep's progress). */
  staleRowsLeft: number[];
}

/**
 * Seeds a configuration with `size` assignments straight into the table, in the store's own layout
 * (docs/consistency.md: rows of generation g0, the marker holding the size), which is what `size`
 * creates would leave, in a fraction of the time; then drives it through the API.
 */
/**
 * `assignRounds` bounds the calls made until the replaced rows are all swept. Each call sweeps for at
 * most 4 s, so how many it takes depends on the machine: 6 on an idle 2-core machine, 9 or more with the
 * cores shared. The bound is there so a sweep that makes no progress fails rather than runs forever.
 */
export async function largeConfiguration(
  connectionString: string,
  table: string,
  url: string,
  size: number,
  assignRounds = 25,
): Promise<LargeFigures> {
  const cfg = `large-${size}`;
  const client = TableClient.fromConnectionString(connectionString, table, { allowInsecureConnection: true });
  await client.createTable().catch(() => undefined);
  const seeded = Date.now();
  const batches: TransactionAction[][] = [];
  for (let i = 0; i < size; i += 100) {
    batches.push(
      Array.from({ length: Math.min(100, size - i) }, (_, j): TransactionAction => [
        'create',
        {
          partitionKey: cfg,
          rowKey: randomUUID(),
          gen: 'g0',
          target: JSON.stringify({
            '@odata.type': '#microsoft.graph.groupAssignmentTarget',
            deviceAndAppManagementAssignmentFilterId: null,
            deviceAndAppManagementAssignmentFilterType: 'none',
            groupId: `seed-${i + j}`,
          }),
          targetType: '#microsoft.graph.groupAssignmentTarget',
          targetGroupId: `seed-${i + j}`,
          source: 'direct',
          createdDateTime: new Date().toISOString(),
        },
      ]),
    );
  }
  for (let i = 0; i < batches.length; i += 4) await Promise.all(batches.slice(i, i + 4).map((b) => client.submitTransaction(b)));
  await client.createEntity({ partitionKey: cfg, rowKey: '~m', current: 'g0', base: size, pending: '[]', retired: '[]' });
  const seedMs = Date.now() - seeded;

  const timed = async <T>(f: () => Promise<T>) => {
    const started = Date.now();
    const value = await f();
    return { value, ms: Date.now() - started };
  };
  const countBefore = await countOf(url, cfg);
  const created = await timed(() => send(`${base(url, cfg)}/assignments`, { method: 'POST', body: JSON.stringify(group('one-more')) }));
  const got = await timed(() => send(`${base(url, cfg)}/assignments/${created.value.body?.id}`));
  const page = await timed(() => send(`${base(url, cfg)}/assignments?$top=100`));
  const countAfterCreate = (await countOf(url, cfg)).count;
  const assignBody = JSON.stringify({ enrollmentConfigurationAssignments: Array.from({ length: 1000 }, (_, i) => group(`new-${i}`)) });
  const assignStatuses: number[] = [];
  const assignMs: number[] = [];
  const staleLeft = async () => {
    let n = 0;
    for await (const _ of client.listEntities({ queryOptions: { filter: `PartitionKey eq '${cfg}' and gen eq 'g0'`, select: ['RowKey'] } }))
      n++;
    return n;
  };
  const staleRowsLeft: number[] = [];
  for (let i = 0; i < assignRounds; i++) {
    const a = await timed(() => send(`${base(url, cfg)}/assign`, { method: 'POST', body: assignBody }, 120_000));
    assignStatuses.push(a.value.status);
    assignMs.push(a.ms);
    if (a.value.status === 204) {
      staleRowsLeft.push(await staleLeft());
      if (staleRowsLeft[staleRowsLeft.length - 1] === 0) break;
    } else {
      await new Promise((resolve) => setTimeout(resolve, 1000 * Number(a.value.headers.get('retry-after') ?? 1)));
    }
  }
  const countAfterAssign = (await countOf(url, cfg)).count;
  const listedAfterAssign = (await listedGroups(url, cfg)).filter((g) => g.startsWith('new-')).length;
  return {
    size,
    seedMs,
    countBefore,
    create: { status: created.value.status, ms: created.ms },
    get: { status: got.value.status, ms: got.ms },
    firstPage: { status: page.value.status, items: page.value.body?.value?.length ?? 0, ms: page.ms },
    countAfterCreate,
    assignStatuses,
    assignMs,
    countAfterAssign,
    listedAfterAssign,
    staleRowsLeft,
  };
}

/** Two instances of the app on one storage account and table. */
export async function startTwoInstances(
  connectionString: string,
  table: string,
  env: Record<string, string> = {},
): Promise<[RunnerProcess, RunnerProcess]> {
  const settings = { ASSIGNMENTS_STORAGE: connectionString, ASSIGNMENTS_TABLE: table, MOCK_CONTROLS: 'on', ...env };
  return Promise.all([startRunnerProcess(settings), startRunnerProcess(settings)]);
}
