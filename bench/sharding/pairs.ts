/**
 * Version pairs of a series (plan with version k, run version k+1), split into honest and exact cases. A pair is
 * *exact* when no test present in both versions changed its duration: many consecutive files of the visible series
 * are re-commits of the same durations, and planning with a copy of the answer measures nothing but LPT itself
 * (section (a) does that). Such pairs are reported apart, never mixed into the stale-timing medians.
 */
import type { Dataset } from './datasets.js';

export interface VersionPair {
  /** Index of the version planned with; the pair runs version k + 1. */
  readonly k: number;
  readonly exact: boolean;
  /** Tests present in both versions, and how many of them changed. */
  readonly common: number;
  readonly changed: number;
  /** Tests of version k + 1 that version k did not have. */
  readonly added: number;
}

export function versionPairs(ds: Dataset): VersionPair[] {
  const pairs: VersionPair[] = [];
  for (let k = 0; k + 1 < ds.versions.length; k++) {
    const before = ds.versions[k]!.durations;
    const after = ds.versions[k + 1]!.durations;
    let common = 0;
    let changed = 0;
    let added = 0;
    for (const [key, seconds] of after) {
      const old = before.get(key);
      if (old === undefined) added++;
      else {
        common++;
        if (old !== seconds) changed++;
      }
    }
    pairs.push({ k, exact: changed === 0, common, changed, added });
  }
  return pairs;
}
