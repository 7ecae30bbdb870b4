import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { RecordingLogger } from '@gauntlet/action-kit/testing';
import type { KubeObject } from '@gauntlet/kube';
import { planShards } from '@gauntlet/sharding';
import { describe, expect, it } from 'vitest';
import type { KubernetesInputs } from '../../inputs.js';
import { collectResults, podFailureReason } from './collect.js';
import { argsFile, rbacObjects, resultName, rootConfigMap, rootName, shardJob } from './manifests.js';
import { parseMetaLine, RUN_SCRIPT } from './run-script.js';
import { RESTRICTED_DEFAULT } from './security-context.js';

const identity = { repository: 'o/r', runId: 42, runAttempt: 1, planId: '0123456789abcdef' };
const kube: KubernetesInputs = {
  namespace: 'pr-7',
  image: 'node:24-alpine',
  nodeSelector: { 'gauntlet.dev/node-pool': 'spot' },
  tolerations: [{ key: 'gauntlet.dev/spot', operator: 'Exists', effect: 'NoSchedule' }],
  labels: { team: 'qa' },
  podAnnotations: { 'pod-complete.stage.kwok.x-k8s.io/delay': '2s' },
  podEnv: { CI: 'true' },
  resources: { requests: { cpu: '500m' }, limits: { memory: '1Gi' } },
  retriesPerIndex: 2,
  timeoutMs: 600_000,
  pendingTimeoutMs: 300_000,
  securityContext: RESTRICTED_DEFAULT,
  keepResources: false,
};

describe('manifests', () => {
  const root: KubeObject = {
    ...rootConfigMap(rootName(identity), 'pr-7', identity, [['node', 'a.js'], []]),
    metadata: { ...rootConfigMap(rootName(identity), 'pr-7', identity, []).metadata, uid: 'u-1' },
  };

  it('names everything from a hash of the run, never from user text', () => {
    expect(rootName(identity)).toMatch(/^gauntlet-shards-[0-9a-f]{10}$/);
    expect(rootName({ ...identity, runAttempt: 2 })).not.toBe(rootName(identity));
    expect(resultName('gauntlet-shards-0123456789', 64)).toBe('gauntlet-shards-0123456789-r64');
  });

  it('stores each shard’s command line one word per line', () => {
    const cm = rootConfigMap('gauntlet-shards-0123456789', 'pr-7', identity, [['node', '--test', 'a b.js'], []]);
    expect((cm['data'] as Record<string, string>)['args-1']).toBe('node\n--test\na b.js\n');
    expect((cm['data'] as Record<string, string>)['args-2']).toBe('');
    expect(argsFile([])).toBe('');
  });

  it('grants the pods get and patch on exactly their result ConfigMaps', () => {
    const [, role] = rbacObjects(root, 3, identity);
    expect(role!['rules']).toEqual([
      {
        apiGroups: [''],
        resources: ['configmaps'],
        resourceNames: [1, 2, 3].map((i) => resultName(root.metadata!.name!, i)),
        verbs: ['get', 'patch'],
      },
    ]);
  });

  it('renders the Indexed Job with retries per index, placement and resources', () => {
    const job = shardJob(root, identity, {
      shards: 5,
      kube: { ...kube, parallelism: 3 },
      junitPath: 'junit.xml',
      planId: identity.planId,
    });
    const spec = job['spec'] as Record<string, unknown>;
    expect(spec).toMatchObject({
      completionMode: 'Indexed',
      completions: 5,
      parallelism: 3,
      backoffLimitPerIndex: 2,
      activeDeadlineSeconds: 600,
    });
    const pod = spec['template'] as { spec: Record<string, unknown>; metadata: Record<string, unknown> };
    expect(pod.metadata).toMatchObject({
      labels: { team: 'qa', 'gauntlet.dev/managed-by': 'shard-and-run' },
      annotations: kube.podAnnotations,
    });
    expect(pod.spec).toMatchObject({
      restartPolicy: 'Never',
      serviceAccountName: root.metadata!.name,
      nodeSelector: kube.nodeSelector,
      tolerations: kube.tolerations,
    });
    const container = (pod.spec['containers'] as Record<string, unknown>[])[0]!;
    expect(container).toMatchObject({
      image: 'node:24-alpine',
      command: ['/bin/sh', '/gauntlet/run.sh'],
      resources: kube.resources,
    });
    expect(container['env']).toContainEqual({ name: 'GAUNTLET_JUNIT', value: 'junit.xml' });
    // Pod Security restricted by default: non-root, no escalation, no capabilities, RuntimeDefault seccomp.
    expect(pod.spec['securityContext']).toEqual({
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container['securityContext']).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(job.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'ConfigMap', uid: 'u-1' });
  });
});

