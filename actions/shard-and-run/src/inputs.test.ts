import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InputError, InputReader } from '@gauntlet/action-kit';
import { describe, expect, it } from 'vitest';
import {
  parseInputs,
  type CommonInputs,
  type Inputs,
  type KubernetesModeInputs,
  type MergeModeInputs,
  type PlanModeInputs,
  type QueueModeInputs,
  type RunModeInputs,
} from './inputs.js';

const WORKSPACE = '/work/ws';

/** Any mode's fields, for assertions that name the mode's own (the union narrows by mode in the action). */
type AnyModeInputs = CommonInputs & { readonly mode: Inputs['mode'] } & Partial<
    Omit<PlanModeInputs, 'mode'> &
      Omit<RunModeInputs, 'mode'> &
      Omit<QueueModeInputs, 'mode'> &
      Omit<MergeModeInputs, 'mode'> &
      Omit<KubernetesModeInputs, 'mode'>
  >;

function parse(values: Record<string, string>): AnyModeInputs {
  return parseInputs(new InputReader((name) => values[name]), WORKSPACE);
}

function error(values: Record<string, string>): string {
  try {
    parse(values);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as Error).message;
  }
  throw new Error('expected an InputError');
}

const RUN = { mode: 'run', plan: 'plan.json', command: 'npx vitest run {files}' };

