/**
 * The one seeded pseudo-random generator (mulberry32): fault mixes, target sampling and fuzzed tests must replay
 * exactly from a seed printed in the report, which Math.random cannot do. Not for anything secret.
 */
export type Random = () => number;

export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [min, maxExclusive). */
export function randomInt(random: Random, min: number, maxExclusive: number): number {
  return min + Math.floor(random() * (maxExclusive - min));
}

/** A seed derived from text (a run id, a probe name), so separate streams do not shift one another. */
export function seedFrom(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}
