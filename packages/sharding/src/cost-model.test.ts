import { RecordingLogger } from '@gauntlet/action-kit/testing';
import { describe, expect, it } from 'vitest';
import { describeCostModel, fitCostModel, IDENTITY_COST_MODEL, type CommandRunSample } from './cost-model.js';
import { planShards } from './plan.js';
import { mergeTimingPartials, parseTimingPartial, serializeTimingPartial } from './timing-partial.js';
import {
  emptyTimingStore,
  parseTimingStore,
  serializeTimingStore,
  storeFromFlatMap,
  updateTimingStore,
  type TimingStore,
} from './timing-store.js';

const sample = (files: number, testSeconds: number, wallSeconds: number): CommandRunSample => ({
  files,
  testSeconds,
  wallSeconds,
});

describe('fitCostModel', () => {
  it('no samples: JUnit times as they are', () => {
    expect(fitCostModel([])).toEqual(IDENTITY_COST_MODEL);
    expect(describeCostModel(IDENTITY_COST_MODEL)).toContain('no measured runs');
  });

  it('one sample: the wall time JUnit does not explain is charged per file', () => {
    const m = fitCostModel([sample(10, 2, 12)]);
    expect(m).toMatchObject({ perRunSeconds: 0, testTimeScale: 1, samples: 1 });
    expect(m.perFileSeconds).toBeCloseTo(1, 9);
  });

  it('recovers start-up, per-file cost and a parallel runner’s scale from varied runs', () => {
    // wall = 2 + 0.5 × files + 0.25 × JUnit seconds (4 workers in the runner)
    const truth = (f: number, t: number) => sample(f, t, 2 + 0.5 * f + 0.25 * t);
    const m = fitCostModel([truth(3, 40), truth(10, 8), truth(20, 100), truth(5, 60), truth(1, 2), truth(14, 30)]);
    expect(m.perRunSeconds).toBeCloseTo(2, 6);
    expect(m.perFileSeconds).toBeCloseTo(0.5, 6);
    expect(m.testTimeScale).toBeCloseTo(0.25, 6);
    expect(m.medianError).toBeLessThan(1e-6);
    expect(describeCostModel(m)).toMatch(/0\.50 s per file, 2\.00 s per command run, JUnit times × 0\.25/);
  });

  it('a per-run cost alone (files cost nothing) needs strong evidence; a few noisy runs keep a per-file cost', () => {
    // zustand on a loaded machine: three count-based shards of 4, 4 and 5 files, JUnit seconds ~0.1 each.
    const noisy = fitCostModel([sample(4, 0.13, 19.2), sample(4, 0.12, 14.8), sample(5, 0.15, 19.7)]);
    expect(noisy.perFileSeconds).toBeGreaterThan(1);
    // Many runs whose wall time clearly does not grow with files: a per-run cost it is.
    const flat = [1, 9, 3, 12, 6, 2, 10, 5].map((f, i) => sample(f, 0.1 * f, 20 + (i % 2 ? 0.2 : -0.2)));
    const m = fitCostModel(flat);
    expect(m.perRunSeconds).toBeCloseTo(20, 0);
    expect(m.perFileSeconds).toBeLessThan(0.05);
  });

  it('recovers a per-test cost (runner work around each test that JUnit leaves out) when samples count tests', () => {
    // wall = 1 + 0.2 × files + 0.002 × tests + 1 × JUnit seconds
    const truth = (f: number, n: number, t: number) => ({ ...sample(f, t, 1 + 0.2 * f + 0.002 * n + t), tests: n });
    const m = fitCostModel([
      truth(3, 50000, 30),
      truth(8, 600, 0.4),
      truth(5, 7000, 2.5),
      truth(2, 300, 1),
      truth(6, 20000, 9),
      truth(4, 1200, 0.2),
    ]);
    expect(m.perTestSeconds).toBeCloseTo(0.002, 6);
    expect(m.perFileSeconds).toBeCloseTo(0.2, 4);
    expect(describeCostModel(m)).toContain('2.00 ms per test');
  });

  it('never a negative coefficient, and never a scale fitted to noise', () => {
    const m = fitCostModel([sample(10, 0.01, 30), sample(12, 0.011, 31), sample(2, 0.002, 9)]);
    expect(m.perRunSeconds).toBeGreaterThanOrEqual(0);
    expect(m.perFileSeconds).toBeGreaterThan(0);
    expect(m.testTimeScale).toBeLessThanOrEqual(1.5);
  });

  it('ignores unusable samples', () => {
    expect(fitCostModel([sample(0, 0, 5), sample(3, Number.NaN, 1)])).toEqual(IDENTITY_COST_MODEL);
  });
});

