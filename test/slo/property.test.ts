// SLO-09: a property test over generated Prometheus answers. A grammar produces clean answers (complete, fresh,
// finite, enough traffic; possibly after transient 5xx/resets, with a few missing steps or infos) and faulty ones
// (every fault of SLO-01..08 and more). An oracle knows the right verdict of each clean answer. Required:
// 0 false passes over all answers, 0 false fails on the clean answers whose predicate holds. The answers come
// from a programmable loopback server: many of them are ones a real Prometheus never gives.
import { seededRandom } from '@gauntlet/action-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '@gauntlet/action-kit/testing';
import {
  createPrometheusClient,
  evaluateSlos,
  loadSlosFromYaml,
  type PrometheusClient,
  type SloSet,
} from '@gauntlet/slo';
import {
  formatSample,
  startFakePrometheus,
  type FakePrometheus,
  type FakeReply,
  type FakeRequest,
} from '@gauntlet/slo/testing';

const SEED = 20_240_917;
const CASES = 1_200;
const NOW = 1_800_000_000_000;
const NOW_S = NOW / 1000;

const mulberry32 = seededRandom;

type Kind = 'ratio' | 'latency' | 'instant';
const SLOS: Record<Kind, SloSet> = {
  ratio: loadSlosFromYaml(
    `slos:\n  - name: a\n    ratio: { bad: 'req_total{ns="{{ns}}",code="500"}', total: 'req_total{ns="{{ns}}"}' }\n    objective: { target: 99%, window: 1h }\n`,
  ),
  latency: loadSlosFromYaml(
    `slos:\n  - name: l\n    latency: { histogram: 'lat_seconds{ns="{{ns}}"}', quantile: 0.9, threshold: 0.25 }\n    objective: { window: 1h }\n`,
  ),
  instant: loadSlosFromYaml(
    `slos:\n  - name: u\n    promql: { query: 'min(up{ns="{{ns}}"})', op: ">=", threshold: 1 }\n`,
  ),
};

type Series = { metric: Record<string, string>; values: Array<[number, string]> };
interface Case {
  kind: Kind;
  /** Replies in order; the last one repeats. */
  replies: FakeReply[];
  clean: boolean;
  /** For clean cases: whether the SLO predicate holds (the only allowed pass). */
  shouldPass: boolean;
  fault: string;
  /** Error ratio (ratio), share under 0.25 s (latency) or the value (instant). */
  level: number;
  /** Ratio SLIs: answered as one `sum by (code)` query (label batching) instead of two tagged parts. */
  batched: boolean;
}

const pick = <T>(r: () => number, items: readonly T[]): T => items[Math.floor(r() * items.length)] as T;
const success = (resultType: string, result: unknown, extra: object = {}) => ({
  body: { status: 'success', data: { resultType, result }, ...extra },
});

function grid(request: FakeRequest): number[] {
  const start = Number(request.form.get('start'));
  const end = Number(request.form.get('end'));
  const step = Number(request.form.get('step'));
  const out: number[] = [];
  for (let t = start; t <= end + 1e-9; t += step) out.push(Math.round(t * 1000) / 1000);
  return out;
}

/** Clean data for the request's grid. Steps listed in `skip` have no point (a few are allowed in clean data). */
function cleanSeries(
  kind: Kind,
  times: number[],
  r: () => number,
  level: number,
  skip: Set<number>,
  scale = 1,
  batched = false,
): Series[] {
  const points = (f: (i: number) => number): Array<[number, string]> =>
    times.flatMap((t, i) => (skip.has(i) ? [] : [[t, formatSample(f(i))] as [number, string]]));
  const totals = times.map(() => (50 + Math.floor(r() * 100)) * scale);
  if (kind === 'ratio' && batched) {
    return [
      { metric: { code: '500' }, values: points((i) => (totals[i] as number) * level) },
      { metric: { code: '200' }, values: points((i) => (totals[i] as number) * (1 - level)) },
    ];
  }
  if (kind === 'ratio') {
    return [
      { metric: { gauntlet_part: 'bad' }, values: points((i) => (totals[i] as number) * level) },
      { metric: { gauntlet_part: 'total' }, values: points((i) => totals[i] as number) },
    ];
  }
  // level = share of requests at or under 0.25 s; the rest take 0.5..1 s.
  const share: Record<string, (t: number) => number> = {
    '0.1': (t) => t * level * 0.5,
    '0.25': (t) => t * level,
    '0.5': (t) => t * level,
    '1': (t) => t,
    '+Inf': (t) => t,
  };
  return Object.entries(share).map(([le, f]) => ({ metric: { le }, values: points((i) => f(totals[i] as number)) }));
}

