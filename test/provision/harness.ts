/**
 * Shared helpers for the provision-ephemeral-env integration tests. Two ways to run the action:
 * - runBundle: the real bundle, through the local runner (INPUT_*, event file, post step, signals), as GitHub runs it.
 * - runInProcess: the same mode functions in this process with recorders and a scaled clock, for the trials that
 *   repeat a scenario dozens of times (a fresh Node process per trial would not fit the suite's time budget).
 * Both talk to the real test-bed API server, usually through the fault proxy, which records every request.
 *
 * The default trial counts keep the suite to a few minutes; the release-gate counts of the reliability plan are:
 *   GAUNTLET_NS_TRIALS=50 GAUNTLET_NS04_RUNS=50 GAUNTLET_NS13_SEEDS=300 GAUNTLET_NS13_REAL_SEEDS=10 \
 *   GAUNTLET_RBAC_SWEEP=verbs pnpm exec vitest run --project integration test/provision
 * (NS-01 runs its full 10,000 by default; about 35 minutes in all on the 2-core test bed.)
 */
import { randomInt } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dump } from 'js-yaml';
import { InputReader, envInputSource, sleepUntilDone, type Clock } from '@gauntlet/action-kit';
import type { RecordingLogger } from '@gauntlet/action-kit/testing';
import { createRuntime } from '@gauntlet/action-runtime';
import { TestHost } from '@gauntlet/action-runtime/testing';
import {
  ENVIRONMENT_NAME,
  KubeClient,
  type KubeObject,
  type RequestRecord,
  collectionPath,
  labelSelector,
  labels,
  loadKubeConfig,
  repositoryHash,
  types,
  MANAGED_BY,
} from '@gauntlet/kube';
import type { RecordedRequest } from '@gauntlet/testbed';
import {
  inputEnvironment,
  readActionMetadata,
  runActionLocally,
  type RunOptions,
  type RunResult,
} from '../../packages/local-runner/src/index.js';
import { snapshotBundle } from '../../scripts/bundle-snapshot.js';
import { readRunContext } from '../../actions/provision-ephemeral-env/src/context.js';
import { down } from '../../actions/provision-ephemeral-env/src/down.js';
import { parseInputs } from '../../actions/provision-ephemeral-env/src/inputs.js';
import { reap, type PullRequestStates } from '../../actions/provision-ephemeral-env/src/reap.js';
import type { EnvironmentReport } from '../../actions/provision-ephemeral-env/src/report.js';
import type { ModeArgs } from '../../actions/provision-ephemeral-env/src/mode-args.js';
import { up } from '../../actions/provision-ephemeral-env/src/up.js';

export const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, '../..');
export const actionDir = path.join(root, 'actions', 'provision-ephemeral-env');

/** Runs the tests from a private copy of the bundle, built first when any source it contains is newer. */
export function ensureBuilt(): void {
  snapshotDir ??= snapshotBundle('provision-ephemeral-env', [
    'actions/provision-ephemeral-env/src',
    'packages/kube/src',
    'packages/action-kit/src',
    'packages/action-runtime/src',
    'packages/github/src',
  ]);
}

let snapshotDir: string | undefined;

/** The action folder the bundle runs from: the private copy once ensureBuilt has run. */
export function bundleActionDir(): string {
  return snapshotDir ?? actionDir;
}

/** A random repository id per test (file), so names never collide across tests, runs or other suites. */
export function randomRepositoryId(): string {
  return String(randomInt(100_000_000, 2_000_000_000));
}

export function pullRequestEvent(
  repositoryId: string,
  number: number,
  headSha = 'a'.repeat(40),
  extra: Record<string, unknown> = {},
): { name: string; payload: unknown } {
  return {
    name: 'pull_request',
    payload: {
      action: 'synchronize',
      number,
      pull_request: {
        number,
        state: 'open',
        head: { sha: headSha, ref: 'feature/x', repo: { full_name: 'acme/shop' } },
        base: { ref: 'main', repo: { full_name: 'acme/shop' } },
      },
      repository: { id: Number(repositoryId), full_name: 'acme/shop', default_branch: 'main' },
      ...extra,
    },
  };
}

