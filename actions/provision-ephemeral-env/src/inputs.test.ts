import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { load } from 'js-yaml';
import { InputError, InputReader } from '@gauntlet/action-kit';
import { parseInputs } from './inputs.js';

/** Inputs as the runner would pass them: action.yml defaults, then the given values. */
function reader(values: Record<string, string>): InputReader {
  const action = load(readFileSync(new URL('../action.yml', import.meta.url), 'utf8')) as {
    inputs: Record<string, { default?: string }>;
  };
  const all: Record<string, string> = {};
  for (const [name, spec] of Object.entries(action.inputs))
    if (spec.default !== undefined) all[name] = String(spec.default).replace(/\$\{\{[^}]*\}\}/g, '');
  Object.assign(all, values);
  return new InputReader((name) => all[name]);
}

describe('parseInputs', () => {
  it('confines a kubeconfig path to the workspace (or RUNNER_TEMP), in every mode', () => {
    for (const mode of ['up', 'down', 'reap']) {
      const values = { mode, manifests: 'k8s/*.yaml' };
      expect(() => parseInputs(reader({ ...values, kubeconfig: '/etc/kubernetes/admin.conf' }), '/ws')).toThrow(
        /^Input 'kubeconfig': "\/etc\/kubernetes\/admin.conf" is outside the workspace/,
      );
      expect(() => parseInputs(reader({ ...values, kubeconfig: '../.kube/config' }), '/ws')).toThrow(/outside/);
      expect(parseInputs(reader({ ...values, kubeconfig: 'ci/kubeconfig' }), '/ws').kubeconfig).toEqual({
        path: '/ws/ci/kubeconfig',
      });
    }
  });

  it('takes a baseline ref in mode up only', () => {
    expect(parseInputs(reader({ manifests: 'k8s/*.yaml', 'baseline-ref': 'refs/heads/main' })).baselineRef).toBe(
      'refs/heads/main',
    );
    expect(parseInputs(reader({ manifests: 'k8s/*.yaml' })).baselineRef).toBeUndefined();
    for (const mode of ['down', 'reap'])
      expect(() => parseInputs(reader({ mode, 'baseline-ref': 'refs/heads/main' }))).toThrow(
        new RegExp(`^Input 'baseline-ref': .*mode ${mode} has none`),
      );
  });

  it("refuses the guardrails' own field manager for the stack", () => {
    expect(() => parseInputs(reader({ manifests: 'k8s/*.yaml', 'field-manager': 'gauntlet-guardrails' }))).toThrow(
      /field-manager.*guardrails' own field manager/,
    );
  });

  it('reads the action.yml defaults into a typed object', () => {
    const inputs = parseInputs(reader({ manifests: 'k8s/*.yaml' }));
    expect(inputs).toMatchObject({
      mode: 'up',
      manifests: ['k8s/*.yaml'],
      timeoutMs: 600_000,
      ttlMs: 3 * 86_400_000,
      podSecurity: 'restricted',
      networkPolicy: 'default-deny',
      maxEnvironments: 20,
      capacityCheck: true,
      forceConflicts: false,
      keepOnFailure: false,
      fieldManager: 'gauntlet-provision',
    });
    expect(inputs.resourceQuota).toMatchObject({
      'requests.cpu': '4',
      'limits.memory': '32Gi',
      'services.nodeports': '0',
    });
    expect(inputs.limitRange).toEqual({
      default: { cpu: '250m', memory: '256Mi' },
      defaultRequest: { cpu: '25m', memory: '64Mi' },
    });
  });

  it('a ttl below the minimum says what the minimum is', () => {
    expect(() => parseInputs(reader({ manifests: 'x.yaml', ttl: '30s' }))).toThrow(/shorter than the minimum, 1m/);
  });

  it('merges resource-quota over the defaults; null removes a limit; removing all leaves no quota', () => {
    const raised = parseInputs(
      reader({ manifests: 'x.yaml', 'resource-quota': 'pods: "100"\nservices.nodeports: null' }),
    );
    expect(raised.resourceQuota).toEqual({
      'requests.cpu': '4',
      'requests.memory': '8Gi',
      'limits.cpu': '16',
      'limits.memory': '32Gi',
      pods: '100',
      services: '40',
      persistentvolumeclaims: '10',
      'services.loadbalancers': '0',
    });
    const none = Object.keys(parseInputs(reader({ manifests: 'x.yaml' })).resourceQuota ?? {})
      .map((k) => `${JSON.stringify(k)}: null`)
      .join('\n');
    expect(parseInputs(reader({ manifests: 'x.yaml', 'resource-quota': none })).resourceQuota).toBeUndefined();
    expect(() => parseInputs(reader({ manifests: 'x.yaml', 'resource-quota': '"bad key!": null' }))).toThrow(
      /not a resource name/,
    );
  });

  it('treats a cleared quota or limit range as none', () => {
    const inputs = parseInputs(reader({ manifests: 'x.yaml', 'resource-quota': '', 'limit-range': '' }));
    expect(inputs.resourceQuota).toBeUndefined();
    expect(inputs.limitRange).toBeUndefined();
  });

  it('NS-18: refuses privileged Pod Security without allow-privileged', () => {
    expect(() => parseInputs(reader({ manifests: 'x.yaml', 'pod-security': 'privileged' }))).toThrow(
      /allow-privileged/,
    );
    expect(
      parseInputs(reader({ manifests: 'x.yaml', 'pod-security': 'privileged', 'allow-privileged': 'true' }))
        .podSecurity,
    ).toBe('privileged');
  });

  it.each([
    ['name-prefix', 'Preview'],
    ['name-prefix', 'a-very-long-prefix-over-twenty'],
    ['name-prefix', 'x;y'],
    ['pr-number', '0'],
    ['pr-number', '1.5'],
    // A bare branch name would name an environment no push creates.
    ['baseline-ref', 'main'],
    ['baseline-ref', 'refs/heads/has space'],
    ['variables', 'NAMESPACE=x'],
    ['variables', 'bad-name=x'],
    ['images', 'ghcr.io/a=b c'],
    ['resource-quota', 'requests.cpu: lots'],
    ['resource-quota', '"bad key!": 1'],
    ['limit-range', 'maximum: {cpu: 1}'],
    ['allow-namespaces', 'Kube_System'],
    ['seed-jobs', 'Seed'],
    ['mode', 'sideways'],
    ['timeout', 'forever'],
    ['field-manager', 'has space'],
    ['image-tag', 'a:b'],
  ])('rejects %s=%j naming the input', (name, value) => {
    const error = (() => {
      try {
        parseInputs(reader({ manifests: 'x.yaml', [name]: value }));
        return undefined;
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).input).toBe(name);
  });

  it('requires manifests in mode up only', () => {
    expect(() => parseInputs(reader({}))).toThrow(/manifests/);
    expect(parseInputs(reader({ mode: 'down' })).mode).toBe('down');
    expect(parseInputs(reader({ mode: 'reap', 'dry-run': 'true' })).dryRun).toBe(true);
  });
});
