import { planShards } from '@gauntlet/sharding';
import { loadSuiteTimings, randomSuite } from '../../packages/sharding/src/test-helpers.js';
const suites = [9, 19, 29, 39].map(s => randomSuite(s, 7));
const t0 = performance.now();
for (let r = 0; r < 5; r++) for (const s of suites) { const t = loadSuiteTimings(s); planShards({ tests: s.tests, shards: 7, runnerFiltersTests: s.runnerFiltersTests, granularity: s.granularity, ...(t ? { timings: t } : {}) }); }
console.log('20 plans of 10k', performance.now() - t0);
