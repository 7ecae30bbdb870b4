// LitmusChaos and Istio CRDs on the test bed, and the test-only Litmus status writer: apply, status and
// restore paths as chaos-gate's backends will use them.
import { AppsV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  getTestbed,
  installCrds,
  processBackedDeployment,
  startLitmusStatusWriter,
  startProcessPods,
  type LitmusStatusWriter,
  type ProcessPods,
} from '@gauntlet/testbed';
import { createNamespace, deleteNamespace, eventually } from './helpers.js';

const tb = getTestbed();
const litmus = { group: 'litmuschaos.io', version: 'v1alpha1' };
const istio = { group: 'networking.istio.io', version: 'v1' };

describe('LitmusChaos and Istio CRDs', () => {
  let kc: KubeConfig;
  let ns: string;
  let custom: CustomObjectsApi;
  let writer: LitmusStatusWriter | undefined;
  let pods: ProcessPods | undefined;

  beforeAll(async () => {
    kc = tb.kubeConfig();
    custom = kc.makeApiClient(CustomObjectsApi);
    const names = await installCrds(kc, ['litmus', 'istio']);
    expect(names).toContain('chaosengines.litmuschaos.io');
    expect(names).toContain('virtualservices.networking.istio.io');
    ns = await createNamespace(kc, 'tb-chaoscrds');
  });
  afterAll(async () => {
    await writer?.close();
    await pods?.close();
    if (ns) await deleteNamespace(kc, ns);
  });

  it('installing twice is idempotent', async () => {
    await expect(installCrds(kc, ['litmus', 'istio'])).resolves.toHaveLength(5);
  });

  it('a VirtualService fault patch is applied and restored exactly', async () => {
    const vs = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'web' },
      spec: { hosts: ['web'], http: [{ route: [{ destination: { host: 'web' } }] }] },
    };
    await custom.createNamespacedCustomObject({ ...istio, namespace: ns, plural: 'virtualservices', body: vs });
    const before = (await custom.getNamespacedCustomObject({
      ...istio,
      namespace: ns,
      plural: 'virtualservices',
      name: 'web',
    })) as {
      spec: unknown;
    };
    const fault = { delay: { percentage: { value: 50 }, fixedDelay: '200ms' } };
    await custom.patchNamespacedCustomObject(
      {
        ...istio,
        namespace: ns,
        plural: 'virtualservices',
        name: 'web',
        body: [{ op: 'add', path: '/spec/http/0/fault', value: fault }],
      },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
    const faulted = (await custom.getNamespacedCustomObject({
      ...istio,
      namespace: ns,
      plural: 'virtualservices',
      name: 'web',
    })) as { spec: { http: Array<{ fault?: unknown }> } };
    expect(faulted.spec.http[0]?.fault).toEqual(fault);
    // Served in the older versions too (chaos-gate may speak v1beta1).
    const beta = (await custom.getNamespacedCustomObject({
      group: istio.group,
      version: 'v1beta1',
      namespace: ns,
      plural: 'virtualservices',
      name: 'web',
    })) as { spec: { http: Array<{ fault?: unknown }> } };
    expect(beta.spec.http[0]?.fault).toEqual(fault);
    await custom.patchNamespacedCustomObject(
      {
        ...istio,
        namespace: ns,
        plural: 'virtualservices',
        name: 'web',
        body: [{ op: 'remove', path: '/spec/http/0/fault' }],
      },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
    const after = (await custom.getNamespacedCustomObject({
      ...istio,
      namespace: ns,
      plural: 'virtualservices',
      name: 'web',
    })) as {
      spec: unknown;
    };
    expect(after.spec).toEqual(before.spec);
  });

  it.skipIf(!tb.kwok)(
    'the test-only Litmus status writer runs pod-delete for real and writes engine and result status',
    async () => {
      pods = await startProcessPods({ kubeConfig: kc, namespaces: [ns] });
      writer = startLitmusStatusWriter({
        kubeConfig: kc,
        namespaces: [ns],
        verdict: () => 'Pass',
        maxDurationMs: 2_000,
      });
      await kc.makeApiClient(AppsV1Api).createNamespacedDeployment({
        namespace: ns,
        body: processBackedDeployment('web', 2),
      });
      await pods.waitFor('2 processes', () => pods!.processes().length === 2);
      const before = pods.processes().map((p) => p.uid);
      await custom.createNamespacedCustomObject({
        ...litmus,
        namespace: ns,
        plural: 'chaosengines',
        body: {
          apiVersion: 'litmuschaos.io/v1alpha1',
          kind: 'ChaosEngine',
          metadata: { name: 'web-chaos' },
          spec: {
            engineState: 'active',
            appinfo: { appns: ns, applabel: 'app=web', appkind: 'deployment' },
            chaosServiceAccount: 'default',
            experiments: [
              { name: 'pod-delete', spec: { components: { env: [{ name: 'TOTAL_CHAOS_DURATION', value: '1' }] } } },
            ],
          },
        },
      });
      await pods.waitFor(
        'one original process gone',
        () => pods!.processes().filter((p) => before.includes(p.uid)).length === 1,
      );
      const result = await eventually('ChaosResult Completed', async () => {
        const r = (await custom.getNamespacedCustomObject({
          ...litmus,
          namespace: ns,
          plural: 'chaosresults',
          name: 'web-chaos-pod-delete',
        })) as { status?: { experimentStatus?: { phase?: string; verdict?: string } } };
        return r.status?.experimentStatus?.phase === 'Completed' ? r : undefined;
      });
      expect(result.status?.experimentStatus?.verdict).toBe('Pass');
      const engine = (await custom.getNamespacedCustomObject({
        ...litmus,
        namespace: ns,
        plural: 'chaosengines',
        name: 'web-chaos',
      })) as { status?: { engineStatus?: string; experiments?: Array<{ verdict?: string }> } };
      expect(engine.status?.engineStatus).toBe('completed');
      expect(engine.status?.experiments?.[0]?.verdict).toBe('Pass');
    },
  );
});
