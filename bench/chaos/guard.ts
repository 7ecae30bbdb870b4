/**
 * chaos-gate's guard under load (issue 14, performance): halt latency, detection and guard cost, on the test bed's
 * real Prometheus (scraping at 1 s) and API server. Each run is the product's life cycle — packages/chaos
 * runExperiment with the action's own guard (actions/chaos-gate guardFor: slo-check's model, burn rates, coverage)
 * — over a fleet of sample services (the slo package's), one per run, each with its own seeded traffic recorded
 * at a steady rate and its own `run` label, so runs in parallel never see each other's data.
 *
 * The fault that moves the SLI is an application fault (`type: app`) whose on/off this bench plugs in-process:
 * it sets the run's error rate or latency, as a feature flag would (its URLs are never called). Halt trials add a
 * real scale-down on a kwok Deployment, so "every fault reverted" includes an API write and its check.
 *
 * - Halt latency: the error rate goes to 100 % at a seeded instant in the fault; from the first sample in
 *   Prometheus whose error count is above the count at that instant (the earliest the SLI can breach, so the
 *   figure is an upper bound) to the last fault reverted and verified.
 * - Detection: an error rate of twice the budget (2 % on a 99 % objective) must fail; a harmless latency
 *   (+20 ms on a 250 ms threshold) must pass.
 * - Guard cost: Prometheus queries per minute of experiment, counted on each run's client, beside the queries
 *   of evaluating each SLO and window separately (one instant query per SLO × window × part), which this bench
 *   also sends once per observation's worth to time them.
 */
import { writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { seededRandom, silentLogger } from '@gauntlet/action-kit';
import {
  loadExperiments,
  newEntry,
  loadBackend,
  runExperiment,
  type ExperimentResult,
  type FaultBackend,
  type FaultSpec,
} from '@gauntlet/chaos';
import { KubeClient, collectionPath, objectPath, types } from '@gauntlet/kube';
import {
  WORKBOOK_TIERS,
  createPrometheusClient,
  loadSlosFromYaml,
  firstSampleMs,
  startSampleService,
  type PrometheusClient,
  type SampleService,
} from '@gauntlet/slo';
import { guardFor } from '../../actions/chaos-gate/src/guard.js';

export interface GuardBenchOptions {
  readonly kubeConfig: Parameters<typeof KubeClient.create>[0];
  readonly prometheusUrl: string;
  readonly targetsDir: string;
  readonly seed: number;
  readonly haltTrials: number;
  readonly detectionRuns: number;
  /** Where the test bed's Prometheus is now (it may be restarted by someone else on another port). */
  readonly currentPrometheusUrl?: () => Promise<string | undefined>;
}

const PREFIX = 'chaosbench';
const SLO_YAML = `slos:
  - name: availability
    ratio:
      bad: ${PREFIX}_http_requests_total{run="{{run}}",code="500"}
      total: ${PREFIX}_http_requests_total{run="{{run}}"}
    objective: { target: 99% }
  - name: fast-requests
    latency: { histogram: '${PREFIX}_http_request_duration_seconds{run="{{run}}"}', threshold: 250ms }
    objective: { target: 99% }
`;
const BUDGET = 0.01;
const BASE_ERROR_RATE = 0.001;
const BASE_LATENCY_MS = 5;
const RPS = 100;
const SCRAPE_MS = 1_000;

/** One run's service: its seeded traffic (RPS requests a second, recorded every 100 ms) at the current rate. */
interface Run {
  readonly id: string;
  readonly service: SampleService;
  errorRate: number;
  latencyMs: number;
  /** When the error rate last rose above the base (ms), for the halt trials. */
  onsetAt?: number;
}

class Fleet {
  private readonly runs = new Map<string, Run>();
  private readonly timer: NodeJS.Timeout;
  private readonly randoms = new Map<string, () => number>();

  constructor(
    private readonly targetsDir: string,
    private readonly seed: number,
  ) {
    this.timer = setInterval(() => this.tick(), 100);
    // A crash (Prometheus restarted under us) must not leave scrape targets pointing at closed ports.
    process.once('exit', () => {
      for (const id of this.runs.keys()) rmSync(path.join(this.targetsDir, `${id}.json`), { force: true });
    });
  }

  async add(id: string): Promise<Run> {
    const service = await startSampleService({ prefix: PREFIX });
    const run: Run = { id, service, errorRate: BASE_ERROR_RATE, latencyMs: BASE_LATENCY_MS };
    this.runs.set(id, run);
    this.randoms.set(id, seededRandom(this.seed + this.runs.size));
    writeFileSync(
      path.join(this.targetsDir, `${id}.json`),
      JSON.stringify([{ targets: [`127.0.0.1:${service.port}`], labels: { run: id } }]),
    );
    return run;
  }

  get(id: string): Run {
    const run = this.runs.get(id);
    if (!run) throw new Error(`no bench run ${id}`);
    return run;
  }

  async remove(id: string): Promise<void> {
    const run = this.runs.get(id);
    if (!run) return;
    this.runs.delete(id);
    rmSync(path.join(this.targetsDir, `${id}.json`), { force: true });
    await run.service.close();
  }

  private tick(): void {
    const n = RPS / 10;
    for (const run of this.runs.values()) {
      const random = this.randoms.get(run.id)!;
      let errors = 0;
      for (let i = 0; i < n; i++) if (random() < run.errorRate) errors++;
      run.service.record(n, errors, run.latencyMs);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    for (const id of [...this.runs.keys()]) await this.remove(id);
  }
}

/** The bench's `type: app` backend: on sets the run's error rate or latency (after an optional delay), off resets. */
function appBackend(fleet: Fleet, on: { errorRate?: number; latencyMs?: number; afterMs?: number }): FaultBackend {
  const timers = new Map<string, NodeJS.Timeout>();
  return {
    plan: (fault, ctx) => Promise.resolve(newEntry(fault, ctx, ctx.defaultNamespace, { inProcess: 'bench flag' })),
    inject(_fault, entry) {
      const run = fleet.get(entry.runId);
      const apply = (): void => {
        if (on.errorRate !== undefined) {
          run.errorRate = on.errorRate;
          run.onsetAt = Date.now();
        }
        if (on.latencyMs !== undefined) run.latencyMs = on.latencyMs;
      };
      if (on.afterMs) timers.set(entry.runId, setTimeout(apply, on.afterMs));
      else apply();
      return Promise.resolve();
    },
    verifyInjected: () => Promise.resolve({ ok: true, detail: 'flag on' }),
    describe: () => 'bench flag',
    revert(_fault, entry) {
      clearTimeout(timers.get(entry.runId));
      const run = fleet.get(entry.runId);
      run.errorRate = BASE_ERROR_RATE;
      run.latencyMs = BASE_LATENCY_MS;
      return Promise.resolve(['flag off']);
    },
    verifyReverted: (_fault, entry) => {
      const run = fleet.get(entry.runId);
      const ok = run.errorRate === BASE_ERROR_RATE && run.latencyMs === BASE_LATENCY_MS;
      return Promise.resolve({ ok, detail: ok ? 'flag off' : 'flag still on' });
    },
  };
}

function experimentYaml(name: string, durationS: number, withScaleDown: boolean): string {
  const app =
    '{ type: app, on: { http: { url: "http://127.0.0.1:9/flag/on", method: POST } }, off: { http: { url: "http://127.0.0.1:9/flag/off", method: POST } }, duration: ' +
    `${durationS}s }`;
  return `apiVersion: gauntlet.dev/v1alpha1
kind: ChaosExperiment
metadata: { name: ${name} }
spec:
  targets: [{ name: web, kind: Deployment, selector: { app: web } }]
  steps:
    - faults:
        - ${app}
${withScaleDown ? `        - { type: scale-down, target: web, replicas: 1, duration: ${durationS}s }\n` : ''}  steadyState: { slos: all }
  recoveryTimeout: 20s
`;
}

interface RunSettings {
  readonly intervalMs: number;
  readonly sloWindowMs: number;
}

async function runOne(
  id: string,
  experimentText: string,
  backend: FaultBackend,
  settings: RunSettings,
  deps: { client: KubeClient; namespace: string; prometheusUrl: string; onRevert?: (line: string) => void },
): Promise<{ result: ExperimentResult; prometheus: PrometheusClient; minutes: number; observations: number }> {
  const [experiment] = loadExperiments(experimentText, `${id}.yaml`);
  const prometheus = createPrometheusClient({ url: deps.prometheusUrl, registerSecret: () => undefined });
  const inner = guardFor(experiment!, {
    slos: loadSlosFromYaml(SLO_YAML, 'bench'),
    prometheus,
    vars: { run: id },
    sloWindowMs: settings.sloWindowMs,
    minRequests: 20,
    scrapeIntervalMs: SCRAPE_MS,
    logger: silentLogger,
  });
  let observations = 0;
  const guard = {
    observe: (signal?: AbortSignal) => {
      observations++;
      return inner.observe(signal);
    },
  };
  const started = Date.now();
  const result = await runExperiment(experiment!, {
    context: {
      client: deps.client,
      runId: id,
      defaultNamespace: deps.namespace,
      dryRun: false,
      limitTargets: (candidates) => [...candidates],
      log: (line) => {
        if (/: reverted: /.test(line)) deps.onRevert?.(line);
      },
      now: Date.now,
    },
    guard,
    saveLedger: () => undefined,
    loadBackend: (type: FaultSpec['type']) => (type === 'app' ? Promise.resolve(backend) : loadBackend(type)),
    intervalMs: settings.intervalMs,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  });
  return { result, prometheus, minutes: (Date.now() - started) / 60_000, observations };
}

/**
 * The first sample in Prometheus of the run's error counter above its value at the onset (ms): the earliest
 * instant the SLI can show the breach. Undefined until it is scraped.
 */
async function firstErrorSampleMs(prometheusUrl: string, id: string, onsetAt: number): Promise<number | undefined> {
  const query = `${PREFIX}_http_requests_total{run="${id}",code="500"}[5m]`;
  const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await response.json()) as { data?: { result?: { values: [number, string][] }[] } };
  const values = (body.data?.result?.[0]?.values ?? []).map(([t, v]) => [t * 1000, Number(v)] as const);
  const before = values.filter(([t]) => t < onsetAt).at(-1)?.[1] ?? 0;
  return values.find(([t, v]) => t >= onsetAt && v > before)?.[0];
}

const quantile = (values: readonly number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
};
const s = (ms: number): string => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : 'n/a');
const out = (text: string): void => void process.stdout.write(text);