function generate(r: () => number): Case {
  const kind: Kind = pick(r, ['ratio', 'latency', 'instant'] as const);
  // Predicate level, away from the boundary so float rounding cannot decide it.
  let level: number;
  let shouldPass: boolean;
  if (kind === 'ratio') {
    level = r() < 0.5 ? r() * 0.009 : 0.011 + r() * 0.05; // error ratio vs 1 % allowed
    shouldPass = level < 0.01;
  } else if (kind === 'latency') {
    level = r() < 0.5 ? 0.91 + r() * 0.09 : 0.5 + r() * 0.39; // share under 0.25 s vs p90
    shouldPass = level > 0.9;
  } else {
    level = pick(r, [0, 0.5, 0.999, 1, 2, 7]);
    shouldPass = level >= 1;
  }
  const clean = r() < 0.4;
  const batched = kind === 'ratio' && r() < 0.5;
  return { kind, replies: [], clean, shouldPass, fault: clean ? 'clean' : '', level, batched };
}

/** Builds the replies lazily, once the request (and its step grid) is known. */
function materialise(c: Case, r: () => number, request: FakeRequest): FakeReply[] {
  const times = c.kind === 'instant' ? [NOW_S] : grid(request);
  const n = times.length;
  const fresh = (skip = new Set<number>(), scale = 1): Series[] =>
    cleanSeries(c.kind, times, r, c.level, skip, scale, c.batched);
  const instant = (value: string, t = NOW_S) => success('vector', [{ metric: {}, value: [t, value] }]);
  const body = (): FakeReply => (c.kind === 'instant' ? instant(formatSample(c.level)) : success('matrix', fresh()));
  if (c.clean) {
    const variant = pick(r, ['plain', 'transient', 'few-gaps', 'infos', 'exponent'] as const);
    c.fault = `clean:${variant}`;
    if (variant === 'transient') {
      const transient: FakeReply[] = [
        { status: 503, body: 'busy', contentType: 'text/plain' },
        { reset: true },
        { status: 502, body: '<html>bad gateway</html>', contentType: 'text/html' },
      ];
      return [...Array.from({ length: 1 + Math.floor(r() * 3) }, () => pick(r, transient)), body()];
    }
    if (variant === 'few-gaps' && c.kind !== 'instant') {
      // Up to 5 % of the steps missing, never the newest few (that would be stale).
      const skip = new Set<number>();
      while (skip.size < Math.floor(r() * 0.05 * n)) skip.add(Math.floor(r() * (n - 5)));
      return [success('matrix', fresh(skip))];
    }
    if (variant === 'infos') {
      const reply = body() as { body: object };
      return [{ body: { ...reply.body, infos: ['PromQL info: metric might not be a counter'] } }];
    }
    if (variant === 'exponent' && c.kind === 'instant') return [instant(c.level.toExponential())];
    return [body()];
  }
  const faults = [
    'empty',
    'non-finite',
    'warnings',
    'partial',
    'stale',
    'gaps',
    'low-traffic',
    'http-4xx',
    'http-5xx-forever',
    'html',
    'reset-forever',
    'malformed',
    'status-error',
    'wrong-type',
    'extra-series',
    'missing-part',
    'native-histogram',
  ] as const;
  const fault = pick(r, faults);
  c.fault = fault;
  const range = c.kind !== 'instant';
  switch (fault) {
    case 'empty':
      return [success(range ? 'matrix' : 'vector', [])];
    case 'non-finite': {
      const bad = pick(r, ['NaN', '+Inf', '-Inf', '1e309', '-1e309', 'abc', '', '0x10', '1,5', 'null']);
      if (!range) return [instant(bad)];
      const series = fresh();
      const s = pick(r, series);
      const p = s.values[Math.floor(r() * s.values.length)];
      if (p) p[1] = bad;
      return [success('matrix', series)];
    }
    case 'warnings':
      return [
        {
          ...(body() as object),
          body: {
            ...(body() as { body: object }).body,
            warnings: r() < 0.8 ? ['PromQL warning: something'] : 'a bare warning string',
          },
        },
      ];
    case 'partial':
      return [
        { body: { ...(body() as { body: object }).body, warnings: ['partial response: 1 of 3 stores unavailable'] } },
      ];
    case 'stale': {
      if (!range) return [instant(formatSample(c.level), NOW_S - 600 - Math.floor(r() * 86_400))];
      const drop = 3 + Math.floor(r() * (n / 2));
      return [success('matrix', fresh(new Set(Array.from({ length: drop }, (_, i) => n - 1 - i))))];
    }
    case 'gaps': {
      if (!range) return [success('vector', [])];
      const share = 0.15 + r() * 0.75;
      const skip = new Set<number>();
      while (skip.size < Math.floor(share * n)) skip.add(Math.floor(r() * n));
      return [success('matrix', fresh(skip))];
    }
    case 'low-traffic':
      if (!range) return [success('vector', [])];
      return [success('matrix', fresh(new Set(), 0.0005 + r() * 0.001))];
    case 'http-4xx':
      return [
        {
          status: pick(r, [400, 422]),
          body: { status: 'error', errorType: pick(r, ['bad_data', 'execution']), error: 'nope' },
        },
      ];
    case 'http-5xx-forever':
      return [{ status: pick(r, [500, 503, 504]), body: { status: 'error', errorType: 'unavailable', error: 'down' } }];
    case 'html':
      return [
        {
          status: pick(r, [200, 502]),
          body: '<!doctype html><html><body>Gateway</body></html>',
          contentType: 'text/html',
        },
      ];
    case 'reset-forever':
      return [{ reset: true }];
    case 'malformed': {
      const text = JSON.stringify((body() as { body: object }).body);
      return [
        {
          body: pick(r, [
            text.slice(0, Math.floor(r() * text.length)),
            text + ']',
            `{"status":"success","data":{"resultType":"${range ? 'matrix' : 'vector'}","result":[{"metric":{},"value":[1,2]}]}}`,
            'null',
            '[]',
            '"success"',
          ]),
        },
      ];
    }
    case 'status-error':
      return [
        pick(r, [
          { body: { status: 'error', errorType: 'internal', error: 'x' } },
          { body: { status: 'success' } },
          { body: { status: 'ok', data: { resultType: 'vector', result: [] } } },
          { body: { status: 'success', data: { resultType: 'matrix', result: {} } } },
        ]),
      ];
    case 'wrong-type':
      return [
        range
          ? pick(r, [
              success('vector', [{ metric: {}, value: [NOW_S, '1'] }]),
              success('scalar', [NOW_S, '1']),
              success('string', [NOW_S, '1']),
              success('streams', []),
            ])
          : pick(r, [success('matrix', [{ metric: {}, values: [[NOW_S, '1']] }]), success('string', [NOW_S, '1'])]),
      ];
    case 'extra-series': {
      if (!range)
        return [
          success('vector', [
            { metric: { pod: 'a' }, value: [NOW_S, '1'] },
            { metric: { pod: 'b' }, value: [NOW_S, '1'] },
          ]),
        ];
      const series = fresh();
      const copy = pick(r, series);
      // Batched answers legitimately hold many series; a duplicate label set is what no Prometheus sends.
      const metric = c.batched ? { ...copy.metric } : { ...copy.metric, pod: 'b' };
      return [success('matrix', [...series, { metric, values: copy.values }])];
    }
    case 'missing-part': {
      if (!range) return [success('vector', [])];
      const series = fresh();
      const dropped = pick(r, ['bad', 'total']);
      if (c.kind === 'ratio' && c.batched) {
        // Without the error series there is no data for "bad"; without the 200s every request looks failed.
        return [
          success(
            'matrix',
            series.filter((s) => s.metric.code !== (dropped === 'bad' ? '500' : '200')),
          ),
        ];
      }
      return [
        success(
          'matrix',
          c.kind === 'ratio'
            ? series.filter((s) => s.metric.gauntlet_part !== dropped)
            : series.filter((s) => s.metric.le !== '+Inf'),
        ),
      ];
    }
    case 'native-histogram':
      return [
        range
          ? success('matrix', [{ metric: {}, histograms: [[NOW_S, { count: '1', sum: '1', buckets: [] }]] }])
          : success('vector', [{ metric: {}, histogram: [NOW_S, { count: '1', sum: '1' }] }]),
      ];
  }
}

