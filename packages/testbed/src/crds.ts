// Installs the test bed's own LitmusChaos and Istio CRDs (crds/*.yaml) so chaos tests can apply, read status
// of and restore those objects. A CRD that already exists is updated only when it carries our label
// (gauntlet.dev/testbed-crd); anyone else's (on a real cluster, the real Istio's) is left as it is, and
// nothing is ever deleted (other test files share the cluster).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ApiextensionsV1Api,
  loadAllYaml,
  type KubeConfig,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { packageDir } from './paths.js';
import { waitUntil, silentLogger, type Logger } from './progress.js';

const ownLabel = 'gauntlet.dev/testbed-crd';

export type CrdSet = 'litmus' | 'istio';
const files: Record<CrdSet, string> = { litmus: 'litmuschaos.yaml', istio: 'istio-networking.yaml' };

export function testbedCrds(set: CrdSet): V1CustomResourceDefinition[] {
  const text = readFileSync(join(packageDir, 'crds', files[set]), 'utf8');
  // client-node's loader builds its models (x-kubernetes-preserve-unknown-fields becomes the property the
  // serializer writes back); a plain js-yaml object would lose every x-kubernetes-* key on the way out.
  return (loadAllYaml(text) as unknown[]).filter((d): d is V1CustomResourceDefinition => !!d && typeof d === 'object');
}

/** Creates the CRDs of `sets` that are missing and waits until every one is Established. Returns their names. */
export async function installCrds(
  kc: KubeConfig,
  sets: readonly CrdSet[],
  log: Logger = silentLogger,
): Promise<string[]> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  const crds = sets.flatMap(testbedCrds);
  for (const body of crds) {
    try {
      await api.createCustomResourceDefinition({ body });
      log(`crds: created ${body.metadata?.name}`);
    } catch (e) {
      if ((e as { code?: number }).code !== 409) throw e;
      const name = body.metadata?.name ?? '';
      const existing = await api.readCustomResourceDefinition({ name });
      if (existing.metadata?.labels?.[ownLabel] !== 'true') {
        log(`crds: ${name} exists and is not the test bed's; left as it is`);
        continue;
      }
      await api.replaceCustomResourceDefinition({
        name,
        body: { ...body, metadata: { ...body.metadata, resourceVersion: existing.metadata?.resourceVersion } },
      });
    }
  }
  const names = crds.map((c) => c.metadata?.name ?? '');
  await waitUntil(
    `CRDs established (${names.join(', ')})`,
    async () => {
      for (const name of names) {
        const crd = await api.readCustomResourceDefinition({ name });
        if (!crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) return false;
      }
      return true;
    },
    { timeoutMs: 60_000, log },
  );
  return names;
}
