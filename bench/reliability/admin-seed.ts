/**
 * A configuration filled the way a test suite fills one: `POST /__admin/seed`, 1,000 assignments a call,
 * one call after another (MOCK_ADMIN=on), to 20,000. A seed is a counted transaction of the store per 98
 * rows, which costs the same however many the configuration already holds; so the last thousand must cost
 * what a first thousand does, within noise. Each of the last calls is paired with a call into an empty
 * configuration of the same table, right beside it: a machine that slows down for a while (other
 * processes, a hypervisor taking its cores back) slows both sides of a pair, where comparing against the
 * calls made minutes earlier would charge the slowdown to the data. Then `$count=true` must say the total, and an assign action of a few
 * items must replace the whole set: the list and `$count` show exactly those, a replaced id answers 404.
 * Jest-free: it returns what it saw, and bench/reliability/run.ts judges it.
 */

const headers = { 'Content-Type': 'application/json', Authorization: 'Bearer admin-seed' };
const group = (groupId: string) => ({ target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId } });

async function send(url: string, init: RequestInit = {}): Promise<{ status: number; body: any; ms: number }> {
  const started = performance.now();
  // Generous: a seed call and the assign action over 20,000 rows take seconds on a busy 2-core machine.
  const r = await fetch(url, { ...init, headers, signal: AbortSignal.timeout(180_000) });
  const text = await r.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // text/plain ($count)
  }
  return { status: r.status, body, ms: performance.now() - started };
}

export interface AdminSeedFigures {
  total: number;
  perCall: number;
  /** Each seed call's time and status, in order. */
  callMs: number[];
  callStatuses: number[];
  /** Assignments each call's answer listed. */
  callStored: number[];
  /** Median of the last five calls ÷ median of the first five (for the record: time-varying noise included). */
  lastToFirst: number;
  /** Each paired call into an empty configuration, beside one of the last five calls. */
  emptyMs: number[];
  /** Median of the last five calls ÷ median of their paired calls into empty configurations (five, not three: other processes share the cores). */
  lastToEmpty: number;
  countAfterSeed?: number;
  assignStatus: number;
  assignMs: number;
  assigned: string[];
  /** groupIds the list showed after the assign action (sorted), and what $count=true and /$count said. */
  listedAfterAssign: string[];
  countAfterAssign?: number;
  plainCountAfterAssign?: string;
  /** What a GET of one seeded (replaced) id answered after the assign action. */
  replacedGetStatus: number;
}

/** How many calls at each end are compared. */
export const COMPARED = 5;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export async function fillThroughAdminSeed(
  url: string,
  configurationId: string,
  total = 20_000,
  perCall = 1000,
): Promise<AdminSeedFigures> {
  const collection = `${url}/beta/deviceManagement/deviceEnrollmentConfigurations/${configurationId}/assignments`;
  const seedCall = (cfg: string, from: number, count: number) =>
    send(`${url}/__admin/seed`, {
      method: 'POST',
      body: JSON.stringify({
        assignments: Array.from({ length: count }, (_, i) => ({ configurationId: cfg, ...group(`seeded-${from + i}`), source: 'direct' })),
      }),
    });
  // One call elsewhere first, so that the first calls measured run warm code, as the last ones do.
  await seedCall(`${configurationId}-warm-up`, 0, perCall);
  const callMs: number[] = [];
  const callStatuses: number[] = [];
  const callStored: number[] = [];
  const emptyMs: number[] = [];
  let someSeededId: string | undefined;
  const calls = Math.ceil(total / perCall);
  for (let done = 0, call = 0; done < total; done += perCall, call++) {
    const count = Math.min(perCall, total - done);
    const paired = call >= calls - COMPARED;
    // The pair's order alternates, so neither side always runs first.
    const empty = () => seedCall(`${configurationId}-empty-${call}`, 0, count).then((e) => void emptyMs.push(e.ms));
    if (paired && call % 2 === 0) await empty();
    const r = await seedCall(configurationId, done, count);
    if (paired && call % 2 === 1) await empty();
    callMs.push(r.ms);
    callStatuses.push(r.status);
    const stored = Array.isArray(r.body?.assignments) ? (r.body.assignments as Array<{ id: string }>) : [];
    callStored.push(stored.length);
    someSeededId ??= stored[0]?.id;
  }
  const counted = await send(`${collection}?$count=true&$top=1`);
  const assigned = Array.from({ length: 5 }, (_, i) => `assigned-${i}`);
  const assign = await send(collection.replace(/\/assignments$/, '/assign'), {
    method: 'POST',
    body: JSON.stringify({ enrollmentConfigurationAssignments: assigned.map(group) }),
  });
  const listed: string[] = [];
  let countAfterAssign: number | undefined;
  for (let next: string | undefined = `${collection}?$count=true`; next;) {
    const page = await send(next);
    if (page.status !== 200) throw new Error(`the list answered ${page.status}`);
    countAfterAssign ??= page.body['@odata.count'];
    listed.push(...(page.body.value as Array<{ target: { groupId: string } }>).map((v) => v.target.groupId));
    next = page.body['@odata.nextLink'];
  }
  const plain = await send(`${collection}/$count`);
  const replaced = someSeededId ? await send(`${collection}/${someSeededId}`) : { status: 0 };
  return {
    total,
    perCall,
    callMs,
    callStatuses,
    callStored,
    lastToFirst: median(callMs.slice(-COMPARED)) / median(callMs.slice(0, COMPARED)),
    emptyMs,
    lastToEmpty: median(callMs.slice(-COMPARED)) / median(emptyMs),
    countAfterSeed: counted.body?.['@odata.count'],
    assignStatus: assign.status,
    assignMs: assign.ms,
    assigned,
    listedAfterAssign: listed.sort(),
    countAfterAssign,
    plainCountAfterAssign: String(plain.body),
    replacedGetStatus: replaced.status,
  };
}