export interface BundleRun extends Omit<RunOptions, 'actionDir'> {
  inputs: Record<string, string>;
}

export async function runBundle(options: BundleRun): Promise<RunResult> {
  return runActionLocally({
    actionDir: bundleActionDir(),
    workspace: here,
    ...options,
    env: { GITHUB_REPOSITORY: 'acme/shop', GITHUB_RUN_ID: String(randomInt(1, 2 ** 31)), ...options.env },
    inputs: { report: 'false', ...options.inputs },
  });
}

/** A clock whose waits are `factor` times shorter in real time; `now()` is virtual time. */
export class ScaledClock implements Clock {
  private readonly startReal = Date.now();
  private readonly startVirtual = Date.now();
  readonly sleeps: number[] = [];
  constructor(private readonly factor: number) {}
  now(): number {
    return this.startVirtual + (Date.now() - this.startReal) * this.factor;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    const until = this.now() + Math.max(0, ms);
    return sleepUntilDone(() => (until - this.now()) / this.factor, signal);
  }
}

export interface InProcessResult {
  ok: boolean;
  error?: unknown;
  outputs: Record<string, string>;
  state: Record<string, string>;
  reports: EnvironmentReport[];
  logger: RecordingLogger;
  requests: RequestRecord[];
  client?: KubeClient;
}

export interface InProcessOptions {
  inputs: Record<string, string>;
  event: { name: string; payload: unknown };
  env?: Record<string, string>;
  clock?: Clock;
  signal?: AbortSignal;
  pullRequestStates?: PullRequestStates;
  retry?: { maxRetries?: number };
}

let metadata: Awaited<ReturnType<typeof readActionMetadata>> | undefined;
let eventDir: string | undefined;
let eventCounter = 0;

/** Runs a mode in-process, with action.yml's defaults, a recording runtime and (optionally) a scaled clock. */
export async function runInProcess(options: InProcessOptions): Promise<InProcessResult> {
  metadata ??= await readActionMetadata(actionDir);
  const { writeFileSync } = await import('node:fs');
  eventDir ??= mkdtempSync(path.join(os.tmpdir(), 'provision-event-'));
  const eventFile = path.join(eventDir, `event-${++eventCounter}.json`);
  writeFileSync(eventFile, JSON.stringify(options.event.payload));
  const env = {
    ...inputEnvironment(metadata, { report: 'false', ...options.inputs }),
    GITHUB_EVENT_NAME: options.event.name,
    GITHUB_EVENT_PATH: eventFile,
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_RUN_ID: String(randomInt(1, 2 ** 31)),
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_WORKSPACE: here,
    ...options.env,
  };
  const clock = options.clock ?? new ScaledClock(1);
  // The runtime the runner gets, on a recording host: its outputs, state and log are the result's.
  const host = new TestHost({ env, clock, ...(options.signal ? { cancel: options.signal } : {}) });
  const { runtime: rt } = createRuntime('provision-ephemeral-env', 'main', host);
  const result: InProcessResult = {
    ok: false,
    outputs: host.outputs,
    state: host.state,
    reports: [],
    logger: host.logger,
    requests: [],
  };
  let args: ModeArgs;
  try {
    const inputs = parseInputs(new InputReader(envInputSource(env)), here);
    const kube = await loadKubeConfig({
      ...(inputs.kubeconfig === undefined
        ? {}
        : 'data' in inputs.kubeconfig
          ? { inline: inputs.kubeconfig.data }
          : { path: inputs.kubeconfig.path }),
      registerSecret: rt.registerSecret,
    });
    args = {
      inputs,
      ctx: readRunContext(env),
      rt,
      cluster: {
        kube,
        connect: async () => {
          result.client = await KubeClient.create(kube.kubeConfig, {
            clock,
            onRequest: (r) => result.requests.push(r),
            ...(options.retry ? { retry: options.retry } : {}),
          });
          return result.client;
        },
      },
      publish: async (report) => {
        result.reports.push(report);
      },
    };
  } catch (error) {
    result.error = error;
    return result;
  }
  try {
    if (args.inputs.mode === 'up') await up(args);
    else if (args.inputs.mode === 'down') await down(args);
    else await reap(args, options.pullRequestStates ?? (async () => new Map()));
    result.ok = true;
  } catch (error) {
    result.error = error;
  }
  return result;
}

