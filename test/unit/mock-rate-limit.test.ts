import { INTUNE_RATE_LIMIT } from '../../src/controls/settings';
import { isWrite, MemoryHitLogs, RateLimiter } from '../../src/controls/rateLimit';

// The limiter with a clock the test moves, so window arithmetic is checked exactly, without waiting.

const T = '00000000-0000-0000-0000-000000000000';
const OTHER = 'a1b2c3d4-0000-4000-8000-000000000001';

function limiter(setting: ConstructorParameters<typeof RateLimiter>[0]) {
  let now = 1_000_000;
  const rl = new RateLimiter(setting, new MemoryHitLogs(), () => now);
  return { rl, advance: (ms: number) => (now += ms) };
}

describe('MOCK_RATE_LIMIT <requests>/<seconds>: every request, per app in its tenant, in a sliding window', () => {
  it('serves 3 in 2 s, then answers the 4th with the seconds until the oldest leaves the window', async () => {
    const { rl, advance } = limiter({ mode: 'requests', perCaller: 3, windowSeconds: 2 });
    expect(await rl.admit(T, 'a', 'GET')).toBeUndefined(); // t = 0
    advance(500);
    expect(await rl.admit(T, 'a', 'POST')).toBeUndefined(); // t = 0.5
    advance(500);
    expect(await rl.admit(T, 'a', 'DELETE')).toBeUndefined(); // t = 1.0
    advance(200);
    expect(await rl.admit(T, 'a', 'GET')).toBe(1); // oldest leaves at t = 2.0: 0.8 s, rounded up
    advance(799);
    expect(await rl.admit(T, 'a', 'GET')).toBe(1); // 1 ms to go still means "retry after 1 s", never 0
    advance(1);
    expect(await rl.admit(T, 'a', 'GET')).toBeUndefined(); // t = 2.0: the first left, a slot is free
    expect(await rl.admit(T, 'a', 'GET')).toBe(1); // full again until t = 2.5
  });

  it('does not count throttled requests, so waiting Retry-After is always enough', async () => {
    const { rl, advance } = limiter({ mode: 'requests', perCaller: 1, windowSeconds: 10 });
    expect(await rl.admit(T, 'a', 'GET')).toBeUndefined();
    for (let i = 0; i < 9; i++) {
      advance(1000);
      expect(await rl.admit(T, 'a', 'GET')).toBe(10 - (i + 1));
    }
    advance(1000);
    expect(await rl.admit(T, 'a', 'GET')).toBeUndefined();
  });

  it('rounds Retry-After up to whole seconds over a long window', async () => {
    const { rl, advance } = limiter({ mode: 'requests', perCaller: 2, windowSeconds: 60 });
    await rl.admit(T, 'a', 'GET');
    advance(10_500);
    await rl.admit(T, 'a', 'GET');
    expect(await rl.admit(T, 'a', 'GET')).toBe(50); // 49.5 s until the first leaves
  });

  it('counts callers apart', async () => {
    const { rl } = limiter({ mode: 'requests', perCaller: 1, windowSeconds: 5 });
    expect(await rl.admit(T, 'a', 'GET')).toBeUndefined();
    expect(await rl.admit(T, 'b', 'GET')).toBeUndefined();
    expect(await rl.admit(T, 'a', 'GET')).toBe(5);
    expect(await rl.admit(T, 'b', 'GET')).toBe(5);
  });

  it('counts the same app in another tenant apart: the window is per app in its tenant', async () => {
    const { rl } = limiter({ mode: 'requests', perCaller: 1, windowSeconds: 5 });
    expect(await rl.admit(T, 'a', 'GET')).toBeUndefined();
    expect(await rl.admit(OTHER, 'a', 'GET')).toBeUndefined();
    expect(await rl.admit(T, 'a', 'GET')).toBe(5);
  });
});

describe("MOCK_RATE_LIMIT intune: Intune's documented limits", () => {
  it('allows 1,000 requests of any kind per 20 s per caller and 2,000 for the tenant', async () => {
    const { rl, advance } = limiter({ ...INTUNE_RATE_LIMIT });
    for (let i = 0; i < 1000; i++) expect(await rl.admit(T, 'app-1', 'GET')).toBeUndefined();
    expect(await rl.admit(T, 'app-1', 'GET')).toBe(20);
    expect(await rl.admit(T, 'app-1', 'POST')).toBe(20); // a write is a request too
    advance(1000);
    for (let i = 0; i < 1000; i++) expect(await rl.admit(T, 'app-2', 'GET')).toBeUndefined();
    expect(await rl.admit(T, 'app-3', 'GET')).toBe(19); // the tenant's 2,000: app-1's leave at t = 20 s
    advance(19_000);
    expect(await rl.admit(T, 'app-3', 'GET')).toBeUndefined();
  });

  it('allows 100 writes per 20 s per caller and reads beside them', async () => {
    const { rl, advance } = limiter({ ...INTUNE_RATE_LIMIT });
    for (let i = 0; i < 100; i++) expect(await rl.admit(T, 'app-1', i % 2 ? 'POST' : 'PATCH')).toBeUndefined();
    expect(await rl.admit(T, 'app-1', 'DELETE')).toBe(20);
    for (let i = 0; i < 500; i++) expect(await rl.admit(T, 'app-1', 'GET')).toBeUndefined();
    advance(20_000);
    expect(await rl.admit(T, 'app-1', 'POST')).toBeUndefined();
  });

  it('allows 200 writes per 20 s for the whole tenant, whoever sends them', async () => {
    const { rl, advance } = limiter({ ...INTUNE_RATE_LIMIT });
    for (let i = 0; i < 100; i++) expect(await rl.admit(T, 'app-1', 'POST')).toBeUndefined();
    advance(5_000);
    for (let i = 0; i < 100; i++) expect(await rl.admit(T, 'app-2', 'POST')).toBeUndefined();
    expect(await rl.admit(T, 'app-3', 'POST')).toBe(15); // app-1's writes leave the tenant window at t = 20 s
    advance(15_000);
    expect(await rl.admit(T, 'app-3', 'POST')).toBeUndefined();
  });

  it("keeps each tenant's windows: one tenant's 200 writes leave another tenant's writes alone", async () => {
    const { rl } = limiter({ ...INTUNE_RATE_LIMIT });
    for (let i = 0; i < 100; i++) expect(await rl.admit(T, 'app-1', 'POST')).toBeUndefined();
    for (let i = 0; i < 100; i++) expect(await rl.admit(T, 'app-2', 'POST')).toBeUndefined();
    expect(await rl.admit(T, 'app-3', 'POST')).toBe(20); // the tenant is full
    for (let i = 0; i < 100; i++) expect(await rl.admit(OTHER, 'app-1', 'POST')).toBeUndefined(); // app-1 again, elsewhere
    expect(await rl.admit(OTHER, 'app-1', 'POST')).toBe(20); // its own 100 in that tenant
    expect(await rl.admit(OTHER, 'app-2', 'POST')).toBeUndefined();
  });

  it('treats POST, PUT, PATCH and DELETE as writes', () => {
    expect(['POST', 'PUT', 'PATCH', 'DELETE', 'post'].map(isWrite)).toEqual([true, true, true, true, true]);
    expect(['GET', 'HEAD', 'OPTIONS'].map(isWrite)).toEqual([false, false, false]);
  });
});
