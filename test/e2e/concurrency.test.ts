import { TableClient } from '@azure/data-tables';
import { runConcurrencyScenario, type ConcurrencyFigures } from '../../bench/reliability/concurrency';
import { startRunnerProcess, type RunnerProcess } from '../helpers/runner';

// Concurrency over real HTTP through the local runner process, against the shared real Azurite.
// bench/reliability/concurrency.ts does the requests; this file judges them.

const CREATES = 300;
const RACERS = 20;

let runner: RunnerProcess;
let figures: ConcurrencyFigures;

beforeAll(async () => {
  // This is about what concurrent writes leave behind, not the deadline: with 300 inserts queued in one
  // Azurite on a loaded 2-core machine, the tail passed the tests' 3 s STORAGE_TIMEOUT_MS and was
  // (rightly) answered 503. A generous deadline keeps the question to correctness.
  runner = await startRunnerProcess({ STORAGE_TIMEOUT_MS: '15000' });
  const table = TableClient.fromConnectionString(process.env.ASSIGNMENTS_STORAGE!, process.env.ASSIGNMENTS_TABLE!, {
    allowInsecureConnection: true,
  });
  figures = await runConcurrencyScenario({
    baseUrl: runner.url,
    configurationId: 'cfg-concurrency',
    creates: CREATES,
    racers: RACERS,
    readStored: (pk, rk) =>
      table.getEntity(pk, rk).then(
        () => true,
        () => false,
      ),
  });
}, 120_000);
afterAll(async () => {
  await runner?.stop();
});

it('every answer was a well-formed Graph answer, none a 5xx', () => {
  expect(figures.problems).toEqual([]);
  expect(figures.fiveXX).toBe(0);
});

it(`${CREATES} parallel creates all get 201 with distinct ids`, () => {
  expect(figures.creates.statuses).toEqual({ 201: CREATES });
  expect(figures.creates.distinctIds).toBe(CREATES);
});

it('every one of them is readable after: in the list ($top=999, and paged by nextLink), by GET, and in the table', () => {
  expect(figures.found.inList).toBe(CREATES);
  expect(figures.found.unexpectedInList).toBe(0);
  expect(figures.found.listPages[1]).toBeGreaterThanOrEqual(3); // paging was followed, not one big page
  expect(figures.found.byGet).toBe(CREATES);
  expect(figures.found.inStorage).toBe(CREATES);
});

it(`${RACERS} parallel PATCHes with the same If-Match: exactly one 200, the rest 412, and the winner's write is what is stored`, () => {
  expect(figures.ifMatchRace.statuses).toEqual({ 200: 1, 412: RACERS - 1 });
  expect(figures.ifMatchRace.finalIsAWinner).toBe(true);
});

it(`${RACERS} parallel PATCHes without If-Match: all 200, each applied as its own version, the last one stored`, () => {
  expect(figures.unconditionalRace.statuses).toEqual({ 200: RACERS });
  expect(figures.unconditionalRace.distinctEtags).toBe(RACERS);
  expect(figures.unconditionalRace.finalIsAWinner).toBe(true);
});
