import { expectFaultHandled, scenario } from '../helpers/storage-faults';

// A real Azurite stopped mid-run and started again, under writers over real HTTP.
// bench/reliability/storage-faults.ts runs it and measures; test/helpers/storage-faults.ts states what
// must hold. (Azurite coming back empty is storage-faults-empty.test.ts, so the two run side by side.)

it('Azurite stopped mid-run and restarted with its data: 503 + Retry-After while away, recovery by itself, every 201 still readable', async () => {
  const f = await scenario(false);
  expectFaultHandled(f);
  // With its data back, nothing acknowledged before the outage is lost either.
  expect(f.writes.expectedToSurvive).toBe(f.writes.acknowledged);
}, 120_000);
