/**
 * The documented least-privilege RBAC (actions/provision-ephemeral-env/rbac.yaml): the action runs its happy path
 * (up, reap, down, and diagnostics of a failing stack) as a ServiceAccount bound to exactly that ClusterRole, and
 * with each permission removed in turn it fails, or visibly degrades (a polling fallback, a diagnostics note), so no
 * permission in the role is superfluous. The same holds for the Role on the creation records in the records
 * namespace (rbac.yaml's Role), swept the same way. GAUNTLET_RBAC_SWEEP=verbs removes one verb of one resource at a
 * time (56 runs for the ClusterRole; get, list and delete for the records Role, whose create and patch the
 * ClusterRole also grants); the default removes one rule at a time; none skips the sweep.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAll } from 'js-yaml';
import { getTestbed } from '@gauntlet/testbed';
import { type KubeClient, loadKubeConfig } from './kube-exports.js';
import {
  RECORDS_NAMESPACE,
  actionDir,
  adminClient,
  cleanupRepository,
  ensureBuilt,
  pullRequestEvent,
  randomRepositoryId,
  runBundle,
  runInProcess,
} from './harness.js';

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

const tb = getTestbed();
const suffix = randomBytes(3).toString('hex');
const saNamespace = `gauntlet-rbac-${suffix}`;
const roleName = `gauntlet-provision-test-${suffix}`;
const repositoryId = randomRepositoryId();
const sweep = process.env.GAUNTLET_RBAC_SWEEP ?? 'rules';
const documents = loadAll(readFileSync(path.join(actionDir, 'rbac.yaml'), 'utf8')) as Array<{
  kind: string;
  rules?: Rule[];
}>;
const documentedRules = (documents.find((d) => d.kind === 'ClusterRole')?.rules ?? []).map((r) => ({ ...r }));
/** The Role on the creation records, in the records namespace, bound to the test's ServiceAccount too. */
const recordRules = (documents.find((d) => d.kind === 'Role')?.rules ?? []).map((r) => ({ ...r }));
let admin: KubeClient;
let kubeconfig: string;
let sa: KubeClient;
let nextPr = 1;

async function setRules(rules: Rule[]): Promise<void> {
  await admin.request({
    method: 'PUT',
    path: `/apis/rbac.authorization.k8s.io/v1/clusterroles/${roleName}`,
    body: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: roleName }, rules },
  });
}

async function setRecordRules(rules: Rule[]): Promise<void> {
  await admin.request({
    method: 'PUT',
    path: `/apis/rbac.authorization.k8s.io/v1/namespaces/${RECORDS_NAMESPACE}/roles/${roleName}`,
    body: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: roleName, namespace: RECORDS_NAMESPACE },
      rules,
    },
  });
}

/**
 * Waits until the authorizer gives the ServiceAccount exactly `allowed` for this verb (RBAC caches briefly); in
 * `namespace` when given (the records Role's rules hold only there).
 */
async function settle(
  group: string,
  resource: string,
  verb: string,
  allowed: boolean,
  namespace?: string,
): Promise<void> {
  const [res, sub] = resource.split('/');
  for (let i = 0; i < 100; i++) {
    const review = await sa.request<{ status?: { allowed?: boolean } }>({
      method: 'POST',
      path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: {
          resourceAttributes: {
            group,
            resource: res,
            verb,
            ...(sub ? { subresource: sub } : {}),
            ...(namespace ? { namespace } : {}),
          },
        },
      },
    });
    if ((review.status?.allowed ?? false) === allowed) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`RBAC did not settle for ${verb} ${group}/${resource}`);
}

/** Small enough that capacity admission passes on a busy shared cluster; the capacity rules are still exercised. */
const SMALL_QUOTA = 'requests.cpu: 500m\nrequests.memory: 1Gi\nlimits.cpu: "4"\nlimits.memory: 8Gi\npods: "30"';

/** Verbs only adoption and an opt-in input use (Pod Security put back; the record of cluster-scoped objects). */
const OPT_IN = new Set(['patch core/namespaces']);

function clusterRoleGrants(group: string, resource: string, verb: string): boolean {
  return documentedRules.some(
    (r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb),
  );
}

interface Exercise {
  failed: string[];
  degraded: string[];
}