let fake: FakePrometheus;
let client: PrometheusClient;
/** Only for bodies that never end: a short budget keeps the test fast (it is a real socket timeout). */
let hangClient: PrometheusClient;
let current: { case: Case; rng: () => number; replies?: FakeReply[] };

beforeAll(async () => {
  fake = await startFakePrometheus((request) => {
    // An instant (raw) SLI is also asked for its data coverage over the window, as a range query: a clean case
    // answers it as a real Prometheus would, with the value at every step; the case's own replies (clean or
    // faulty) go to the instant query.
    const { case: c } = current;
    if (c.kind === 'instant' && c.clean && request.path.endsWith('/query_range'))
      return success('matrix', [{ metric: {}, values: grid(request).map((t) => [t, formatSample(c.level)]) }]);
    current.replies ??= materialise(current.case, current.rng, request);
    return current.replies.length > 1 ? (current.replies.shift() as FakeReply) : (current.replies[0] as FakeReply);
  });
  client = createPrometheusClient({
    url: fake.url,
    registerSecret: () => {},
    clock: new FakeClock(),
    timeoutMs: 10_000,
    random: () => 0.5,
  });
  hangClient = createPrometheusClient({
    url: fake.url,
    registerSecret: () => {},
    clock: new FakeClock(),
    timeoutMs: 300,
    random: () => 0.5,
  });
});
afterAll(() => fake.close());

