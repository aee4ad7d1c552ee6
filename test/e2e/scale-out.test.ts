import { assignRace, countedFailures, sharedRateLimit, stallAndRetry, startTwoInstances } from '../../bench/reliability/scale-out';

// Scale-out in every CI run, smaller than `npm run test:reliability` (which adds 20 rounds and a
// 50,000-assignment configuration): two app instances on the shared Azurite and one table.

const connection = () => process.env.TEST_AZURITE_CONNECTION!;

describe('two instances on one storage account', () => {
  it('racing assign actions of 3 and of 150 items end in exactly one set, with no 5xx', async () => {
    const [a, b] = await startTwoInstances(connection(), process.env.ASSIGNMENTS_TABLE!, { STORAGE_TIMEOUT_MS: '10000' });
    try {
      for (const size of [3, 150]) {
        const r = await assignRace([a.url, b.url], size, 5);
        expect(r).toEqual({ size, rounds: 5, mixes: 0, countWrong: 0, statuses: { 204: 10 } });
      }
      // Ten attempts of one request at once, spread over both: exactly the two failures asked for.
      expect(await countedFailures([a.url, b.url], 10, 2)).toEqual({ attempts: 10, statuses: { 201: 8, 429: 2 }, stored: 1 });
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  }, 120_000);

  it('share one MOCK_RATE_LIMIT: exactly the limit, whichever instance is asked', async () => {
    const [a, b] = await startTwoInstances(connection(), process.env.ASSIGNMENTS_TABLE!, { MOCK_RATE_LIMIT: '10/60' });
    try {
      expect(await sharedRateLimit([a.url, b.url], 10, 24)).toEqual({ limit: 10, sent: 24, allowed: 10, statuses: { 200: 10, 429: 14 } });
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  }, 60_000);
});

it('creates caught by an Azurite SIGSTOP and retried with their client-request-id are each stored exactly once', async () => {
  const r = await stallAndRetry(16, 3000, 2);
  expect(r.retried).toBeGreaterThan(0);
  expect(r.retryStatuses).toEqual({ 201: r.retried });
  expect({ notStoredOnce: r.notStoredOnce, unanswered: r.unanswered }).toEqual({ notStoredOnce: 0, unanswered: 0 });
}, 120_000);