describe('parseInputs', () => {
  it('requires a mode and names the allowed ones', () => {
    expect(error({})).toMatch(/^Input 'mode': is required: one of plan, run, merge, queue, kubernetes$/);
    expect(error({ mode: 'shard' })).toMatch(/"shard" is not one of: plan, run, merge, queue, kubernetes/);
  });

  // SH-09: bad shard specs stop the step with a clear message before anything runs.
  it.each([
    ['0/3', /shard indices start at 1/],
    ['4/3', /index 4 is greater than the total 3/],
    ['a/b', /index and total must be whole numbers/],
    ['-1', /is not a shard spec/],
    ['1/0', /the total must be at least 1/],
    ['1/257', /at most 256 shards/],
    ['1 / 3 / 4', /is not a shard spec/],
    ['', /is required in this mode/],
  ])('rejects shard %j', (shard, message) => {
    expect(error({ ...RUN, shard })).toMatch(message);
    expect(error({ ...RUN, shard })).toMatch(/^Input 'shard': /);
  });

  it('accepts a valid shard and resolves paths against the working directory', () => {
    const inputs = parse({ ...RUN, shard: '2/3', 'working-directory': 'app', 'junit-path': 'reports/*.xml' });
    expect(inputs.shard).toEqual({ index: 2, total: 3 });
    expect(inputs.workingDirectory).toBe(path.join(WORKSPACE, 'app'));
    expect(inputs.resultsDir).toBe(path.join(WORKSPACE, 'app', 'gauntlet-shard-results'));
    expect(inputs.execution?.junitPath).toBe('reports/*.xml');
  });

  it('checks the command template before any test runs', () => {
    expect(error({ ...RUN, shard: '1/2', command: 'npm test && rm -rf /' })).toMatch(
      /^Input 'command': .*needs a shell/,
    );
    expect(error({ ...RUN, shard: '1/2', command: 'npx vitest {nope}' })).toMatch(/unknown placeholder \{nope\}/);
    expect(error({ ...RUN, shard: '1/2', command: 'npx vitest run' })).toMatch(
      /needs a \{files\} or \{tests\} placeholder/,
    );
    expect(error({ ...RUN, shard: '1/2', command: '' })).toMatch(/is required in this mode/);
  });

  it('validates plan-mode inputs', () => {
    expect(error({ mode: 'plan' })).toMatch(/^Input 'tests': is required with discovery "globs"/);
    expect(error({ mode: 'plan', tests: 'x', shards: '0' })).toMatch(/^Input 'shards': "0" is out of range/);
    expect(error({ mode: 'plan', tests: 'x', shards: 'many' })).toMatch(/is not a shard count/);
    expect(error({ mode: 'plan', tests: 'x', shards: '300' })).toMatch(/GitHub's matrix job limit/);
    expect(error({ mode: 'plan', discovery: 'junit' })).toMatch(/^Input 'discovery-junit': is required/);
    expect(error({ mode: 'plan', discovery: 'runner' })).toMatch(/^Input 'list-command': is required/);
    expect(error({ mode: 'plan', tests: 'x', 'target-duration': 'soon' })).toMatch(
      /^Input 'target-duration': 'soon' is not a duration/,
    );
    expect(error({ mode: 'plan', tests: 'x', 'max-parallel': '0' })).toMatch(/below the minimum 1/);
    expect(error({ mode: 'plan', tests: 'x', granularity: 'line' })).toMatch(/not one of: auto, test, file/);
    expect(error({ mode: 'plan', tests: 'x', timings: 'yes' })).toMatch(/^Input 'timings': "yes" is not a boolean/);
    expect(error({ mode: 'plan', tests: 'x', 'trusted-refs': 'has space' })).toMatch(/is not a git ref/);
    expect(parse({ mode: 'plan', tests: 'x', 'trusted-refs': 'release, refs/tags/v1' }).timings.trustedRefs).toEqual([
      'refs/heads/release',
      'refs/tags/v1',
    ]);
  });

  it('validates run-mode numbers and enums', () => {
    expect(error({ ...RUN, shard: '1/2', retries: '9' })).toMatch(/^Input 'retries': 9 is above the maximum 5/);
    expect(error({ ...RUN, shard: '1/2', retries: '1.5' })).toMatch(/is not a whole number/);
    expect(error({ ...RUN, shard: '1/2', rerun: 'some' })).toMatch(/not one of: all, failed/);
    expect(error({ ...RUN, shard: '1/2', runner: 'mocha' })).toMatch(
      /not one of: vitest, jest, pytest, playwright, go, rspec, generic/,
    );
    expect(error({ ...RUN, shard: '1/2', 'plan-id': 'xyz' })).toMatch(/^Input 'plan-id': "xyz" is not valid/);
    expect(error({ mode: 'run', shard: '1/2', command: 'x {files}' })).toMatch(/^Input 'plan': is required/);
  });

  it('validates the Kubernetes inputs', () => {
    const base = {
      mode: 'kubernetes',
      tests: 't/*.js',
      command: 'node --test {files}',
      namespace: 'pr-7',
      image: 'node:24',
    };
    expect(parse(base).kubernetes).toMatchObject({
      namespace: 'pr-7',
      image: 'node:24',
      retriesPerIndex: 1,
      timeoutMs: 3_600_000,
    });
    expect(error({ ...base, namespace: 'PR_7' })).toMatch(/^Input 'namespace': "PR_7" is not valid/);
    expect(error({ ...base, image: '' })).toMatch(/^Input 'image': is required/);
    expect(error({ ...base, labels: 'gauntlet.dev/x=y' })).toMatch(/is reserved/);
    expect(error({ ...base, labels: 'team=a b' })).toMatch(/is not a valid label value/);
    expect(error({ ...base, 'node-selector': 'pool' })).toMatch(/is not of the form key=value/);
    expect(error({ ...base, 'pod-env': 'GAUNTLET_SHARD_INDEX=1' })).toMatch(/is set by the action/);
    expect(error({ ...base, 'pod-env': '1X=1' })).toMatch(/is not an environment variable name/);
    expect(error({ ...base, resources: '{requests: {cpu: lots}}' })).toMatch(
      /requests\.cpu: "lots" is not a Kubernetes quantity/,
    );
    expect(error({ ...base, resources: '{cpu: 1}' })).toMatch(/unknown key "cpu"/);
    expect(error({ ...base, tolerations: '{key: a}' })).toMatch(/must be a YAML list/);
    expect(error({ ...base, tolerations: '[{key: a, operator: Maybe}]' })).toMatch(/operator must be Exists or Equal/);
    expect(error({ ...base, tolerations: '[{key: a, operator: Exists, value: b}]' })).toMatch(/Exists takes no value/);
    expect(error({ ...base, 'retries-per-index': '11' })).toMatch(/above the maximum 10/);
    // The JUnit path names a file inside the pod, not on the runner: absolute is fine, a glob is not.
    expect(parse({ ...base, 'junit-path': '/tmp/junit.xml' }).execution?.junitPath).toBe('/tmp/junit.xml');
    expect(error({ ...base, 'junit-path': '/tmp/*.xml' })).toMatch(
      /^Input 'junit-path': "\/tmp\/\*\.xml" is not a single file path; in kubernetes mode/,
    );
    const full = parse({
      ...base,
      resources: '{requests: {cpu: 500m, memory: 1Gi}, limits: {memory: 2Gi}}',
      tolerations: '[{key: gauntlet.dev/spot, operator: Exists, effect: NoSchedule}]',
      'node-selector': 'gauntlet.dev/node-pool=spot',
    });
    expect(full.kubernetes?.resources).toEqual({ requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '2Gi' } });
    expect(full.kubernetes?.tolerations).toEqual([
      { key: 'gauntlet.dev/spot', operator: 'Exists', effect: 'NoSchedule' },
    ]);
  });

  it('takes the kubeconfig as content (YAML or base64) or as a path', () => {
    const base = { ...RUN, mode: 'queue', shard: '1/2', namespace: 'pr-1' };
    const yaml = 'apiVersion: v1\nkind: Config\nclusters: []\n';
    expect(parse({ ...base, kubeconfig: yaml }).queue?.kubeconfig).toEqual({ data: yaml.trim() });
    const b64 = Buffer.from(`${yaml}# ${'x'.repeat(200)}\n`).toString('base64');
    expect(parse({ ...base, kubeconfig: b64 }).queue?.kubeconfig).toMatchObject({
      data: expect.stringContaining('apiVersion: v1'),
    });
    expect(parse({ ...base, kubeconfig: '.kube/config' }).queue?.kubeconfig).toEqual({
      path: path.join(WORKSPACE, '.kube/config'),
    });
    expect(error({ ...base, kubeconfig: 'A'.repeat(300) })).toMatch(/does not decode to a kubeconfig/);
  });

  it('confines a kubeconfig path to the workspace or RUNNER_TEMP in every mode that takes one', () => {
    const queue = { ...RUN, mode: 'queue', shard: '1/2', namespace: 'pr-1' };
    const kube = { mode: 'kubernetes', tests: 't/*.js', command: 'node {files}', image: 'node:24', namespace: 'pr-1' };
    const merge = { mode: 'merge', 'plan-id': '0123456789abcdef', namespace: 'ci' };
    for (const values of [queue, kube, merge]) {
      expect(error({ ...values, kubeconfig: '/etc/kubernetes/admin.conf' })).toMatch(
        /^Input 'kubeconfig': "\/etc\/kubernetes\/admin.conf" is outside the workspace/,
      );
      expect(error({ ...values, kubeconfig: '../../root/.kube/config' })).toMatch(/^Input 'kubeconfig'.*outside/);
    }
    // Relative to working-directory, as every other path of the step.
    expect(parse({ ...queue, 'working-directory': 'app', kubeconfig: 'kc' }).queue?.kubeconfig).toEqual({
      path: path.join(WORKSPACE, 'app/kc'),
    });
    const temp = mkdtempSync(path.join(tmpdir(), 'runner-temp-'));
    const inTemp = parseInputs(
      new InputReader((name) => ({ ...queue, kubeconfig: path.join(temp, 'kubeconfig') })[name]),
      WORKSPACE,
      { RUNNER_TEMP: temp },
    );
    expect((inTemp as AnyModeInputs).queue?.kubeconfig).toEqual({ path: path.join(temp, 'kubeconfig') });
  });

  it('reads the queue inputs', () => {
    const q = parse({ ...RUN, mode: 'queue', shard: '1/4', namespace: 'pr-1', 'lease-timeout': '2m' });
    expect(q.queue).toEqual({ namespace: 'pr-1', leaseTimeoutMs: 120_000 });
    expect(error({ ...RUN, mode: 'queue', shard: '1/4' })).toMatch(/^Input 'namespace': is required/);
  });

  it('merge with namespace deletes this run’s queue: validated like the workers’ inputs', () => {
    const merge = { mode: 'merge', plan: 'plan.json' };
    expect(parse(merge).queueCleanup).toBeUndefined();
    expect(parse({ ...merge, namespace: 'ci' }).queueCleanup).toEqual({ namespace: 'ci', keep: false });
    expect(
      parse({
        mode: 'merge',
        'plan-id': '0123456789abcdef',
        namespace: 'ci',
        kubeconfig: 'kc',
        'keep-resources': 'true',
      }).queueCleanup,
    ).toEqual({ namespace: 'ci', kubeconfig: { path: path.join(WORKSPACE, 'kc') }, keep: true });
    expect(error({ ...merge, namespace: 'CI queue' })).toMatch(/^Input 'namespace': "CI queue" is not valid/);
    expect(error({ ...merge, kubeconfig: 'kc' })).toMatch(/^Input 'namespace': is required with kubeconfig in merge/);
    expect(error({ mode: 'merge', namespace: 'ci' })).toMatch(
      /^Input 'plan': \(or plan-id\) is required with namespace/,
    );
    expect(error({ ...merge, namespace: 'ci', 'keep-resources': 'maybe' })).toMatch(/^Input 'keep-resources'/);
    // Other modes do not read it: a plan job may share the workers' namespace input.
    expect(parse({ mode: 'plan', tests: 'x', namespace: 'ci' }).queueCleanup).toBeUndefined();
  });
});

