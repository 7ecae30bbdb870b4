import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@gauntlet/kube';
import { loadExperiments } from '../experiment/load.js';
import { graphFromObjects, servicesNamed } from './graph.js';
import { emptyHistory, pairKey, parseHistory, recordOutcome, serializeHistory, MAX_OUTCOMES } from './history.js';
import { betaDraw, experimentDocumentFor, rankPairs } from './rank.js';
import { seededRandom } from '@gauntlet/action-kit';

const NS = 'pr-7';
const deployment = (
  name: string,
  env: Record<string, string> = {},
  extra: Record<string, unknown> = {},
): KubeObject => ({
  kind: 'Deployment',
  metadata: { name },
  spec: {
    replicas: 2,
    template: {
      metadata: { labels: { app: name } },
      spec: {
        containers: [{ name: 'c', env: Object.entries(env).map(([n, value]) => ({ name: n, value })), ...extra }],
      },
    },
  },
});
const service = (name: string, app = name): KubeObject => ({
  kind: 'Service',
  metadata: { name },
  spec: { selector: { app } },
});

/** front → checkout → (payments, db); front → search; db through a ConfigMap; search called by nobody else. */
const shop = graphFromObjects({
  namespace: NS,
  services: ['front', 'checkout', 'payments', 'db', 'search'].map((n) => service(n)),
  workloads: [
    deployment('front', {
      CHECKOUT_URL: 'http://checkout:8080/api',
      SEARCH: 'search.pr-7.svc.cluster.local:9200',
      MODE: 'front',
    }),
    deployment(
      'checkout',
      { PAYMENTS: 'payments.pr-7:443' },
      { envFrom: [{ configMapRef: { name: 'checkout-config' } }] },
    ),
    deployment('payments', { DB_HOST: 'db.pr-7.svc' }),
    deployment('db'),
    deployment('search', { OTHER_NS: 'db.other-ns.svc:5432', PLAIN: 'db' }),
  ],
  configMaps: [
    {
      kind: 'ConfigMap',
      metadata: { name: 'checkout-config' },
      data: { DATABASE_URL: 'postgres://db:5432/shop' },
    },
  ],
});

const base = {
  graph: shop,
  guarded: ['front'],
  history: emptyHistory(),
  nowMs: Date.UTC(2026, 11, 3),
  seed: 'run-1',
  k: 3,
  budgetMs: 10 * 60_000,
  defaultDurationMs: 60_000,
};

describe('dependency graph', () => {
  it('follows selectors and DNS names in env, envFrom ConfigMaps; bare words and other namespaces are not calls', () => {
    expect(shop.edges.map((e) => `${e.from}->${e.to} via ${e.service} (${e.evidence})`).sort()).toEqual([
      'checkout->db via db (configmap checkout-config key DATABASE_URL)',
      'checkout->payments via payments (env PAYMENTS)',
      'front->checkout via checkout (env CHECKOUT_URL)',
      'front->search via search (env SEARCH)',
      'payments->db via db (env DB_HOST)',
    ]);
    expect(servicesNamed('http://web-2:80 web.pr-7x my-web:1 sub.web:8', NS, new Set(['web']))).toEqual([]);
    expect(servicesNamed('WEB.PR-7.SVC.CLUSTER.LOCAL', NS, new Set(['web']))).toEqual(['web']);
  });

  it('ignores forged objects: no template, non-string labels, a selector-less Service matches nothing', () => {
    const g = graphFromObjects({
      namespace: NS,
      services: [{ kind: 'Service', metadata: { name: 'all' }, spec: {} }],
      workloads: [
        { kind: 'Deployment', metadata: { name: 'x' } },
        {
          kind: 'Deployment',
          metadata: { name: 'y' },
          spec: { replicas: 'lots', template: { metadata: { labels: { a: 1 } } } },
        },
      ],
      configMaps: [],
    });
    expect(g.workloads).toEqual([{ kind: 'Deployment', name: 'y', podLabels: {}, replicas: 1 }]);
    expect(g.services.get('all')).toEqual([]);
    expect(rankPairs({ ...base, graph: g }).ranked).toEqual([]); // no labels: never "everything"
  });
});

