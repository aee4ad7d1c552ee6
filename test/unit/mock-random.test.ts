import { mulberry32, randomInt } from '../../src/controls/random';

describe('the seeded generator behind MOCK_SEED', () => {
  it('repeats its sequence for the same seed and differs for another', () => {
    const take = (seed: number) => {
      const r = mulberry32(seed);
      return Array.from({ length: 20 }, () => r());
    };
    expect(take(42)).toEqual(take(42));
    expect(take(42)).not.toEqual(take(43));
    for (const x of take(7)) expect(x >= 0 && x < 1).toBe(true);
  });

  it('treats a seed as 32 bits, so negative and large seeds work', () => {
    expect(mulberry32(-1)()).toBe(mulberry32(0xffffffff)());
    expect(mulberry32(2 ** 32 + 5)()).toBe(mulberry32(5)());
  });

  it('spreads integers over the whole range, both ends included', () => {
    const r = mulberry32(1);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const n = randomInt(r, 3, 7);
      expect(n >= 3 && n <= 7 && Number.isInteger(n)).toBe(true);
      seen.add(n);
    }
    expect([...seen].sort()).toEqual([3, 4, 5, 6, 7]);
  });
});