/** An admin client straight to the test bed (no proxy), for arranging and checking. */
export async function adminClient(kubeconfigPath: string): Promise<KubeClient> {
  const { kubeConfig } = await loadKubeConfig({ path: kubeconfigPath, registerSecret: () => undefined });
  return KubeClient.create(kubeConfig, {});
}

/** Every namespace of this repository id (ours by label), for assertions and cleanup. */
export async function environmentsOf(client: KubeClient, repositoryId: string): Promise<KubeObject[]> {
  const selector = labelSelector().eq(labels.managedBy, MANAGED_BY).eq(labels.repository, repositoryHash(repositoryId));
  return (await client.list(collectionPath(types.namespace), { labelSelector: selector.toString() })).items;
}

/** Deletes every namespace of this repository id (test cleanup; never waits). */
export async function cleanupRepository(client: KubeClient, repositoryId: string): Promise<void> {
  for (const ns of await environmentsOf(client, repositoryId)) {
    await client.request({ method: 'DELETE', path: `/api/v1/namespaces/${ns.metadata?.name}` }).catch(() => undefined);
  }
  // Their creation records, which a test may leave behind (a namespace deleted by hand, a refused look-alike).
  await client
    .request({
      method: 'DELETE',
      path: `/api/v1/namespaces/${RECORDS_NAMESPACE}/configmaps`,
      query: { labelSelector: labelSelector().eq(labels.repository, repositoryHash(repositoryId)).toString() },
    })
    .catch(() => undefined);
}

/** The records namespace of the creation records (action.yml's default of records-namespace). */
export const RECORDS_NAMESPACE = 'gauntlet-system';

/**
 * Writes the creation record an earlier up of this action would have left for `namespace` (as read from the server:
 * its uid), for tests that arrange environments directly; `uid` overrides it (the record of another namespace).
 */
export async function writeRecord(
  client: KubeClient,
  repositoryId: string,
  namespace: KubeObject,
  uid = namespace.metadata?.uid ?? '',
): Promise<void> {
  await client
    .request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: RECORDS_NAMESPACE } } })
    .catch(() => undefined);
  const name = namespace.metadata?.name ?? '';
  await client.request({
    method: 'POST',
    path: `/api/v1/namespaces/${RECORDS_NAMESPACE}/configmaps`,
    body: {
      metadata: {
        name: `gauntlet-env-${name}`,
        labels: { [labels.managedBy]: MANAGED_BY, [labels.repository]: repositoryHash(repositoryId) },
      },
      data: { namespace: name, 'repository-id': repositoryId, run: '1-1', uid },
    },
  });
}

/** Creates an environment namespace as an earlier up would have: the namespace, then its creation record. */
export async function seedEnvironment(client: KubeClient, repositoryId: string, body: KubeObject): Promise<KubeObject> {
  const created = await client.request<KubeObject>({ method: 'POST', path: '/api/v1/namespaces', body });
  await writeRecord(client, repositoryId, created);
  return created;
}

