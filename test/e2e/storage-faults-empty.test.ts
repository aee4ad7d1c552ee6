import { expectFaultHandled, scenario } from '../helpers/storage-faults';

// Azurite stopped mid-run and started again EMPTY (in memory): the table the app created once and
// cached is gone. The store must notice (TableNotFound is a 503 with Retry-After: 1 that forgets the
// cached table) and create it again by itself, without an app restart.

it('Azurite back empty: the app creates its table again by itself and recovers; every 201 after that is readable', async () => {
  const f = await scenario(true);
  // Includes: every write sent after the old Azurite exited and acknowledged is in the new, empty one's table,
  // which only the app itself can have created again.
  expectFaultHandled(f);
}, 120_000);
