/**
 * provision-ephemeral-env benchmarks, on the test bed (or any cluster in KUBECONFIG / GAUNTLET_KUBECONFIG):
 *
 * 1. Time to ready: the action's main step (a fresh Node process running the real bundle, from spawn to exit) for a
 *    realistic stack, against `kubectl create namespace && kubectl apply -f … && kubectl wait job && kubectl rollout
 *    status …` on the same stack and cluster, alternating, in the same run. Goal: ratio ≤ 1.0.
 * 2. The reaper among 1,000 environments: wall time and API requests (counted by the fault proxy) as 0, 100, 500 and
 *    1,000 of them fall due. Goal: requests = list pages + one delete per namespace reaped.
 *
 * `--stack boutique` times a public many-service stack instead (boutique.ts, modelled on Online Boutique: 12
 * Deployments, 12 Services, 11 ServiceAccounts), against `kubectl create namespace && kubectl apply && kubectl
 * rollout status`; `--only ready` skips the reaper.
 *
 * `pnpm exec tsx bench/provision/run.ts [--iterations N] [--namespaces N] [--stack default|boutique] [--only ready]`
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputReader, envInputSource } from '@gauntlet/action-kit';
import { createRuntime } from '@gauntlet/action-runtime';
import { FakeClock } from '@gauntlet/action-kit/testing';
import { TestHost } from '@gauntlet/action-runtime/testing';
import {
  KubeClient,
  type KubeObject,
  environmentName,
  loadKubeConfig,
  mapLimit,
  ownershipMetadata,
} from '@gauntlet/kube';
import { FaultProxy } from '@gauntlet/testbed';
import { readRunContext } from '../../actions/provision-ephemeral-env/src/context.js';
import { parseInputs } from '../../actions/provision-ephemeral-env/src/inputs.js';
import { reap } from '../../actions/provision-ephemeral-env/src/reap.js';
import { inputEnvironment, readActionMetadata, runActionLocally } from '../../packages/local-runner/src/index.js';
import { snapshotBundle } from '../../scripts/bundle-snapshot.js';
import { seedEnvironment } from '../../test/provision/harness.js';
import { BOUTIQUE_DEPLOYMENTS, BOUTIQUE_SERVICES, writeBoutiqueStack } from './boutique.js';
import { DEPLOYMENTS, writeStack } from './stack.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const actionDir = path.join(root, 'actions', 'provision-ephemeral-env');
const argument = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const option = (name: string, fallback: string): string => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
};
const stackName = option('stack', 'default');
if (stackName !== 'default' && stackName !== 'boutique')
  throw new Error(`--stack: default or boutique, not ${stackName}`);
const boutique = stackName === 'boutique';
const only = option('only', 'all');
const iterations = argument('iterations', 5);
const profile = process.argv.includes('--profile');
const reaperSize = argument('namespaces', 1_000);
const kubeconfigPath = process.env.GAUNTLET_KUBECONFIG ?? process.env.KUBECONFIG;
if (!kubeconfigPath) throw new Error('set GAUNTLET_KUBECONFIG or KUBECONFIG (pnpm bench starts the test bed)');

function kubectlBinary(): string {
  if (process.env.KUBECTL) return process.env.KUBECTL;
  const cache =
    process.env.GAUNTLET_CACHE ??
    path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'gauntlet');
  const manifest = path.join(cache, 'testbed', 'manifest.env');
  const bin = existsSync(manifest) ? /^K8S_BIN=(.*)$/m.exec(readFileSync(manifest, 'utf8'))?.[1] : undefined;
  return bin ? path.join(bin, 'kubectl') : 'kubectl';
}

/** The built bundle, copied so a concurrent rebuild in this checkout cannot pull it away mid-run. */
function bundleSnapshot(): string {
  return snapshotBundle('provision-ephemeral-env', [
    'actions/provision-ephemeral-env/src',
    'packages/kube/src',
    'packages/action-kit/src',
    'packages/action-runtime/src',
    'packages/github/src',
  ]);
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

function table(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => `| ${r.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`;
  return [line(headers), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...cells.slice(1).map(line)].join('\n');
}

const { kubeConfig } = await loadKubeConfig({ path: kubeconfigPath, registerSecret: () => undefined });
const admin = await KubeClient.create(kubeConfig);
const kubeconfigText = kubeConfig.exportConfig();
const repositoryId = String(1_000_000_000 + Math.floor(Math.random() * 900_000_000));

// ---------------------------------------------------------------------------------------------- 1. time to ready
async function benchReady(): Promise<string> {
  const actionCopy = bundleSnapshot();
  const stackDir = boutique ? writeBoutiqueStack() : writeStack();
  // The stack's LoadBalancer Service (and the node port it allocates) needs room in the quota, as it would for any
  // user: the default quota allows neither.
  const stackInputs: Record<string, string> = boutique
    ? { 'resource-quota': 'services.loadbalancers: "1"\nservices.nodeports: "1"' }
    : {};
  const kubectl = kubectlBinary();
  const action: number[] = [];
  const actionInternal: number[] = [];
  const baseline: number[] = [];
  const cleanup: string[] = [];
  for (let i = 0; i < iterations; i++) {
    const runAction = async (): Promise<void> => {
      const pr = 10 + i;
      const started = Date.now();
      // --profile: when each log line of the action arrived, from spawn: where its time goes.
      const timeline: string[] = [];
      const result = await runActionLocally({
        ...(profile
          ? {
              onLine: (line: string) =>
                timeline.push(`    +${s(Date.now() - started).padStart(7)}  ${line.slice(0, 150)}`),
            }
          : {}),
        actionDir: actionCopy,
        workspace: stackDir,
        inputs: { manifests: 'stack.yaml', kubeconfig: kubeconfigText, report: 'false', timeout: '5m', ...stackInputs },
        event: {
          name: 'pull_request',
          payload: {
            number: pr,
            pull_request: { number: pr, head: { sha: 'b'.repeat(40) } },
            repository: { id: Number(repositoryId) },
          },
        },
        env: { GITHUB_REPOSITORY: 'acme/shop' },
        skipPost: true,
      });
      const elapsed = Date.now() - started;
      if (result.main.exitCode !== 0) throw new Error(`the action failed:\n${result.main.log.join('\n')}`);
      action.push(elapsed);
      if (profile) process.stdout.write(`  action run ${i + 1} timeline:\n${timeline.join('\n')}\n`);
      const internal = /is ready \(([\d.]+)(ms|s)\)/.exec(result.main.log.join('\n'));
      if (internal) actionInternal.push(Number(internal[1]) * (internal[2] === 's' ? 1000 : 1));
      cleanup.push(result.outputs.namespace as string);
    };
    const runKubectl = (): void => {
      const namespace = `bench-kubectl-${repositoryId.slice(-6)}-${i}`;
      const k = (...args: string[]): void => {
        execFileSync(kubectl, ['--kubeconfig', kubeconfigPath as string, ...args], { stdio: 'pipe' });
      };
      const started = Date.now();
      k('create', 'namespace', namespace);
      k('apply', '-n', namespace, '-f', path.join(stackDir, 'stack.yaml'));
      if (!boutique) k('wait', '-n', namespace, '--for=condition=complete', 'job/seed', '--timeout=5m');
      k('rollout', 'status', '-n', namespace, 'deployment', '-l', 'bench=stack', '--timeout=5m');
      if (!boutique) k('rollout', 'status', '-n', namespace, 'statefulset', '-l', 'bench=stack', '--timeout=5m');
      baseline.push(Date.now() - started);
      cleanup.push(namespace);
    };
    // Alternate the order so neither side always runs on a cluster still busy with the other's cleanup.
    if (i % 2 === 0) {
      await runAction();
      runKubectl();
    } else {
      runKubectl();
      await runAction();
    }
    process.stdout.write(
      `  run ${i + 1}/${iterations}: action ${s(action.at(-1) ?? 0)}, kubectl ${s(baseline.at(-1) ?? 0)}\n`,
    );
    for (const namespace of cleanup.splice(0))
      await admin.request({ method: 'DELETE', path: `/api/v1/namespaces/${namespace}` }).catch(() => undefined);
  }
  rmSync(stackDir, { recursive: true, force: true });
  const ratio = median(action) / median(baseline);
  return [
    boutique
      ? `### Time to ready: Online Boutique (modelled): ${BOUTIQUE_DEPLOYMENTS} Deployments, ${BOUTIQUE_SERVICES + 1} Services (${iterations} runs each, alternating)`
      : `### Time to ready: ${DEPLOYMENTS} Deployments + Services, a 3-replica StatefulSet, a seed Job (${iterations} runs each, alternating)`,
    '',
    table(
      ['', 'median', 'min', 'max'],
      [
        [
          'provision-ephemeral-env (main step: node start → exit)',
          s(median(action)),
          s(Math.min(...action)),
          s(Math.max(...action)),
        ],
        [
          '  of which inside the action (start → ready)',
          s(median(actionInternal)),
          s(Math.min(...actionInternal)),
          s(Math.max(...actionInternal)),
        ],
        [
          boutique
            ? 'kubectl create ns && apply && rollout status'
            : 'kubectl create ns && apply && wait job && rollout status ×2',
          s(median(baseline)),
          s(Math.min(...baseline)),
          s(Math.max(...baseline)),
        ],
        ['ratio (action / kubectl), medians', ratio.toFixed(2), '', ''],
      ],
    ),
    '',
    `The action also creates the guardrails (quota, limits, 2 network policies, lease), runs capacity admission and waits for every Service's endpoints, which the kubectl sequence does not. Goal ≤ 1.0: ${ratio <= 1 ? 'met' : 'NOT met'}.`,
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------- 2. the reaper
async function benchReaper(): Promise<string> {
  const proxy = await FaultProxy.forKubeconfig(kubeconfigPath as string);
  const proxyKubeconfig = proxy.kubeConfig().exportConfig();
  const base = Date.now() - 86_400_000;
  const names: string[] = [];
  const createdAt = Date.now();
  await mapLimit(
    Array.from({ length: reaperSize }, (_, i) => i),
    16,
    async (i) => {
      const identity = { repositoryId, target: { kind: 'pr' as const, number: 100_000 + i } };
      // Namespace i expires at base + i seconds: moving the reaper's clock decides how many are due.
      const meta = ownershipMetadata(identity, { now: base + i * 1000 - 3_600_000, ttlMs: 3_600_000 });
      const name = environmentName(identity);
      names.push(name);
      // As an earlier up leaves it: the namespace and its creation record (the reaper deletes nothing else).
      await seedEnvironment(admin, repositoryId, { metadata: { name, ...meta } });
    },
  );
  const createMs = Date.now() - createdAt;
  const metadata = await readActionMetadata(actionDir);
  const rows: Array<Array<string | number>> = [];
  let reapedSoFar = 0;
  for (const due of [0, Math.round(reaperSize / 10), Math.round(reaperSize / 2), reaperSize]) {
    const env = {
      ...inputEnvironment(metadata, {
        mode: 'reap',
        kubeconfig: proxyKubeconfig,
        report: 'false',
        'reap-closed': 'false',
      }),
      GITHUB_EVENT_NAME: 'schedule',
      GITHUB_REPOSITORY_ID: repositoryId,
      GITHUB_REPOSITORY: 'acme/shop',
    };
    const inputs = parseInputs(new InputReader(envInputSource(env)));
    const ctx = readRunContext(env);
    const clock = new FakeClock({ start: base + due * 1000 - 500 });
    const host = new TestHost({ env, clock });
    const { runtime: rt } = createRuntime('provision-ephemeral-env', 'main', host);
    const outputs = host.outputs;
    const kube = await loadKubeConfig({ inline: proxyKubeconfig, registerSecret: () => undefined });
    let client: KubeClient | undefined;
    const cluster = { kube, connect: async () => (client = await KubeClient.create(kube.kubeConfig, { clock })) };
    proxy.clearRequests();
    const started = Date.now();
    await reap({ inputs, ctx, rt, cluster, publish: async () => undefined }, async () => new Map());
    const wall = Date.now() - started;
    const requests = proxy.requests;
    const deleted = (JSON.parse(outputs.reaped ?? '{}') as { deleted?: string[] }).deleted?.length ?? 0;
    const gets = requests.filter((r) => r.method === 'GET').length;
    const deletes = requests.filter((r) => r.method === 'DELETE').length;
    rows.push([
      reaperSize,
      due,
      deleted,
      requests.length,
      gets,
      deletes,
      (requests.length - deleted).toString(),
      s(wall),
    ]);
    reapedSoFar += deleted;
    client?.close();
  }
  await proxy.close();
  // Whatever is left (nothing, if the last pass reaped everything).
  await mapLimit(names, 16, async (name) => {
    const ns = await admin.getOptional<KubeObject>(`/api/v1/namespaces/${name}`);
    if (ns && !ns.metadata?.deletionTimestamp)
      await admin.request({ method: 'DELETE', path: `/api/v1/namespaces/${name}` }).catch(() => undefined);
  });
  return [
    `### The reaper among ${reaperSize} environments (creating them took ${s(createMs)}; ${reapedSoFar} reaped in total)`,
    '',
    table(
      [
        'environments',
        'due (cumulative)',
        'deleted this pass',
        'API requests',
        'GET (lists)',
        'DELETE',
        'requests − deletes',
        'wall time',
      ],
      rows,
    ),
    '',
    'Each pass lists namespaces, leases and creation records (paginated, 500 per page) and sends two DELETEs per namespace newly due (the namespace and its creation record); already-terminating ones cost nothing. Requests counted by the fault proxy; wall time in-process (add about 0.5 s of Node start-up for a workflow step).',
  ].join('\n');
}

const started = statSync(kubeconfigPath).isFile() ? Date.now() : 0;
process.stdout.write(`provision-ephemeral-env benchmarks (cluster from ${kubeconfigPath})\n\n`);
process.stdout.write(`${await benchReady()}\n\n`);
if (only !== 'ready') process.stdout.write(`${await benchReaper()}\n\n`);
process.stdout.write(`total ${s(Date.now() - started)}\n`);
admin.close();