describe('run script', () => {
  it('is valid POSIX sh', () => {
    execFileSync('sh', ['-n', '-c', RUN_SCRIPT]);
  });

  it('runs the shard’s words without a shell and writes the summary line it would store', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'runsh-'));
    await writeFile(
      path.join(dir, 'args-2'),
      `node\n-e\nrequire("fs").writeFileSync("out.txt", process.argv.slice(1).join("|"))\n$(id)\n`,
    );
    await writeFile(path.join(dir, 'run.sh'), RUN_SCRIPT);
    // No API reachable: the upload fails, and the script must then fail the pod (exit 97) although the tests passed.
    const sa = path.join(dir, 'sa');
    execFileSync('mkdir', ['-p', sa]);
    for (const f of ['token', 'ca.crt', 'namespace']) await writeFile(path.join(sa, f), 'x');
    let code = 0;
    try {
      execFileSync('sh', [path.join(dir, 'run.sh')], {
        cwd: dir,
        env: {
          PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`,
          GAUNTLET_UPLOAD_PAUSES: '0 0',
          GAUNTLET_DIR: dir,
          GAUNTLET_SA_DIR: sa,
          JOB_COMPLETION_INDEX: '1',
          GAUNTLET_POD_NAME: 'p-1',
          GAUNTLET_RESULT_PREFIX: 'r-',
          KUBERNETES_SERVICE_HOST: '127.0.0.1',
          KUBERNETES_SERVICE_PORT: '9',
        },
        stdio: 'pipe',
        timeout: 60_000,
      });
    } catch (error) {
      code = (error as { status: number }).status;
    }
    expect(code).toBe(97);
    expect(readFileSync(path.join(dir, 'out.txt'), 'utf8')).toBe('$(id)');
  }, 90_000);

  it('parses only well-formed summary lines', () => {
    expect(parseMetaLine('exit=1 start=10 end=12 junit=present')).toEqual({
      exit: 1,
      start: 10,
      end: 12,
      junit: 'present',
    });
    expect(parseMetaLine('exit=1; rm -rf / start=1 end=2 junit=present')).toBeUndefined();
  });
});

describe('collectResults', () => {
  const plan = planShards({ tests: ['a.test.mjs', 'b.test.mjs'], shards: 2 });
  const pod = (name: string, index: number, created: string, status: Record<string, unknown>): KubeObject => ({
    metadata: {
      name,
      creationTimestamp: created,
      annotations: { 'batch.kubernetes.io/job-completion-index': String(index) },
    },
    status,
  });
  const junit = (file: string, failed: boolean) =>
    gzipSync(
      `<testsuite name="${file}"><testcase name="t" file="${file}">${failed ? '<failure message="x"/>' : ''}</testcase></testsuite>`,
    ).toString('base64');
  const [f1, f2] = [plan.shards[0]!.items[0]!.file, plan.shards[1]!.items[0]!.file];

  it('makes each pod of an index one attempt, in creation order, and explains pods that stored nothing', () => {
    const pods = [
      pod('s-0-b', 0, '2026-01-01T00:00:10Z', { phase: 'Succeeded' }),
      pod('s-0-a', 0, '2026-01-01T00:00:00Z', { phase: 'Failed' }),
      pod('s-1-a', 1, '2026-01-01T00:00:00Z', {
        phase: 'Failed',
        containerStatuses: [{ name: 'tests', state: { terminated: { exitCode: 137, reason: 'OOMKilled' } } }],
      }),
    ];
    const results = new Map<number, KubeObject>([
      [
        1,
        {
          data: {
            's-0-a.meta': 'exit=1 start=1767225601 end=1767225603 junit=present',
            's-0-b.meta': 'exit=0 start=1767225611 end=1767225612 junit=present',
          },
          binaryData: { 's-0-a.junit.gz': junit(f1, true), 's-0-b.junit.gz': junit(f1, false) },
        },
      ],
    ]);
    const collected = collectResults({ plan, pods, results, cwd: '/', logger: new RecordingLogger() });
    expect(collected.map((r) => [r.meta.shard, r.meta.attempt, r.meta.status, r.meta.exitCode])).toEqual([
      [1, 1, 'completed', 1],
      [1, 2, 'completed', 0],
      [2, 1, 'error', null],
    ]);
    expect(collected[0]!.meta.durationSeconds).toBe(2);
    expect(collected[2]!.meta.message).toBe('pod failed, container OOMKilled with exit code 137; it stored no result');
    expect(f2).toBeDefined();
  });

  it('never trusts a stored JUnit that is not gzip, and gives a non-zero exit a failing verdict', () => {
    const pods = [
      pod('p', 0, '2026-01-01T00:00:00Z', { phase: 'Failed' }),
      pod('q', 1, '2026-01-01T00:00:00Z', { phase: 'Failed' }),
    ];
    const results = new Map<number, KubeObject>([
      [1, { data: { 'p.meta': 'exit=1 start=1 end=2 junit=present' }, binaryData: { 'p.junit.gz': 'bm90IGd6aXA=' } }],
      [2, { data: { 'q.meta': 'exit=2 start=1 end=2 junit=absent' } }],
    ]);
    const [p, q] = collectResults({ plan, pods, results, cwd: '/', logger: new RecordingLogger() });
    expect(p!.meta).toMatchObject({ status: 'error', message: 'its stored JUnit is not valid gzip data' });
    expect(q!.junit.suites[0]!.cases[0]!.status).toBe('failed');
  });

  it('keeps results stored by pods that are gone (deleted at the deadline), and says why the others did not run', () => {
    // Index 1: its first pod failed and is listed; the retry stored a pass and was then deleted by the Job's
    // deadline. Index 2: no pod at all. Fractional seconds from the script count as they are.
    const pods = [pod('s-0-a', 0, '2026-01-01T00:00:00Z', { phase: 'Failed' })];
    const results = new Map<number, KubeObject>([
      [
        1,
        {
          data: {
            's-0-a.meta': 'exit=1 start=1767225601 end=1767225603 junit=present',
            's-0-b.meta': 'exit=0 start=1767225611.250000000 end=1767225611.750000000 junit=present',
            'Bad Key.meta': 'exit=0 start=1 end=2 junit=absent',
          },
          binaryData: { 's-0-a.junit.gz': junit(f1, true), 's-0-b.junit.gz': junit(f1, false) },
        },
      ],
    ]);
    const cause = "the Job's deadline (kube-timeout 45m) passed before this shard finished";
    const collected = collectResults({
      plan,
      pods,
      results,
      cwd: '/',
      logger: new RecordingLogger(),
      unfinishedCause: cause,
    });
    expect(collected.map((r) => [r.meta.shard, r.meta.attempt, r.meta.status, r.meta.exitCode])).toEqual([
      [1, 1, 'completed', 1],
      [1, 2, 'completed', 0],
      [2, 1, 'error', null],
    ]);
    expect(collected[1]!.meta.durationSeconds).toBe(0.5);
    expect(collected[1]!.junit.suites[0]!.cases[0]!.status).toBe('passed');
    expect(collected[2]!.meta.message).toBe(`no pod ran: ${cause}`);
  });

  it('describes waiting containers', () => {
    expect(
      podFailureReason({
        status: {
          phase: 'Pending',
          containerStatuses: [
            { name: 'tests', state: { waiting: { reason: 'ImagePullBackOff', message: 'no such image' } } },
          ],
        },
      }),
    ).toBe('pod pending, container ImagePullBackOff, no such image; it stored no result');
  });
});