/** The happy path and the diagnostics path, as the ServiceAccount; what failed and what degraded. */
async function exercise(): Promise<Exercise> {
  const pr = nextPr++;
  const event = pullRequestEvent(repositoryId, pr);
  const result: Exercise = { failed: [], degraded: [] };
  const degradation = /forbidden|\b403\b|polling instead|could not be listed|could not be gathered/i;
  const check = (step: string, run: Awaited<ReturnType<typeof runInProcess>>, expectOk = true): void => {
    if (run.ok !== expectOk) result.failed.push(`${step}: ${run.ok ? 'succeeded' : String(run.error).slice(0, 200)}`);
    const text = `${run.logger.text()}\n${JSON.stringify(run.reports)}`;
    const hit = degradation.exec(text);
    if (hit)
      result.degraded.push(`${step}: ${text.slice(Math.max(0, hit.index - 80), hit.index + 80).replace(/\s+/g, ' ')}`);
  };
  // Stops at the first failure: one is proof enough, and every later step would only cost time.
  const quick = { 'delete-timeout': '0', 'fail-on-stuck': 'false', 'resource-quota': SMALL_QUOTA };
  check(
    'up',
    await runInProcess({
      inputs: { manifests: 'fixtures/all-kinds/*.yaml', kubeconfig, timeout: '15s', ...quick },
      event,
    }),
  );
  if (result.failed.length) return result;
  check(
    'reap',
    await runInProcess({
      inputs: { mode: 'reap', kubeconfig },
      event: { name: 'schedule', payload: { repository: { id: Number(repositoryId) } } },
    }),
  );
  if (result.failed.length) return result;
  check('down', await runInProcess({ inputs: { mode: 'down', kubeconfig, ...quick }, event }));
  if (result.failed.length) return result;
  const crash = pullRequestEvent(repositoryId, nextPr++);
  check(
    'diagnostics',
    await runInProcess({
      inputs: { manifests: 'fixtures/crashloop/*.yaml', kubeconfig, timeout: '4s', ...quick },
      event: crash,
    }),
    false,
  );
  return result;
}

