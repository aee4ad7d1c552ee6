import { randomBytes } from 'node:crypto';

/**
 * The random decisions of the configured controls (which request fails, with what, how slowly) come
 * from one small seeded generator per app, so MOCK_SEED replays a soak run's exact sequence of
 * decisions for the same order of requests. Each instance of a scaled-out app has its own sequence.
 */

/** A number in [0, 1), like Math.random. */
export type Random = () => number;

/** mulberry32: 32 bits of state, fast, and good enough to pick failures; not for anything secret. */
export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [min, max], both included. */
export function randomInt(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** An app's generator: seeded by MOCK_SEED, else by the operating system's randomness. */
export function seededRandom(seed: number | undefined): Random {
  return mulberry32(seed ?? randomBytes(4).readUInt32LE(0));
}
