/**
 * Seeded PRNG (mulberry32). Fault probabilities and generated IDs come from separate streams so adding a
 * probabilistic fault rule does not shift the IDs a test may have snapshotted.
 */
import { randomInt, seededRandom, type Random } from '@gauntlet/action-kit';

export type Rng = Random;
/** The one seeded generator (action-kit's mulberry32), under the stand-in's historical name. */
export const seededRng = seededRandom;
export { randomInt };

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