/** Rules every request the action sends must obey, whatever the test (NS-01, NS-08, NS-12, NS-15, NS-17). */
export function trafficViolations(
  requests: readonly RecordedRequest[],
  options: { allowForce?: boolean; foreignNamespaces?: readonly string[] } = {},
): string[] {
  const problems: string[] = [];
  for (const r of requests) {
    const what = `${r.method} ${r.path}`;
    const ns = /^\/api\/v1\/namespaces\/([^/]+)/.exec(r.path)?.[1] ?? /\/namespaces\/([^/]+)\//.exec(r.path)?.[1];
    // The records namespace: read and created, and only its creation-record ConfigMaps touched.
    const recordPath = new RegExp(`^/api/v1/namespaces/${RECORDS_NAMESPACE}(/configmaps(/gauntlet-env-[a-z0-9-]+)?)?$`);
    if (ns === RECORDS_NAMESPACE && !recordPath.test(r.path)) problems.push(`${what}: not a creation record`);
    else if (
      ns !== undefined &&
      ns !== RECORDS_NAMESPACE &&
      !ENVIRONMENT_NAME.test(ns) &&
      !(options.foreignNamespaces ?? []).includes(ns)
    )
      problems.push(`${what}: namespace outside the pattern`);
    if (/\/finalize$/.test(r.path)) problems.push(`${what}: /finalize`);
    // A namespace is patched only by a JSON patch that first tests its uid (the record of cluster-scoped objects).
    if (/^\/api\/v1\/namespaces\/[^/]+$/.test(r.path) && (r.method === 'PATCH' || r.method === 'PUT')) {
      let first: { op?: string; path?: string } | undefined;
      try {
        first = (JSON.parse(r.body || 'null') as Array<{ op?: string; path?: string }> | null)?.[0];
      } catch {
        first = undefined;
      }
      if (r.method === 'PUT' || first?.op !== 'test' || first.path !== '/metadata/uid')
        problems.push(`${what}: namespace patched without a uid test`);
    }
    if (!options.allowForce && r.query.force?.includes('true')) problems.push(`${what}: force=true`);
    for (const selector of r.query.labelSelector ?? [])
      if (selector.trim() === '') problems.push(`${what}: empty label selector`);
    if (r.method === 'DELETE' && !/\/[^/]+\/[^/]+$/.test(r.path.replace(/^\/api\/v1/, '')))
      problems.push(`${what}: collection delete`);
    if (r.method === 'DELETE' && r.path === '/api/v1/namespaces') problems.push(`${what}: collection delete`);
    if (r.method === 'DELETE' && /^\/api\/v1\/namespaces\/[^/]+$/.test(r.path)) {
      const body = JSON.parse(r.body || '{}') as { preconditions?: { uid?: string } };
      if (!body.preconditions?.uid) problems.push(`${what}: namespace delete without a uid precondition`);
    }
  }
  return problems;
}

/** a secret in any form the plan lists: raw, base64 at three shifts, JSON-escaped, URL-encoded, per line. */
export function leakForms(secret: string): string[] {
  const forms = new Set<string>();
  const add = (v: string): void => {
    if (v.length >= 8) forms.add(v);
  };
  add(secret);
  for (let shift = 0; shift < 3; shift++) {
    const b64 = Buffer.from(`${'x'.repeat(shift)}${secret}`).toString('base64');
    add(b64.slice(Math.ceil((shift * 4) / 3) + 2, -4));
  }
  add(JSON.stringify(secret).slice(1, -1));
  add(encodeURIComponent(secret));
  for (const line of secret.split(/\r?\n/)) if (line.trim().length >= 16) add(line.trim());
  return [...forms];
}

export function findLeaks(text: string, secrets: readonly string[]): string[] {
  const hits: string[] = [];
  for (const secret of secrets)
    for (const form of leakForms(secret)) if (text.includes(form)) hits.push(form.slice(0, 12));
  return hits;
}

export function readFixture(name: string): string {
  return readFileSync(path.join(here, 'fixtures', name), 'utf8');
}

/**
 * over a step's raw stdout+stderr: `::add-mask::` lines are how a secret is registered, so they are
 * allowed, must come before any other line containing the value, and every other line must be free of it.
 */
export function outputLeaks(raw: string, secrets: readonly string[]): string[] {
  const problems: string[] = [];
  const lines = raw.split('\n');
  for (const secret of secrets) {
    const forms = leakForms(secret);
    let masked = false;
    for (const line of lines) {
      if (line.startsWith('::add-mask::')) {
        if (
          forms.some(
            (f) =>
              line.slice('::add-mask::'.length).includes(f) || f.includes(line.slice('::add-mask::'.length).trim()),
          )
        )
          masked = true;
        continue;
      }
      const hit = forms.find((f) => line.includes(f));
      if (hit) problems.push(`${masked ? 'leak' : 'leak before add-mask'}: ${hit.slice(0, 8)}…`);
    }
  }
  return problems;
}