/**
 * Waits until every run of a batch has a full window of data: a target registered now is first scraped some
 * seconds later on a loaded machine, so the window is counted from each run's first sample. Progress every 10 s.
 */
async function warmUp(prometheusUrl: string, ids: readonly string[], windowMs: number, what: string): Promise<void> {
  const since = Date.now() - 1_000;
  const firsts = await Promise.all(
    ids.map((id) => firstSampleMs(prometheusUrl, `${PREFIX}_http_requests_total{run="${id}"}`, { sinceMs: since })),
  );
  const until = Math.max(...firsts) + windowMs + 2 * SCRAPE_MS;
  while (Date.now() < until) {
    await new Promise((r) => setTimeout(r, Math.min(10_000, until - Date.now())));
    out(`  ${what}: warming up, ${Math.max(0, Math.round((until - Date.now()) / 1000))} s left\n`);
  }
}

/** Instant queries of evaluating each SLO and window on its own: SLOs × windows × parts, sent once. */
async function perSloWindowQueries(prometheus: PrometheusClient, id: string, windowMs: number): Promise<number> {
  const factor = windowMs / 259_200_000;
  const windows = [
    ...new Set([windowMs, ...WORKBOOK_TIERS.flatMap((t) => [t.longMs * factor, t.shortMs * factor])]),
  ].map((ms) => `${Math.max(1, Math.round(ms / 1000))}s`);
  const parts = [
    `${PREFIX}_http_requests_total{run="${id}",code="500"}`,
    `${PREFIX}_http_requests_total{run="${id}"}`,
    `${PREFIX}_http_request_duration_seconds_bucket{run="${id}",le="0.25"}`,
    `${PREFIX}_http_request_duration_seconds_count{run="${id}"}`,
  ];
  const at = Math.floor(Date.now() / 1000);
  let sent = 0;
  for (const w of windows)
    for (const part of parts) {
      await prometheus.instant(`sum(increase(${part}[${w}]))`, at);
      sent++;
    }
  return sent;
}