describe('SLO-09: property test over generated Prometheus answers', () => {
  it(`0 false passes and 0 false fails on clean answers (seed ${SEED}, ${CASES} cases)`, async () => {
    const rng = mulberry32(SEED);
    const counts = {
      total: 0,
      batched: 0,
      clean: 0,
      cleanShouldPass: 0,
      faulty: 0,
      passes: 0,
      falsePasses: 0,
      falseFails: 0,
    };
    const byFault = new Map<string, { n: number; pass: number }>();
    const failures: string[] = [];
    for (let i = 0; i < CASES; i += 1) {
      const c = generate(rng);
      current = { case: c, rng };
      // The fault is chosen when the request arrives; a hang is decided up front so the short-timeout client is used.
      const hang = !c.clean && rng() < 0.025;
      if (hang) current.replies = [{ hang: true }];
      if (hang) c.fault = 'hang';
      const result = await evaluateSlos({
        // The grammar writes step answers; the whole-window query is tested on real Prometheus.
        wholeWindow: false,
        slos: SLOS[c.kind],
        client: hang ? hangClient : client,
        batchByLabel: c.batched,
        vars: { ns: `case-${i}` },
        nowMs: NOW,
        scrapeIntervalMs: 1_000,
      });
      const verdict = result.slos[0]!.verdict;
      counts.total += 1;
      if (c.clean) counts.clean += 1;
      else counts.faulty += 1;
      if (c.clean && c.shouldPass) counts.cleanShouldPass += 1;
      if (verdict === 'pass') counts.passes += 1;
      if (c.batched) counts.batched += 1;
      const entry = byFault.get(c.fault) ?? { n: 0, pass: 0 };
      entry.n += 1;
      if (verdict === 'pass') entry.pass += 1;
      byFault.set(c.fault, entry);
      const allowedPass = c.clean && c.shouldPass;
      if (verdict === 'pass' && !allowedPass) {
        counts.falsePasses += 1;
        failures.push(`case ${i} (${c.kind}, ${c.fault}, level ${c.level}): false pass — ${result.slos[0]!.reason}`);
      }
      if (allowedPass && verdict !== 'pass') {
        counts.falseFails += 1;
        failures.push(
          `case ${i} (${c.kind}, ${c.fault}, level ${c.level}): false ${verdict} — ${result.slos[0]!.reason}`,
        );
      }
    }
    console.log(`SLO-09 seed ${SEED}: ${JSON.stringify(counts)}`);
    console.log(
      `SLO-09 by answer: ${[...byFault]
        .sort()
        .map(([k, v]) => `${k} ${v.n} (pass ${v.pass})`)
        .join(', ')}`,
    );
    expect(failures).toEqual([]);
    expect(counts.total).toBeGreaterThanOrEqual(1_000);
    expect(counts.falsePasses).toBe(0);
    expect(counts.falseFails).toBe(0);
    expect(counts.cleanShouldPass).toBeGreaterThan(100);
  });
});
