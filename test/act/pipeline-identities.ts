/**
 * The two cluster identities workflows-examples/pipeline.yml documents, and nothing more:
 * - PREVIEW_KUBECONFIG: a ServiceAccount with provision-ephemeral-env's rbac.yaml (the ClusterRole, and the creation
 *   records' Role in gauntlet-system) plus the README's two rules for a stack that binds chaos-gate;
 * - CHAOS_KUBECONFIG: chaos-gate's own ServiceAccount (chaos-gate in gauntlet-chaos) with no binding at all: the
 *   only one it gets is the RoleBinding the environment's stack applies (deploy/chaos-access/rolebinding.yaml) of the
 *   ClusterRole gauntlet-chaos-gate, whose rules are chaos-gate's README Role.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { load, loadAll } from 'js-yaml';
import type { KubeClient } from '@gauntlet/kube';
import { RECORDS_NAMESPACE, root, serviceAccountKubeconfig } from '../provision/harness.js';

export const CHAOS_CLUSTER_ROLE = 'gauntlet-chaos-gate';
const RBAC = '/apis/rbac.authorization.k8s.io/v1';

/** The fenced YAML block of a README, after `after`, whose text contains `marker`. */
function readmeBlock(readme: string, after: string, marker: string): unknown {
  const section = readFileSync(path.join(root, readme), 'utf8').split(after)[1] ?? '';
  const block = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.includes(marker));
  if (!block) throw new Error(`${readme} has no YAML block with ${marker} after ${after}`);
  // A block inside a list item is indented as the item's text is.
  const indent = /^ */.exec(block)![0];
  return load(block.replace(new RegExp(`^${indent}`, 'gm'), ''));
}

export interface PipelineIdentities {
  readonly preview: string;
  readonly chaos: string;
  cleanup(): Promise<void>;
}

export async function pipelineIdentities(admin: KubeClient, kubeconfigPath: string): Promise<PipelineIdentities> {
  const rbacYaml = loadAll(
    readFileSync(path.join(root, 'actions/provision-ephemeral-env/rbac.yaml'), 'utf8'),
  ) as Array<{ kind: string; rules?: unknown[] }>;
  const bindsChaosGate = readmeBlock(
    'actions/provision-ephemeral-env/README.md',
    '## RBAC',
    'A stack that binds chaos-gate',
  ) as unknown[];
  // rbac.yaml creates the records namespace; the test bed may not have it yet (it is never deleted).
  if ((await admin.getOptional(`/api/v1/namespaces/${RECORDS_NAMESPACE}`)) === undefined)
    await admin.request({
      method: 'POST',
      path: '/api/v1/namespaces',
      body: { metadata: { name: RECORDS_NAMESPACE } },
    });
  const preview = await serviceAccountKubeconfig(
    admin,
    kubeconfigPath,
    [...(rbacYaml.find((d) => d.kind === 'ClusterRole')?.rules ?? []), ...bindsChaosGate],
    { roles: [{ namespace: RECORDS_NAMESPACE, rules: rbacYaml.find((d) => d.kind === 'Role')?.rules ?? [] }] },
  );

  const chaosRole = readmeBlock('actions/chaos-gate/README.md', '## RBAC', 'kind: Role') as { rules: unknown[] };
  const clusterRole = { metadata: { name: CHAOS_CLUSTER_ROLE }, rules: chaosRole.rules };
  const existing = await admin.getOptional(`${RBAC}/clusterroles/${CHAOS_CLUSTER_ROLE}`);
  if (existing)
    await admin.request({ method: 'PUT', path: `${RBAC}/clusterroles/${CHAOS_CLUSTER_ROLE}`, body: clusterRole });
  else await admin.request({ method: 'POST', path: `${RBAC}/clusterroles`, body: clusterRole });
  const chaos = await serviceAccountKubeconfig(admin, kubeconfigPath, [], {
    account: { namespace: 'gauntlet-chaos', name: 'chaos-gate' },
  });
  return {
    preview: preview.kubeconfig,
    chaos: chaos.kubeconfig,
    cleanup: async () => {
      await preview.cleanup();
      await chaos.cleanup();
      if (!existing)
        await admin
          .request({ method: 'DELETE', path: `${RBAC}/clusterroles/${CHAOS_CLUSTER_ROLE}` })
          .catch(() => undefined);
    },
  };
}
