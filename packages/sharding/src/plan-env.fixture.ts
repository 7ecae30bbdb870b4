/**
 * Plans the property-test suites as a different "runner" would see them, for the determinism property: shuffled
 * discovery order, Windows separators and `./` prefixes, and whatever locale this process was started with (the
 * test starts it with LC_ALL=tr_TR.UTF-8, where `I`/`ı`/`i`/`İ` collate differently). Prints sha256 per case.
 *   node --import tsx plan-env.fixture.ts <seeds> <shard counts comma-separated>
 */
import { createHash } from 'node:crypto';
import { serializePlan } from './plan-format.js';
import { planShards } from './plan.js';
import { loadSuiteTimings, mulberry32, randomSuite, shuffle } from './test-helpers.js';

export function windowsView(keys: readonly string[], seed: number): string[] {
  const rand = mulberry32(seed ^ 0x5eed);
  return shuffle(rand, keys).map((key) => {
    const at = key.indexOf('::');
    const file = at < 0 ? key : key.slice(0, at);
    const rest = at < 0 ? '' : key.slice(at);
    const win = `${rand() < 0.5 ? '.\\' : ''}${file.replace(/\//g, '\\')}`;
    return win + rest;
  });
}

if (process.argv[1]?.endsWith('plan-env.fixture.ts')) {
  const seeds = Number(process.argv[2]);
  const counts = (process.argv[3] ?? '').split(',').map(Number);
  const out: Record<string, string> = {};
  for (let seed = 0; seed < seeds; seed++) {
    for (const m of counts) {
      const suite = randomSuite(seed, m);
      const timings = loadSuiteTimings(suite);
      const plan = planShards({
        tests: windowsView(suite.tests, seed + 7),
        shards: m,
        runnerFiltersTests: suite.runnerFiltersTests,
        granularity: suite.granularity,
        ...(timings ? { timings } : {}),
      });
      out[`${seed}/${m}`] = createHash('sha256').update(serializePlan(plan)).digest('hex');
    }
  }
  process.stdout.write(JSON.stringify({ locale: Intl.DateTimeFormat().resolvedOptions().locale, hashes: out }));
}
