import { planShards, storeFromFlatMap } from '@gauntlet/sharding';
const keys: string[] = []; const d = new Map<string, number>();
for (let f = 0; f < 5000; f++) for (let t = 0; t < 20; t++) { const k = `tests/pkg${f % 50}/test_mod${f}.py::TestCase${t % 3}::test_${t}`; keys.push(k); if ((f * 20 + t) % 10) d.set(k, ((f * 7 + t * 13) % 100) / 10); }
keys.reverse();
const st = storeFromFlatMap(d);
for (let i = 0; i < 3; i++) { const t0 = performance.now(); planShards({ tests: keys, shards: 64, timings: st, runnerFiltersTests: true }); console.log('plan', performance.now() - t0); }
