import { runStorageFaultScenario, type StorageFaultFigures } from '../../bench/reliability/storage-faults';

// What must hold when storage goes away and comes back, shared by the two e2e files.

const STORAGE_TIMEOUT_MS = 2000;
// Generous bounds that only a hang or a stuck cache would break: one storage deadline plus slack for a
// loaded 2-core machine. Timing figures themselves come from `npm run test:reliability`.
const ANSWER_BOUND_MS = STORAGE_TIMEOUT_MS + 3000;

export async function scenario(comesBackEmpty: boolean): Promise<StorageFaultFigures> {
  return runStorageFaultScenario({
    comesBackEmpty,
    storageTimeoutMs: STORAGE_TIMEOUT_MS,
    // Light load (the figures command runs it heavy): this shares two cores with the rest of the suite.
    writers: 3,
    pauseMs: 20,
    healthyMs: 800,
    outageMs: 1500,
    afterMs: 800,
    maxRequests: 3000,
    maxDurationMs: 60_000,
    tableName: process.env.ASSIGNMENTS_TABLE!,
  });
}

export function expectFaultHandled(f: StorageFaultFigures): void {
  // Every answer was a well-formed Graph answer; none was a 5xx other than 503; every request got one.
  expect(f.problems).toEqual([]);
  expect(f.otherFiveXX).toBe(0);
  // Before the stop: all 201.
  expect(f.healthy.writes).toBeGreaterThan(0);
  expect(Object.keys(f.healthy.statuses)).toEqual(['201']);
  // Storage away: writes get 503 with Retry-After, soon, and /health says 503.
  expect(f.outage.writes).toBeGreaterThan(0);
  expect(f.outage.statuses).toEqual({ 503: f.outage.writes });
  expect(f.outage.everyAnswerHadRetryAfter).toBe(true);
  expect(f.outage.detectionMs).toBeLessThan(ANSWER_BOUND_MS);
  expect(f.outage.slowestMs).toBeLessThan(ANSWER_BOUND_MS);
  expect(f.outage.healthStatus).toBe(503);
  // Storage back: the app recovers by itself, without a restart.
  expect(f.recovery.recoveryMs).toBeLessThan(ANSWER_BOUND_MS);
  expect(f.recovery.healthStatus).toBe(200);
  // No acknowledged write is lost.
  expect(f.writes.expectedToSurvive).toBeGreaterThan(0);
  expect(f.writes.foundByGet).toBe(f.writes.expectedToSurvive);
  expect(f.writes.foundInTable).toBe(f.writes.expectedToSurvive);
}