describe('rankPairs', () => {
  it('ranks by fan-in, distance to the guarded services and traffic, and says why', () => {
    const traffic = new Map([
      ['checkout', 40],
      ['db', 120],
      ['search', 1],
    ]);
    const s = rankPairs({ ...base, traffic });
    const db = s.ranked.find((p) => p.key === 'db/network-partition')!;
    expect(db.reasons).toEqual([
      'fan-in 2 (called by checkout, payments)',
      '2 hops from an SLO-guarded service',
      '120 req/s into db',
      'never tested',
      expect.stringMatching(/^0 failure\(s\) in 0 run\(s\), Thompson draw 0\.\d+/),
    ]);
    expect(db.parts.criticality).toBeCloseTo(0.5 * 1 + 0.5 / 3, 3);
    expect(s.picked).toHaveLength(3);
    expect(new Set(s.picked.map((p) => p.target.name)).size).toBe(3);
    // front has no caller: no partition or a DNS failure without callees
    expect(s.ranked.some((p) => p.key === 'front/network-partition')).toBe(false);
    expect(s.ranked.some((p) => p.key === 'db/dns-failure')).toBe(false);
    for (const p of s.ranked.filter((r) => !r.picked)) expect(p.whyNot).toBeTruthy();
    // replays from the seed
    expect(rankPairs({ ...base, traffic }).ranked).toEqual(s.ranked);
  });

  it('keeps within the time budget, and learns from history: stale and failing pairs rise, fresh passes sink', () => {
    const budget = rankPairs({ ...base, budgetMs: 90_000 });
    expect(budget.picked).toHaveLength(1);
    expect(budget.ranked.find((p) => p.whyNot?.startsWith('over the time budget'))).toBeTruthy();
    let history = emptyHistory();
    const nowMs = base.nowMs;
    for (let i = 0; i < 20; i++)
      history = recordOutcome(history, pairKey('db', 'pod-delete'), {
        verdict: 'pass',
        atMs: nowMs - 60_000,
        durationMs: 50_000,
      });
    for (let i = 0; i < 8; i++)
      history = recordOutcome(history, pairKey('search', 'pod-delete'), {
        verdict: 'fail',
        atMs: nowMs - 30 * 86_400_000,
        durationMs: 50_000,
      });
    const s = rankPairs({ ...base, history, faults: ['pod-delete'], k: 5 });
    const db = s.ranked.find((p) => p.key === 'db/pod-delete')!;
    const search = s.ranked.find((p) => p.key === 'search/pod-delete')!;
    expect(db.parts.staleness).toBeLessThan(0.01);
    expect(search.parts.staleness).toBe(1);
    expect(search.parts.failure).toBeGreaterThan(db.parts.failure);
    expect(db.reasons).toContain('last tested 0 h ago');
    expect(search.reasons).toContain('8 failure(s) in 8 run(s), Thompson draw ' + search.parts.failure);
    expect(db.estimatedMs).toBe(50_000);
  });

  it('draws Beta(a, b) with the right mean', () => {
    const random = seededRandom(7);
    let sum = 0;
    for (let i = 0; i < 4000; i++) sum += betaDraw(random, 9, 3);
    expect(sum / 4000).toBeCloseTo(0.75, 1);
  });

  it('turns a pick into an experiment the loader accepts', () => {
    const s = rankPairs({ ...base, k: 10, budgetMs: 3_600_000 });
    for (const fault of ['pod-delete', 'scale-down', 'network-partition', 'dns-failure']) {
      const pair = s.ranked.find((p) => p.fault === fault)!;
      const [e] = loadExperiments(JSON.stringify(experimentDocumentFor(pair, 20)), 'auto');
      expect(e!.steps[0]!.faults[0]).toMatchObject({ type: fault, durationMs: 20_000 });
      expect(e!.description).toMatch(/^picked: fan-in/);
    }
    const scale = s.ranked.find((p) => p.fault === 'scale-down')!;
    expect(loadExperiments(JSON.stringify(experimentDocumentFor(scale, 5)), 'a')[0]!.targets[0]).toMatchObject({
      kind: 'Deployment',
      names: [scale.target.name],
    });
  });
});

describe('selection history', () => {
  it('round-trips, counts only real tests, and bounds what a forged cache entry holds', () => {
    let h = recordOutcome(emptyHistory(), 'web/pod-delete', { verdict: 'fail', atMs: 5, durationMs: 10 });
    h = recordOutcome(h, 'web/pod-delete', { verdict: 'inconclusive', atMs: 9, durationMs: 10 });
    expect(parseHistory(serializeHistory(h)).history).toEqual(h);
    expect(h.pairs['web/pod-delete']).toEqual({ passes: 0, failures: 1, lastTestedAtMs: 5, meanDurationMs: 10 });
    const forged = JSON.stringify({
      version: 1,
      pairs: {
        'ok/pod-delete': { passes: 1e12, failures: -3, lastTestedAtMs: 'yesterday' },
        '::error::x': { passes: 1 },
        'bad/x': null,
      },
    });
    const parsed = parseHistory(forged);
    expect(parsed.history.pairs).toEqual({ 'ok/pod-delete': { passes: MAX_OUTCOMES, failures: 0 } });
    expect(parsed.problem).toBe('2 stored pair(s) unreadable and dropped');
    expect(parseHistory('{').problem).toMatch(/not JSON/);
    expect(parseHistory('{"version":2,"pairs":{}}').problem).toMatch(/not version 1/);
  });
});