export async function guardBenches(options: GuardBenchOptions): Promise<boolean> {
  const client = await KubeClient.create(options.kubeConfig);
  const namespace = `chaos-guard-bench-${process.pid}`;
  const fleet = new Fleet(options.targetsDir, options.seed);
  let ok = true;
  const cost: { queries: number; minutes: number; observations: number; slos: number }[] = [];
  try {
    await client.request({
      method: 'POST',
      path: collectionPath(types.namespace),
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    });
    await client.request({
      method: 'POST',
      path: collectionPath(types.deployment, namespace),
      body: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', labels: { app: 'web' } },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'main', image: 'gauntlet.dev/sample:1' }] },
          },
        },
      },
    });

    if (options.haltTrials > 0) {
      // Halt latency: one run at a time (each its own service), guard every 2 s over a 30 s window.
      const halt: RunSettings = { intervalMs: 2_000, sloWindowMs: 30_000 };
      const random = seededRandom(options.seed);
      const haltIds = Array.from({ length: options.haltTrials }, (_, i) => `halt-${process.pid}-${i}`);
      for (const id of haltIds) await fleet.add(id);
      await warmUp(options.prometheusUrl, haltIds, halt.sloWindowMs, `halt latency (${haltIds.length} services)`);
      const latencies: number[] = [];
      const problems: string[] = [];
      let lastProgress = Date.now();
      for (const [i, id] of haltIds.entries()) {
        const afterMs = Math.floor(random() * 2 * halt.intervalMs);
        let lastRevert = 0;
        const { result, prometheus, minutes, observations } = await runOne(
          id,
          experimentYaml(id, 60, true),
          appBackend(fleet, { errorRate: 1, afterMs }),
          halt,
          { client, namespace, prometheusUrl: options.prometheusUrl, onRevert: () => (lastRevert = Date.now()) },
        );
        cost.push({ queries: prometheus.stats.queries, minutes, observations, slos: 2 });
        const onsetAt = fleet.get(id).onsetAt;
        const first = onsetAt === undefined ? undefined : await firstErrorSampleMs(options.prometheusUrl, id, onsetAt);
        if (result.verdict !== 'fail' || first === undefined || !lastRevert)
          problems.push(`${id}: ${result.verdict} (${result.reason}); first error sample ${String(first)}`);
        else latencies.push(lastRevert - first);
        await fleet.remove(id);
        if (Date.now() - lastProgress > 10_000) {
          lastProgress = Date.now();
          out(`  halt latency: ${i + 1}/${haltIds.length} trials\n`);
        }
      }
      const budgetMs = 2 * halt.intervalMs + 1_000;
      const p95 = quantile(latencies, 0.95);
      out(
        `\n| halt latency (first error sample in Prometheus → every fault reverted) | n | median | p95 | max | goal p95 |\n|---|---|---|---|---|---|\n` +
          `| chaos-gate guard (interval ${s(halt.intervalMs)}, window ${s(halt.sloWindowMs)}, scrape 1 s) | ${latencies.length} | ${s(quantile(latencies, 0.5))} | ${s(p95)} | ${s(Math.max(...latencies))} | ≤ ${s(budgetMs)} |\n` +
          `| Chaos Mesh (no guard: the fault runs its spec.duration, here 60 s) | — | 60 s less the onset | — | — | — |\n` +
          `| LitmusChaos (continuous promProbe with stopOnFailure, probePollingInterval) | — | documented: next poll, then the experiment's own revert | — | — | — |\n` +
          `(peer rows are documented behaviour, not runs here)\n`,
      );
      for (const p of problems) out(`  halt trial not counted: ${p}\n`);
      if (problems.length || !(p95 <= budgetMs)) ok = false;
    }
    // Detection: harmful and harmless runs in parallel batches, guard every 5 s over a 30 s window, 45 s faults.
    const detect: RunSettings = { intervalMs: 5_000, sloWindowMs: 30_000 };
    const verdicts = { harmful: new Map<string, number>(), harmless: new Map<string, number>() };
    const unexpected: string[] = [];
    const lost: string[] = [];
    let counted = 0;
    const spread = (m: Map<string, number>): string => [...m].map(([v, n]) => `${v} ${n}`).join(', ') || 'none';
    const batch = 25;
    for (let start = 0; start < options.detectionRuns; start += batch) {
      const size = Math.min(batch, options.detectionRuns - start);
      const ids = Array.from({ length: size }, (_, i) => [
        `harmful-${process.pid}-${start + i}`,
        `harmless-${process.pid}-${start + i}`,
      ]).flat();
      // The test bed's Prometheus is shared and can be restarted by another user mid-run (on a new port): each batch
      // asks where it is now, and a batch it vanished under is reported as lost, never counted.
      const prometheusUrl = (await options.currentPrometheusUrl?.()) ?? options.prometheusUrl;
      try {
        for (const id of ids) await fleet.add(id);
        await warmUp(prometheusUrl, ids, detect.sloWindowMs, `detection runs ${start + 1}-${start + size}`);
        const done = await Promise.all(
          ids.map(async (id) => {
            const harmful = id.startsWith('harmful');
            const run = await runOne(
              id,
              experimentYaml(id, 45, false),
              appBackend(fleet, harmful ? { errorRate: 2 * BUDGET } : { latencyMs: BASE_LATENCY_MS + 20 }),
              detect,
              { client, namespace, prometheusUrl },
            );
            return { id, harmful, ...run };
          }),
        );
        const up = await fetch(`${prometheusUrl}/-/ready`).then(
          (r) => r.ok,
          () => false,
        );
        if (!up) throw new Error(`Prometheus at ${prometheusUrl} went away during the batch`);
        for (const d of done) {
          const tally = d.harmful ? verdicts.harmful : verdicts.harmless;
          tally.set(d.result.verdict, (tally.get(d.result.verdict) ?? 0) + 1);
          if (d.result.verdict !== (d.harmful ? 'fail' : 'pass'))
            unexpected.push(`${d.id}: ${d.result.verdict}: ${d.result.reason}`);
          cost.push({ queries: d.prometheus.stats.queries, minutes: d.minutes, observations: d.observations, slos: 2 });
        }
        counted += size;
      } catch (error) {
        lost.push(`runs ${start + 1}-${start + size}: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        for (const id of ids) await fleet.remove(id);
      }
      out(
        `  detection: ${start + size}/${options.detectionRuns} of each kind; counted ${counted} (harmful: ${spread(verdicts.harmful)}; harmless: ${spread(verdicts.harmless)})${lost.length ? `; lost batches: ${lost.length}` : ''}\n`,
      );
    }
    const count = (m: Map<string, number>, v: string): number => m.get(v) ?? 0;
    out(
      `\n| detection (${counted} seeded runs each counted of ${options.detectionRuns}) | goal | result | verdicts |\n|---|---|---|---|\n` +
        `| error rate 2× the budget (2 % on 99 %) fails | ≥ 99 % | ${count(verdicts.harmful, 'fail')}/${counted} | ${spread(verdicts.harmful)} |\n` +
        `| harmless latency (+20 ms, threshold 250 ms) passes | ≥ 99 % | ${count(verdicts.harmless, 'pass')}/${counted} | ${spread(verdicts.harmless)} |\n` +
        `| Chaos Mesh / Chaos Toolkit (no SLO verdict; a probe or a human decides) | — | — | — |\n`,
    );
    for (const u of unexpected) out(`  not as expected: ${u}\n`);
    for (const l of lost) out(`  lost (not counted): ${l}\n`);
    if (lost.length || count(verdicts.harmful, 'fail') < counted * 0.99) ok = false;
    if (count(verdicts.harmless, 'pass') < counted * 0.99) ok = false;

    // Guard cost: what the runs above sent, beside each SLO and window on its own.
    const probe = `cost-${process.pid}`;
    const prometheus = createPrometheusClient({
      url: (await options.currentPrometheusUrl?.()) ?? options.prometheusUrl,
      registerSecret: () => undefined,
    });
    await fleet.add(probe);
    const started = performance.now();
    const naivePerObservation = await perSloWindowQueries(prometheus, probe, detect.sloWindowMs);
    const naiveMs = performance.now() - started;
    await fleet.remove(probe);
    const queries = cost.reduce((a, c) => a + c.queries, 0);
    const minutes = cost.reduce((a, c) => a + c.minutes, 0);
    const observations = cost.reduce((a, c) => a + c.observations, 0);
    const perObservation = queries / observations;
    const perMinute = (q: number, interval: number): string => ((q * 60_000) / interval).toFixed(0);
    out(
      `\n| guard cost (2 SLOs per guard; ${cost.length} runs, ${minutes.toFixed(1)} experiment-minutes) | queries per observation | per minute at 5 s | per minute at 10 s (default interval) |\n|---|---|---|---|\n` +
        `| chaos-gate guard (measured: ${queries} queries over ${observations} observations; ${(queries / minutes).toFixed(0)}/min as run) | ${perObservation.toFixed(1)} | ${perMinute(perObservation, 5_000)} | ${perMinute(perObservation, 10_000)} |\n` +
        `| each SLO × window × part as its own instant query (sent once here: ${naiveMs.toFixed(0)} ms) | ${naivePerObservation} | ${perMinute(naivePerObservation, 5_000)} | ${perMinute(naivePerObservation, 10_000)} |\n` +
        `ratio: ${(naivePerObservation / perObservation).toFixed(1)}× fewer queries\n`,
    );
  } finally {
    await fleet.close();
    await client
      .request({ method: 'DELETE', path: objectPath(types.namespace, undefined, namespace) })
      .catch(() => undefined);
    client.close();
  }
  return ok;
}