beforeAll(async () => {
  ensureBuilt();
  admin = await adminClient(tb.kubeconfig);
  await admin.request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: saNamespace } } });
  await admin.request({
    method: 'POST',
    path: `/api/v1/namespaces/${saNamespace}/serviceaccounts`,
    body: { metadata: { name: 'gauntlet-provision' } },
  });
  await setRules(documentedRules).catch(async () =>
    admin.request({
      method: 'POST',
      path: '/apis/rbac.authorization.k8s.io/v1/clusterroles',
      body: { metadata: { name: roleName }, rules: documentedRules },
    }),
  );
  await admin.request({
    method: 'POST',
    path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
    body: {
      metadata: { name: roleName },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName },
      subjects: [{ kind: 'ServiceAccount', name: 'gauntlet-provision', namespace: saNamespace }],
    },
  });
  await admin
    .request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: RECORDS_NAMESPACE } } })
    .catch(() => undefined);
  await admin.request({
    method: 'POST',
    path: `/apis/rbac.authorization.k8s.io/v1/namespaces/${RECORDS_NAMESPACE}/roles`,
    body: { metadata: { name: roleName }, rules: recordRules },
  });
  await admin.request({
    method: 'POST',
    path: `/apis/rbac.authorization.k8s.io/v1/namespaces/${RECORDS_NAMESPACE}/rolebindings`,
    body: {
      metadata: { name: roleName },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: roleName },
      subjects: [{ kind: 'ServiceAccount', name: 'gauntlet-provision', namespace: saNamespace }],
    },
  });
  const token = await admin.request<{ status: { token: string } }>({
    method: 'POST',
    path: `/api/v1/namespaces/${saNamespace}/serviceaccounts/gauntlet-provision/token`,
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 7200 } },
  });
  const cluster = (
    await loadKubeConfig({
      path: tb.kubeconfig,
      registerSecret: () => undefined,
    })
  ).kubeConfig.getCurrentCluster();
  const ca = cluster?.caData ?? (cluster?.caFile ? readFileSync(cluster.caFile).toString('base64') : undefined);
  kubeconfig = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: c\n  cluster:\n    server: ${cluster?.server}\n${ca ? `    certificate-authority-data: ${ca}` : '    insecure-skip-tls-verify: true'}`,
    `users:\n- name: sa\n  user:\n    token: ${token.status.token}`,
    'contexts:\n- name: sa\n  context: {cluster: c, user: sa}',
    'current-context: sa',
  ].join('\n');
  const { KubeClient } = await import('./kube-exports.js');
  sa = await KubeClient.create(
    (await loadKubeConfig({ inline: kubeconfig, registerSecret: () => undefined })).kubeConfig,
  );
});

afterAll(async () => {
  await cleanupRepository(admin, repositoryId);
  await admin
    .request({ method: 'DELETE', path: `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${roleName}` })
    .catch(() => undefined);
  await admin
    .request({ method: 'DELETE', path: `/apis/rbac.authorization.k8s.io/v1/clusterroles/${roleName}` })
    .catch(() => undefined);
  for (const kind of ['rolebindings', 'roles'])
    await admin
      .request({
        method: 'DELETE',
        path: `/apis/rbac.authorization.k8s.io/v1/namespaces/${RECORDS_NAMESPACE}/${kind}/${roleName}`,
      })
      .catch(() => undefined);
  await admin.request({ method: 'DELETE', path: `/api/v1/namespaces/${saNamespace}` }).catch(() => undefined);
  sa.close();
  admin.close();
});

describe('least-privilege RBAC', () => {
  it('the happy path passes with exactly the documented ClusterRole, through the bundle', async () => {
    await settle('', 'namespaces', 'create', true);
    const pr = nextPr++;
    const event = pullRequestEvent(repositoryId, pr);
    const up = await runBundle({
      inputs: { manifests: 'fixtures/all-kinds/*.yaml', kubeconfig, timeout: '1m' },
      event,
    });
    expect(up.main.exitCode, up.main.log.join('\n')).toBe(0);
    const reap = await runBundle({
      inputs: { mode: 'reap', kubeconfig },
      event: { name: 'schedule', payload: { repository: { id: Number(repositoryId) } } },
    });
    expect(reap.main.exitCode, reap.main.log.join('\n')).toBe(0);
    const down = await runBundle({ inputs: { mode: 'down', kubeconfig }, event });
    expect(down.main.exitCode, down.main.log.join('\n')).toBe(0);
    expect([up, reap, down].map((r) => r.main.log.join('\n')).join('\n')).not.toMatch(/forbidden/i);
    const baseline = await exercise();
    expect(baseline).toEqual({ failed: [], degraded: [] });
  });

  interface Removal {
    label: string;
    /** Which role loses the permission: the ClusterRole, or the records Role in the records namespace. */
    role: 'cluster' | 'records';
    rules: Rule[];
    probe: [string, string, string];
  }
  const removals: Removal[] = [];
  const sweepRole = (role: Removal['role'], documented: Rule[]): void =>
    documented.forEach((rule, index) => {
      const group = rule.apiGroups[0] ?? '';
      const where = role === 'records' ? ' (records Role)' : '';
      if (sweep === 'verbs') {
        for (const resource of rule.resources) {
          for (const verb of rule.verbs) {
            // Used only on adoption and with allow-cluster-scoped: true, which the exercise does not use;
            // adoption.test.ts and cluster-scoped.test.ts are where those paths run (and fail without it).
            if (role === 'cluster' && OPT_IN.has(`${verb} ${group || 'core'}/${resource}`)) continue;
            // The ClusterRole grants create and patch of ConfigMaps everywhere (for the stack): in the records
            // namespace the Role's same verbs cannot be missed, so only the verbs the Role alone grants are swept.
            if (role === 'records' && clusterRoleGrants(group, resource, verb)) continue;
            const rules = documented.flatMap((r, i) => {
              if (i !== index) return [r];
              const others = r.resources.filter((x) => x !== resource);
              const rest = r.verbs.filter((v) => v !== verb);
              return [
                ...(others.length ? [{ ...r, resources: others }] : []),
                ...(rest.length ? [{ ...r, resources: [resource], verbs: rest }] : []),
              ];
            });
            removals.push({
              label: `${verb} ${group || 'core'}/${resource}${where}`,
              role,
              rules,
              probe: [group, resource, verb],
            });
          }
        }
      } else if (sweep === 'rules') {
        removals.push({
          label: `rule ${index + 1}: ${rule.verbs.join(',')} ${group || 'core'}/${rule.resources.join(',')}${where}`,
          role,
          rules: documented.filter((_, i) => i !== index),
          probe: [group, rule.resources[0] as string, rule.verbs[0] as string],
        });
      }
    });
  sweepRole('cluster', documentedRules);
  sweepRole('records', recordRules);

  it.each(removals.map((r) => [r.label, r] as const))(
    'without %s the action fails or visibly degrades',
    async (_label, removal) => {
      const records = removal.role === 'records';
      const set = records ? setRecordRules : setRules;
      const namespace = records ? RECORDS_NAMESPACE : undefined;
      await set(removal.rules);
      await settle(...removal.probe, false, namespace);
      try {
        const outcome = await exercise();
        console.info(
          `RBAC without ${removal.label}: ${outcome.failed.length ? `fails (${outcome.failed[0]})` : `degrades (${outcome.degraded[0]})`}`,
        );
        expect(
          outcome.failed.length + outcome.degraded.length,
          `nothing noticed the missing ${removal.label}`,
        ).toBeGreaterThan(0);
      } finally {
        await set(records ? recordRules : documentedRules);
        await settle(...removal.probe, true, namespace);
      }
    },
  );
});
