import { loadDatasets, type Dataset } from './datasets.js';
import { planShards, shardTestKeys, emptyTimingStore, updateTimingStore, type TimingStore } from '@gauntlet/sharding';
import { makespan, lowerBound } from './simulate.js';
const med = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const n = s.length; return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2; };
function stores(ds: Dataset, alpha: number, resetFactor: number): TimingStore[] { const out: TimingStore[] = []; let s = emptyTimingStore(); for (const v of ds.versions) { s = updateTimingStore(s, v.durations, { alpha, resetFactor }); out.push(s); } return out; }
for (const name of ['localstack', 'identity-idp', 'tilavarauspalvelu']) {
  const ds = loadDatasets().find(d => d.name === name)!;
  for (const [alpha, rf] of [[1, 2], [0.5, 1.25], [0.5, 1.5], [0.5, 2], [0.3, 1.5]] as const) {
    const st = stores(ds, alpha, rf);
    const line: string[] = [];
    for (const m of [4, 8, 16]) {
      const r: number[] = [];
      for (let k = 0; k + 1 < ds.versions.length; k++) {
        const b = ds.versions[k + 1]!.durations; const keys = [...b.keys()];
        const p = planShards({ tests: keys, shards: m, timings: st[k]!, runnerFiltersTests: ds.level === 'test' });
        r.push(makespan(p.shards.map(s => shardTestKeys(p, s.index)), b) / lowerBound(b, keys, m));
      }
      line.push(`${med(r).toFixed(3)} (${Math.max(...r).toFixed(3)})`);
    }
    console.log(name, alpha, rf, line.join('  '));
  }
}
