/**
 * Seeded PRNG (mulberry32). Fault probabilities and generated IDs come from separate streams so adding a
 * probabilistic fault rule does not shift the IDs a test may have snapshotted.
 */
export type Rng = () => number;

export function seededRng(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomInt(rng: Rng, min: number, maxExclusive: number): number {
  return min + Math.floor(rng() * (maxExclusive - min));
}

export function randomHex(rng: Rng, length: number): string {
  let out = '';
  while (out.length < length) out += randomInt(rng, 0, 16).toString(16);
  return out;
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function randomAlphanumeric(rng: Rng, length: number): string {
  let out = '';
  while (out.length < length) out += ALPHANUMERIC[randomInt(rng, 0, ALPHANUMERIC.length)];
  return out;
}
