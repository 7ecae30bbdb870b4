import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { seededRandom, randomInt } from '@gauntlet/action-kit';
import { allowedTargetCount, assertInsideAllowList, chooseTargets, combineLimits } from './blast-radius.js';
import { loadExperiments } from './experiment/load.js';
import { BlastRadiusError } from './errors.js';

// [candidates, maxPercentage, maxTargets, expected targets]: the rounding table of the issue (CH-09).
const TABLE: [number, number | undefined, number | undefined, number][] = [
  [0, undefined, undefined, 0],
  [0, 34, undefined, 0],
  [0, 100, 5, 0],
  [0, undefined, 3, 0],
  [1, undefined, undefined, 1],
  [1, 34, undefined, 1],
  [1, 50, undefined, 1],
  [1, 100, undefined, 1],
  [1, 0, undefined, 0],
  [2, 50, undefined, 1],
  [2, 49, undefined, 1],
  [3, 10, undefined, 1],
  [3, 34, undefined, 1],
  [3, 100 / 3, undefined, 1],
  [3, 66.67, undefined, 2],
  [3, 99, undefined, 2],
  [3, 100, undefined, 3],
  [4, 25, undefined, 1],
  [4, 75, undefined, 3],
  [5, 30, undefined, 1],
  [5, 40, undefined, 2],
  [7, 50, undefined, 3],
  [10, 10, undefined, 1],
  [10, 15, undefined, 1],
  [10, 0, 5, 0],
  [10, undefined, 3, 3],
  [10, 50, 2, 2],
  [10, 20, 5, 2],
  [100, 1, undefined, 1],
  [1000, 0.1, undefined, 1],
];

describe('allowedTargetCount', () => {
  it('has 30 cases', () => expect(TABLE).toHaveLength(30));
  it.each(TABLE)('%i candidates, %s%%, max %s → %i', (candidates, maxPercentage, maxTargets, expected) => {
    expect(
      allowedTargetCount(candidates, {
        ...(maxPercentage !== undefined ? { maxPercentage } : {}),
        ...(maxTargets !== undefined ? { maxTargets } : {}),
      }),
    ).toBe(expected);
  });
  it('is the table in the README, row for row (CH-12)', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Blast radius'));
    const rows = section
      .split('\n')
      .filter((line) => /^\| \d/.test(line))
      .map((line) =>
        line
          .split('|')
          .slice(1, 5)
          .map((cell) => cell.trim()),
      );
    const value = (cell: string): number | undefined =>
      cell === '' ? undefined : cell === '100/3' ? 100 / 3 : Number(cell);
    expect(rows.map(([n, p, m, t]) => [Number(n), value(p!), value(m!), Number(t)])).toEqual(TABLE);
  });
  it('never exceeds the candidates, and zero candidates is never all', () => {
    const random = seededRandom(14);
    for (let i = 0; i < 2000; i++) {
      const candidates = randomInt(random, 0, 50);
      const n = allowedTargetCount(candidates, { maxPercentage: random() * 100, maxTargets: randomInt(random, 1, 20) });
      expect(n).toBeGreaterThanOrEqual(candidates === 0 ? 0 : 1);
      expect(n).toBeLessThanOrEqual(candidates);
    }
  });
  it('combines to the stricter limit', () => {
    expect(combineLimits({ maxTargets: 3 }, { maxTargets: 2, maxPercentage: 50 })).toEqual({
      maxTargets: 2,
      maxPercentage: 50,
    });
  });
});

const scope = { defaultNamespace: 'pr-1', allowed: ['pr-1', 'shared'] };

function experiment(targets: string): string {
  return `apiVersion: gauntlet.dev/v1alpha1
kind: ChaosExperiment
metadata: { name: e }
spec:
  targets: ${targets}
  steps: [{ faults: [{ type: pod-delete, target: t, duration: 10s }] }]
`;
}

