import { answerOfFetch, graphProblems, mapLimit, type Answer } from './graph-checks';

/**
 * Concurrency over real HTTP against a running app: many parallel creates, then races of PATCHes on
 * one assignment, with and without If-Match. Jest-free: it returns what it saw and the tests and the
 * figures command judge it.
 */

export interface ConcurrencyOptions {
  baseUrl: string;
  /** A configuration no one else writes to, so its list must hold exactly what was created. */
  configurationId: string;
  creates: number;
  racers: number;
  /** Reads an assignment straight from storage, to check beyond the API. */
  readStored?: (configurationId: string, id: string) => Promise<boolean>;
  requestTimeoutMs?: number;
}

export interface RaceFigures {
  racers: number;
  statuses: Record<number, number>;
  /** Distinct ETags among the 200s: one per write applied as its own version. */
  distinctEtags: number;
  /** The entity read after the race is what one of the 200s wrote (its ETag and sourceId). */
  finalIsAWinner: boolean;
}

export interface ConcurrencyFigures {
  /** elapsedMs: from sending all at once to the last answer, so also the slowest request's latency. */
  creates: { sent: number; statuses: Record<number, number>; distinctIds: number; elapsedMs: number };
  /** Of the acknowledged creates: found in both lists (with $top=999, and paged), by GET, and straight in storage. */
  found: { inList: number; listPages: number[]; unexpectedInList: number; byGet: number; inStorage?: number };
  ifMatchRace: RaceFigures;
  unconditionalRace: RaceFigures;
  fiveXX: number;
  /** Answers that were not well-formed Graph answers, or requests that got none. */
  problems: string[];
}

const tally = (statuses: number[]) => statuses.reduce<Record<number, number>>((t, s) => ((t[s] = (t[s] ?? 0) + 1), t), {});

export async function runConcurrencyScenario(o: ConcurrencyOptions): Promise<ConcurrencyFigures> {
  const timeout = o.requestTimeoutMs ?? 30_000;
  const collection = `${o.baseUrl}/beta/deviceManagement/deviceEnrollmentConfigurations/${encodeURIComponent(o.configurationId)}/assignments`;
  const headers = { Authorization: 'Bearer concurrency', 'Content-Type': 'application/json' };
  const problems: string[] = [];
  let fiveXX = 0;

  async function call(url: string, init: RequestInit = {}): Promise<Answer & { json?: any }> {
    let answer: Answer;
    try {
      answer = await answerOfFetch(
        await fetch(url, {
          ...init,
          headers: { ...headers, ...(init.headers as Record<string, string>) },
          signal: AbortSignal.timeout(timeout),
        }),
      );
    } catch (err) {
      problems.push(`${init.method ?? 'GET'} ${url}: no answer (${err instanceof Error ? err.message : String(err)})`);
      return { status: 0, headers: {} };
    }
    if (answer.status >= 500) fiveXX++;
    const found = graphProblems(answer);
    if (found.length > 0) problems.push(`${init.method ?? 'GET'} ${url}: ${found.join('; ')}`);
    return { ...answer, json: answer.body ? JSON.parse(answer.body) : undefined };
  }

  // ---- parallel creates, all sent at once ----
  const started = Date.now();
  const createAnswers = await Promise.all(
    Array.from({ length: o.creates }, (_, i) =>
      call(collection, {
        method: 'POST',
        body: JSON.stringify({
          target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: `group-${i}` },
          sourceId: `parallel-${i}`,
        }),
      }),
    ),
  );
  const elapsedMs = Date.now() - started;
  const ids = createAnswers.filter((a) => a.status === 201).map((a) => a.json.id as string);
  const acknowledged = new Set(ids);

  // ---- every acknowledged create is found: in the list (paged), by GET, in storage ----
  async function listAll(top: number): Promise<{ ids: Set<string>; pages: number }> {
    const listed = new Set<string>();
    let pages = 0;
    for (let url: string | undefined = `${collection}?$top=${top}`; url && pages < 100; pages++) {
      const page = await call(url);
      if (page.status !== 200) break;
      for (const v of page.json.value as Array<{ id: string }>) listed.add(v.id);
      url = page.json['@odata.nextLink'];
    }
    return { ids: listed, pages };
  }
  // Graph's largest page, and pages of a third of the set so that following @odata.nextLink is exercised.
  const lists = [await listAll(999), await listAll(Math.max(1, Math.ceil(o.creates / 3)))];
  // Read back 16 at a time: the creates were the concurrency under test, the check need not be.
  const gets = await mapLimit(ids, 16, (id) => call(`${collection}/${id}`));
  const byGet = gets.filter((g, i) => g.status === 200 && g.json.id === ids[i]).length;
  let inStorage: number | undefined;
  if (o.readStored) {
    const stored = await mapLimit(ids, 16, (id) => o.readStored!(o.configurationId, id));
    inStorage = stored.filter(Boolean).length;
  }

  // ---- races on one assignment ----
  async function race(ifMatch: boolean): Promise<RaceFigures> {
    const created = await call(collection, {
      method: 'POST',
      body: JSON.stringify({ target: { '@odata.type': '#microsoft.graph.allDevicesAssignmentTarget' } }),
    });
    const item = `${collection}/${created.json.id}`;
    const etag = (await call(item)).json['@odata.etag'] as string;
    const answers = await Promise.all(
      Array.from({ length: o.racers }, (_, i) =>
        call(item, { method: 'PATCH', headers: ifMatch ? { 'If-Match': etag } : {}, body: JSON.stringify({ sourceId: `racer-${i}` }) }),
      ),
    );
    const winners = answers.filter((a) => a.status === 200).map((a) => a.json);
    const final = (await call(item)).json;
    const winner = winners.find((w) => w['@odata.etag'] === final['@odata.etag']);
    return {
      racers: o.racers,
      statuses: tally(answers.map((a) => a.status)),
      distinctEtags: new Set(winners.map((w) => w['@odata.etag'])).size,
      finalIsAWinner: winner !== undefined && winner.sourceId === final.sourceId,
    };
  }
  const ifMatchRace = await race(true);
  const unconditionalRace = await race(false);

  return {
    creates: { sent: o.creates, statuses: tally(createAnswers.map((a) => a.status)), distinctIds: acknowledged.size, elapsedMs },
    found: {
      inList: Math.min(...lists.map((l) => ids.filter((id) => l.ids.has(id)).length)),
      listPages: lists.map((l) => l.pages),
      // The two race assignments are created after the lists are read, so anything else is a stray.
      unexpectedInList: Math.max(...lists.map((l) => [...l.ids].filter((id) => !acknowledged.has(id)).length)),
      byGet,
      inStorage,
    },
    ifMatchRace,
    unconditionalRace,
    fiveXX,
    problems,
  };
}
