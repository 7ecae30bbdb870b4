import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ExperimentError } from '../../errors.js';
import { loadExperiments } from '../load.js';
import { slug } from './experiment.js';

const fixture = (name: string): string => readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8');

/** A Chaos Toolkit experiment with the given parts over a minimal valid one (JSON, as `chaos run` takes it). */
function ctk(parts: Record<string, unknown>): string {
  return JSON.stringify({
    title: 't',
    'steady-state-hypothesis': {
      title: 'ok',
      probes: [{ type: 'probe', name: 'up', tolerance: 200, provider: { type: 'http', url: 'http://127.0.0.1:1/' } }],
    },
    method: [
      {
        type: 'action',
        name: 'scale',
        provider: {
          type: 'python',
          module: 'chaosk8s.deployment.actions',
          func: 'scale_deployment',
          arguments: { name: 'web', replicas: 1 },
        },
        pauses: { after: 5 },
      },
    ],
    ...parts,
  });
}

const error = (text: string): string => {
  try {
    loadExperiments(text, 'ctk.json');
  } catch (e) {
    expect(e).toBeInstanceOf(ExperimentError);
    return (e as Error).message;
  }
  throw new Error('expected an ExperimentError');
};

describe('Chaos Toolkit experiments', () => {
  it('reads a Kubernetes experiment: readiness and HTTP hypothesis, terminate_pods, a ref in the method', () => {
    const [e] = loadExperiments(fixture('pod-restart.json'), 'chaos/pod-restart.json');
    expect(e).toMatchObject({
      name: 'the-shop-keeps-serving-when-a-checkout-pod-is-terminated',
      origin: 'chaos/pod-restart.json',
      format: 'chaos-toolkit',
      blastRadius: { maxTargets: 1 },
    });
    expect(e!.targets).toEqual([
      { name: 'target-1', kind: 'Deployment', namespace: 'pr-7', names: ['checkout'] },
      { name: 'target-2', kind: 'Pod', namespace: 'pr-7', selector: { app: 'checkout' } },
    ]);
    expect(e!.steadyState.probes).toEqual([
      { name: 'checkout-available', kind: 'ready', target: 'target-1' },
      {
        name: 'front-must-answer',
        kind: 'http',
        url: 'http://127.0.0.1:8080/health',
        method: 'GET',
        expectStatus: [200, 204],
        timeoutMs: 3_000,
      },
    ]);
    expect(e!.haltProbes.map((p) => p.name)).toEqual(['front-must-answer']);
    expect(e!.steps).toEqual([
      { faults: [{ id: 's1f1', type: 'pod-delete', target: 'target-2', mode: 'graceful', durationMs: 10_000 }] },
    ]);
    expect(e!.steadyState.slos).toBe('all');
    expect(e!.notes!.join('\n')).toContain('seeded rule');
  });

  it('reads a Toxiproxy experiment in YAML: process and Prometheus range probes, the rollback covered by the revert', () => {
    const [e] = loadExperiments(fixture('latency.yaml'), 'latency.yaml');
    expect(e!.steps[0]!.faults).toEqual([
      {
        id: 's1f1',
        type: 'toxiproxy',
        proxy: 'postgres',
        toxic: 'latency',
        stream: 'downstream',
        toxicity: 1,
        attributes: { latency: 300, jitter: 50 },
        durationMs: 30_000,
      },
    ]);
    expect(e!.steadyState.probes).toEqual([
      {
        name: 'checkout-health',
        kind: 'command',
        argv: ['curl', '-fsS', 'http://127.0.0.1:8080/health'],
        expectExit: 0,
        timeoutMs: 5_000,
      },
      expect.objectContaining({ name: 'error-ratio-low', kind: 'prometheus', op: '>=', threshold: 0 }),
      expect.objectContaining({ name: 'error-ratio-high', kind: 'prometheus', op: '<=', threshold: 0.01 }),
    ]);
    expect(e!.haltProbes).toEqual([
      expect.objectContaining({ name: 'still-healthy', kind: 'http', expectStatus: [200] }),
    ]);
    const notes = e!.notes!.join('\n');
    expect(notes).toContain('delete_toxic is done by the fault');
    expect(notes).toContain('named by the run');
    expect(notes).toContain('runtime.hypothesis');
  });

  it('pairs a process action with its http rollback as an application fault, without a shell', () => {
    const [e] = loadExperiments(fixture('feature-flag.json'), 'flag.json');
    expect(e!.steps[0]!.faults[0]).toEqual({
      id: 's1f1',
      type: 'app',
      durationMs: 20_000,
      on: { kind: 'command', argv: ['flagctl', '--set', 'slow-index', '--on'], timeoutMs: 30_000 },
      off: {
        kind: 'http',
        url: 'http://127.0.0.1:9000/flags/slow-index',
        method: 'POST',
        body: '{"enabled":false}',
        headers: { 'Content-Type': 'application/json' },
        timeoutMs: 30_000,
      },
    });
  });

  it('names every activity it cannot run, and what it runs', () => {
    const python = ctk({
      method: [
        {
          type: 'action',
          name: 'rm',
          provider: { type: 'python', module: 'os', func: 'remove', arguments: { path: 'x' } },
          pauses: { after: 1 },
        },
      ],
    });
    expect(error(python)).toMatch(
      /ctk\.json: method\[0\]\.provider: the Chaos Toolkit action os\.remove is not one chaos-gate runs \(it runs: chaosk8s\.pod\.actions\.terminate_pods/,
    );
    const probe = ctk({
      'steady-state-hypothesis': {
        title: 'x',
        probes: [{ type: 'probe', name: 'f', tolerance: true, provider: { module: 'os.path', func: 'exists' } }],
      },
    });
    expect(error(probe)).toMatch(
      /steady-state-hypothesis\.probes\[0\]\.provider: the Chaos Toolkit probe os\.path\.exists is not one/,
    );
    const regex = ctk({
      'steady-state-hypothesis': {
        title: 'x',
        probes: [
          {
            type: 'probe',
            name: 'r',
            tolerance: { type: 'regex', pattern: 'ok' },
            provider: { type: 'http', url: 'http://a/' },
          },
        ],
      },
    });
    expect(error(regex)).toMatch(/probes\[0\]\.tolerance: an HTTP probe tolerance chaos-gate runs is a status code/);
  });

  it('refuses what it cannot honour, at the field', () => {
    expect(error(ctk({ controls: [{ name: 'tracing' }] }))).toMatch(/controls: controls are Python hooks/);
    expect(error(ctk({ runtime: { rollbacks: { strategy: 'never' } } }))).toMatch(
      /strategy: .*never cannot be honoured/,
    );
    expect(error(ctk({ configuration: { token: { type: 'env', key: 'GITHUB_TOKEN' } } }))).toMatch(
      /configuration\.token: configuration from the runner's environment is not read/,
    );
    const shell = ctk({
      'steady-state-hypothesis': {
        title: 'x',
        probes: [{ type: 'probe', name: 'p', provider: { type: 'process', path: 'sh', arguments: '-c "echo $(id)"' } }],
      },
    });
    expect(error(shell)).toMatch(/arguments: a string of arguments runs in a shell.*never runs a shell/);
    const noPause = JSON.parse(ctk({})) as { method: { pauses?: unknown }[] };
    delete noPause.method[0]!.pauses;
    expect(error(JSON.stringify(noPause))).toMatch(/method: the method has no pauses/);
    const staggered = JSON.parse(ctk({})) as { method: unknown[] };
    staggered.method.push({
      type: 'action',
      name: 'more',
      provider: { module: 'chaostoxi.proxy.actions', func: 'disable_proxy', arguments: { proxy_name: 'db' } },
    });
    expect(error(JSON.stringify(staggered))).toMatch(/method\[1\]: this action would start 5s into the method/);
    const secret = JSON.parse(ctk({})) as { method: Record<string, unknown>[] };
    secret.method[0]!['secrets'] = 'k8s';
    expect(error(JSON.stringify(secret))).toMatch(/method\[0\]\.secrets: secrets are not passed/);
    expect(error(ctk({ method: [{ ref: 'nope' }] }))).toMatch(/method\[0\]\.ref: no probe or action is named 'nope'/);
    expect(error(ctk({ titel: 'x' }))).toMatch(/titel: unknown field; did you mean 'title'\?/);
    const undeclared = ctk({
      'steady-state-hypothesis': {
        title: 'x',
        probes: [{ type: 'probe', name: 'p', provider: { type: 'http', url: '${base}/health' } }],
      },
    });
    expect(error(undeclared)).toMatch(/url: \$\{base\} is not declared in configuration/);
  });

  it('needs a rollback for each process or http action, and a Python rollback must undo a fault of the method', () => {
    const app = ctk({
      method: [
        {
          type: 'action',
          name: 'on',
          provider: { type: 'process', path: 'flagctl', arguments: ['on'] },
          pauses: { after: 3 },
        },
      ],
    });
    expect(error(app)).toMatch(/method\[0\]: 1 process or http action in the method and 0 in rollbacks/);
    const wrong = ctk({
      rollbacks: [
        {
          type: 'action',
          name: 'x',
          provider: { module: 'chaostoxi.proxy.actions', func: 'enable_proxy', arguments: { proxy_name: 'db' } },
        },
      ],
    });
    expect(error(wrong)).toMatch(
      /rollbacks\[0\]\.provider: chaostoxi\.proxy\.actions\.enable_proxy undoes nothing the method did/,
    );
  });

  it('keeps terminate_pods inside the blast-radius rules: percentage, one quantity per experiment, equality selectors', () => {
    const pods = (args: Record<string, unknown>, name = 'kill'): Record<string, unknown> => ({
      type: 'action',
      name,
      provider: { module: 'chaosk8s.pod.actions', func: 'terminate_pods', arguments: args },
      pauses: { after: 2 },
    });
    const [p] = loadExperiments(
      ctk({ method: [pods({ label_selector: 'app=web', mode: 'percentage', qty: 50, grace_period: 0 })] }),
      'p.json',
    );
    expect(p!.blastRadius).toEqual({ maxPercentage: 50 });
    expect(p!.steps[0]!.faults[0]).toMatchObject({ type: 'pod-delete', mode: 'forced' });
    const [all] = loadExperiments(ctk({ method: [pods({ label_selector: 'app=web', all: true })] }), 'a.json');
    expect(all!.blastRadius).toEqual({});
    expect(error(ctk({ method: [pods({ label_selector: 'app in (web)' })] }))).toMatch(/only equality selectors/);
    expect(error(ctk({ method: [pods({ label_selector: 'app=web', grace_period: 30 })] }))).toMatch(
      /grace_period: chaos-gate deletes/,
    );
    const two = ctk({
      method: [
        { ...pods({ label_selector: 'app=web', qty: 1 }), pauses: undefined },
        pods({ label_selector: 'app=db', qty: 2 }, 'k2'),
      ],
    });
    expect(error(two)).toMatch(/method\[1\]\.provider\.arguments: a different quantity from method\[0\]/);
  });

  it('slugs titles into names of cluster objects', () => {
    expect(slug('  Moving a file from under our feet is forgivable! ')).toBe(
      'moving-a-file-from-under-our-feet-is-forgivable',
    );
    expect(slug('###')).toBe('chaos-toolkit-experiment');
    expect(slug('x'.repeat(80)).length).toBe(63);
  });
});