describe('assertInsideAllowList', () => {
  it('accepts the default and the listed namespaces', () => {
    const ok = loadExperiments(experiment('[{ name: t, selector: { app: web } }]'), 'e.yaml');
    expect(() => assertInsideAllowList(ok, scope)).not.toThrow();
    const shared = loadExperiments(experiment('[{ name: t, namespace: shared, selector: { app: web } }]'), 'e.yaml');
    expect(() => assertInsideAllowList(shared, scope)).not.toThrow();
  });
  it('refuses a target in another namespace, naming it', () => {
    const bad = loadExperiments(experiment('[{ name: t, namespace: kube-system, selector: { app: web } }]'), 'e.yaml');
    expect(() => assertInsideAllowList(bad, scope)).toThrow(/target 't' reaches namespace 'kube-system'/);
  });
  it('refuses Chaos Mesh selectors outside, and namespace label selectors always', () => {
    const mesh = (selector: string): string => `apiVersion: chaos-mesh.org/v1alpha1
kind: PodChaos
metadata: { name: kill }
spec: { action: pod-kill, mode: one, duration: 30s, selector: ${selector} }
`;
    expect(() => assertInsideAllowList(loadExperiments(mesh('{ namespaces: [pr-1] }'), 'm.yaml'), scope)).not.toThrow();
    expect(() => assertInsideAllowList(loadExperiments(mesh('{ namespaces: [pr-1, prod] }'), 'm.yaml'), scope)).toThrow(
      /reaches namespace 'prod'/,
    );
    expect(() => assertInsideAllowList(loadExperiments(mesh('{ pods: { prod: [db-0] } }'), 'm.yaml'), scope)).toThrow(
      BlastRadiusError,
    );
    expect(() =>
      assertInsideAllowList(loadExperiments(mesh('{ namespaceSelectors: { team: a } }'), 'm.yaml'), scope),
    ).toThrow(/selects namespaces by label/);
  });
  it('lets no selector of a fuzzed corpus reach outside the allow-list (CH-07)', () => {
    const random = seededRandom(7);
    const namespaces = ['pr-1', 'shared', 'prod', 'kube-system', 'default', 'pr-10', 'pr-1x'];
    let refused = 0;
    for (let i = 0; i < 500; i++) {
      const picked = Array.from(
        { length: randomInt(random, 1, 4) },
        () => namespaces[randomInt(random, 0, namespaces.length)]!,
      );
      const targets = picked.map((n, k) => `{ name: t${k === 0 ? '' : k}, namespace: ${n}, selector: { app: a${k} } }`);
      const text = experiment(`[${targets.join(', ')}]`);
      const outside = picked.some((n) => !scope.allowed.includes(n));
      const experiments = loadExperiments(text, 'fuzz.yaml');
      if (outside) {
        expect(() => assertInsideAllowList(experiments, scope)).toThrow(BlastRadiusError);
        refused++;
      } else expect(() => assertInsideAllowList(experiments, scope)).not.toThrow();
    }
    expect(refused).toBeGreaterThan(100);
  });
});

describe('zero is never all', () => {
  it('an experiment with maxTargets 0 is refused, naming the field', () => {
    const text = experiment('[{ name: t, selector: { app: web } }]') + '  blastRadius: { maxTargets: 0 }\n';
    expect(() => loadExperiments(text, 'e.yaml')).toThrow(
      /e\.yaml: spec\.blastRadius\.maxTargets: 0 is refused.*never means all/,
    );
  });
  it('maxPercentage 0 picks no target, so the fault is not injected', () => {
    expect(chooseTargets(['a', 'b', 'c'], { maxPercentage: 0 }, 'x')).toEqual([]);
    expect(chooseTargets(['a', 'b', 'c'], { maxPercentage: 0, maxTargets: 3 }, 'x')).toEqual([]);
  });
});

describe('chooseTargets', () => {
  it('picks the allowed count, replays from the seed, and ignores the listing order', () => {
    const pods = ['web-a', 'web-b', 'web-c', 'web-d', 'web-e'];
    const picked = chooseTargets(pods, { maxPercentage: 40 }, 'run-1/s1f1');
    expect(picked).toHaveLength(2);
    expect(chooseTargets([...pods].reverse(), { maxPercentage: 40 }, 'run-1/s1f1')).toEqual(picked);
    expect(chooseTargets([], { maxPercentage: 100 }, 'x')).toEqual([]);
    expect(chooseTargets(pods, {}, 'x')).toEqual(pods);
  });
});