describe('plans with the cost model', () => {
  // The suite: JUnit times leave out a large per-file import cost, and a type-test file reports 0 s.
  const files = Array.from({ length: 12 }, (_, i) => `src/f${String(i).padStart(2, '0')}.test.ts`);
  const junit = new Map(files.map((f, i) => [f, i < 2 ? 2 : i === 11 ? 0 : 0.01]));
  const store = storeFromFlatMap(junit);

  it('from JUnit times alone, ten cheap files share one shard; with the learned per-file cost they spread', () => {
    const naive = planShards({ tests: files, shards: 3, timings: store });
    const counts = (p: typeof naive) => p.shards.map((s) => s.items.length).sort((a, b) => a - b);
    expect(Math.max(...counts(naive))).toBeGreaterThanOrEqual(9);

    const runs = [sample(4, 4.04, 6.3), sample(4, 0.04, 2.2), sample(4, 0.02, 2.1)];
    const learned = planShards({ tests: files, shards: 3, timings: { ...store, runs } });
    // Each 2 s file shares a shard with two cheap ones, the third shard takes six: 3.7 s, 3.7 s, 3.3 s.
    expect(counts(learned)).toEqual([3, 3, 6]);
    expect(learned.predictedMakespanSeconds / learned.lowerBoundSeconds).toBeLessThan(1.05);
    expect(learned.costModel?.samples).toBe(3);
    // The type-test file plans at the per-file cost, not at 0 s.
    const typeTest = learned.shards.flatMap((s) => s.items).find((i) => i.file === files[11]);
    expect(typeTest!.seconds).toBeGreaterThan(0.3);
    // Predictions include each shard's command start-up, and the bound does too.
    expect(learned.lowerBoundSeconds).toBeGreaterThanOrEqual(learned.costModel!.perRunSeconds);
  });

  it('samples travel shard → partial → merged store → plan, rounded and deterministic', () => {
    const log = new RecordingLogger();
    const partial = {
      shard: 1,
      shardTotal: 1,
      attempt: 1,
      tests: new Map([[files[0]!, 2]]),
      runs: [sample(4, 4.0400001, 6.3000004)],
    };
    const read = parseTimingPartial(serializeTimingPartial(partial), log)!;
    expect(read.runs).toEqual([sample(4, 4.04, 6.3)]);
    const merged = mergeTimingPartials(emptyTimingStore(), [read], log).store;
    const text = serializeTimingStore(merged);
    expect(text).toContain('"runs": [[6.3, 4, 4.04]]');
    expect(parseTimingStore(text, log).runs).toEqual([sample(4, 4.04, 6.3)]);
    expect(serializeTimingStore(parseTimingStore(text, log))).toBe(text);
    expect(log.messages('warning')).toEqual([]);
  });

  it('bad samples in a store are dropped with a warning, the rest kept', () => {
    const log = new RecordingLogger();
    const store = parseTimingStore(
      '{"format":"gauntlet-timings","version":1,"runs":[[1,2,0.5],[-1,2,0],[1,0,0],"x",[1e12,1,1]],"tests":{}}',
      log,
    );
    expect(store.runs).toEqual([sample(2, 0.5, 1)]);
    expect(log.messages('warning').length).toBeGreaterThan(0);
  });

  it('per-file calibration tells files apart that JUnit and the uniform model cannot', () => {
    // Six files, JUnit says 0.01 s each; really f0 and f3 cost 2 s more than the others (imports, a typecheck).
    const six = Array.from({ length: 6 }, (_, i) => `t/f${i}.test.ts`);
    const real = (f: string) => (f === six[0] || f === six[3] ? 2.5 : 0.5);
    let store: TimingStore = emptyTimingStore();
    const makespans: number[] = [];
    for (let round = 0; round < 4; round++) {
      const plan = planShards({ tests: six, shards: 3, timings: store });
      const runs = plan.shards.map((sh) => {
        const files = sh.items.map((i) => i.file);
        return {
          wallSeconds: 1 + files.reduce((t, f) => t + real(f), 0),
          files: files.length,
          testSeconds: 0.01 * files.length,
          fileKeys: files,
        };
      });
      makespans.push(Math.max(...runs.map((r) => r.wallSeconds)));
      store = updateTimingStore(store, new Map(six.map((f) => [f, 0.01])), { runs });
    }
    // Count-based first (f0 and f3 together: 1 + 2.5 + 2.5), then apart: 1 + 2.5 + 0.5 is the best there is.
    expect(makespans[0], String(makespans)).toBeCloseTo(6, 6);
    expect(makespans[makespans.length - 1]).toBeCloseTo(4, 6);
    const corrections = store.fileCorrections!;
    expect(corrections.get(six[0]!)!).toBeGreaterThan(corrections.get(six[2]!)!);
    // The corrections survive the store's text form.
    expect(parseTimingStore(serializeTimingStore(store), new RecordingLogger()).fileCorrections).toEqual(corrections);
  });
});