export interface ServiceAccountOptions {
  /** The account's namespace and name (default: a fresh gauntlet-sa-<hex> namespace, account gauntlet-provision). */
  readonly account?: { readonly namespace: string; readonly name: string };
  /** Roles in single namespaces (e.g. the creation records' in gauntlet-system), each bound to the account there. */
  readonly roles?: readonly { readonly namespace: string; readonly rules: unknown[] }[];
}

export interface ServiceAccountKubeconfig {
  readonly kubeconfig: string;
  readonly token: string;
  readonly namespace: string;
  readonly role: string;
  cleanup(): Promise<void>;
}

/**
 * A ServiceAccount bound cluster-wide to the given rules (none: no ClusterRole at all) and in single namespaces to
 * `roles`, and a kubeconfig that authenticates as it with a token. cleanup() deletes what this created.
 */
export async function serviceAccountKubeconfig(
  admin: KubeClient,
  kubeconfigPath: string,
  rules: unknown[],
  options: ServiceAccountOptions = {},
): Promise<ServiceAccountKubeconfig> {
  const suffix = randomInt(0, 2 ** 24)
    .toString(16)
    .padStart(6, '0');
  const { namespace, name } = options.account ?? { namespace: `gauntlet-sa-${suffix}`, name: 'gauntlet-provision' };
  const role = `gauntlet-provision-sa-${suffix}`;
  const rbac = '/apis/rbac.authorization.k8s.io/v1';
  const undo: (() => Promise<unknown>)[] = [];
  const create = async (collection: string, body: Record<string, unknown>, exists = false): Promise<void> => {
    const object = `${collection}/${(body['metadata'] as { name: string }).name}`;
    if (exists && (await admin.getOptional(object)) !== undefined) return;
    await admin.request({ method: 'POST', path: collection, body });
    undo.unshift(() => admin.request({ method: 'DELETE', path: object }));
  };
  const subjects = [{ kind: 'ServiceAccount', name, namespace }];
  await create('/api/v1/namespaces', { metadata: { name: namespace } }, true);
  await create(`/api/v1/namespaces/${namespace}/serviceaccounts`, { metadata: { name } });
  if (rules.length > 0) {
    await create(`${rbac}/clusterroles`, { metadata: { name: role }, rules });
    await create(`${rbac}/clusterrolebindings`, {
      metadata: { name: role },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
      subjects,
    });
  }
  for (const grant of options.roles ?? []) {
    await create(`${rbac}/namespaces/${grant.namespace}/roles`, { metadata: { name: role }, rules: grant.rules });
    await create(`${rbac}/namespaces/${grant.namespace}/rolebindings`, {
      metadata: { name: role },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role },
      subjects,
    });
  }
  const { status } = await admin.request<{ status: { token: string } }>({
    method: 'POST',
    path: `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`,
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 7200 } },
  });
  const kubeconfig = await kubeconfigFor(kubeconfigPath, { token: status.token });
  return {
    kubeconfig,
    token: status.token,
    namespace,
    role,
    cleanup: async () => {
      for (const step of undo) await step().catch(() => undefined);
    },
  };
}

/** A single-file kubeconfig for the test bed's API server (CA inlined) with the given user entry. */
export async function kubeconfigFor(kubeconfigPath: string, user: Record<string, unknown>): Promise<string> {
  const cluster = (
    await loadKubeConfig({
      path: kubeconfigPath,
      registerSecret: () => undefined,
    })
  ).kubeConfig.getCurrentCluster();
  const ca = cluster?.caData ?? (cluster?.caFile ? readFileSync(cluster.caFile).toString('base64') : undefined);
  return dump(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'c',
          cluster: {
            server: cluster?.server,
            ...(ca ? { 'certificate-authority-data': ca } : { 'insecure-skip-tls-verify': true }),
          },
        },
      ],
      users: [{ name: 'u', user }],
      contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'ctx',
    },
    { lineWidth: -1 },
  );
}