describe('path inputs stay inside the workspace', () => {
  it('refuses absolute paths, .. and symlinks out of it for every path input', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'gauntlet-ws-'));
    symlinkSync('/etc', path.join(root, 'out'));
    const inside = (values: Record<string, string>): AnyModeInputs =>
      parseInputs(new InputReader((name) => values[name]), root, {});
    const plan = { mode: 'plan', tests: 't/*.js' };
    expect(inside({ ...plan, 'plan-file': 'p/plan.json' }).planning?.planFile).toBe(path.join(root, 'p/plan.json'));
    const hostile: Array<Record<string, string>> = [
      { ...plan, 'plan-file': '/etc/passwd' },
      { ...plan, 'plan-file': '../../etc/passwd' },
      { ...plan, 'plan-file': 'out/passwd' },
      { ...plan, 'timings-file': 'out/shadow' },
      { ...plan, 'results-dir': '/tmp' },
      { ...plan, 'merged-junit': 'out/x.xml' },
      { ...plan, 'working-directory': '..' },
      { ...plan, tests: '/etc/*' },
      { ...plan, tests: '../**/*.js' },
      { mode: 'plan', discovery: 'junit', 'discovery-junit': 'out/shadow' },
      { mode: 'run', shard: '1/2', plan: '/etc/shadow' },
      { mode: 'merge', plan: 'out/shadow' },
      { mode: 'run', shard: '1/2', plan: '{}', command: 'x {files}', 'junit-path': '/etc/*.xml' },
    ];
    for (const values of hostile) {
      expect(() => inside(values), JSON.stringify(values)).toThrow(
        /outside the workspace|leaves the workspace|absolute pattern/,
      );
    }
  });

  it('allows RUNNER_TEMP for the artifact paths only, and never a RUNNER_TEMP of /', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'gauntlet-ws-'));
    const temp = mkdtempSync(path.join(tmpdir(), 'gauntlet-runner-temp-'));
    symlinkSync('/etc', path.join(temp, 'out'));
    const parse = (values: Record<string, string>, env: NodeJS.ProcessEnv): AnyModeInputs =>
      parseInputs(new InputReader((name) => values[name]), root, env);
    const env = { RUNNER_TEMP: temp };
    const planned = parse({ mode: 'plan', tests: 't/*.js', 'plan-file': `${temp}/plan.json` }, env);
    expect(planned.planning?.planFile).toBe(path.join(temp, 'plan.json'));
    const merged = parse(
      { mode: 'merge', plan: `${temp}/p.json`, 'results-dir': `${temp}/r`, 'merged-junit': `${temp}/j.xml` },
      env,
    );
    expect([merged.resultsDir, merged.mergedJunit]).toEqual([path.join(temp, 'r'), path.join(temp, 'j.xml')]);
    expect(merged.alsoUnder).toEqual([{ name: 'RUNNER_TEMP', path: temp }]);
    // Not the inputs that are no artifact, not a symlink out of RUNNER_TEMP, not RUNNER_TEMP=/ or a relative one.
    expect(() => parse({ mode: 'plan', tests: 't/*.js', 'timings-file': `${temp}/t.json` }, env)).toThrow(
      /^Input 'timings-file': .* is outside the workspace;/,
    );
    expect(() => parse({ mode: 'merge', 'results-dir': `${temp}/out` }, env)).toThrow(
      /outside the workspace and RUNNER_TEMP \(through a symbolic link\)/,
    );
    expect(() => parse({ mode: 'merge', 'merged-junit': '/etc/passwd' }, { RUNNER_TEMP: '/' })).toThrow(
      /^Input 'merged-junit': "\/etc\/passwd" is outside the workspace;/,
    );
    expect(() => parse({ mode: 'merge', 'results-dir': 'x' }, { RUNNER_TEMP: 'tmp' })).not.toThrow();
  });
});
