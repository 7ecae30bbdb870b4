import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { RecordingLogger } from '@gauntlet/action-kit/testing';
import type { KubeList, KubeObject, KubeRequest } from '@gauntlet/kube';
import { planShards, type JUnitReport, type Plan } from '@gauntlet/sharding';
import { describe, expect, it } from 'vitest';
import { casesOf } from '../../junit-read.js';
import { allItems, itemKeys } from '../../plan-io.js';
import type { ShardResult } from '../../results.js';
import { buildResult } from '../../shard-result.js';
import { JUNIT_KEY, PART_BYTES, QueueResultStore, recoverDeadWorkers, type BatchListApi } from './batch-results.js';
import type { RunIdentity } from '../../run-identity.js';
import { queueMetadata, queueName } from './configmap-store.js';

const files = ['a.test.ts', 'b.test.ts', 'c.test.ts', 'd.test.ts', 'e.test.ts', 'f.test.ts'];
const plan: Plan = planShards({ tests: files, shards: 3 });
const items = allItems(plan);
const identity: RunIdentity = { repository: 'o/r', runId: 42, runAttempt: 1, planId: plan.id };

function reportFor(indices: readonly number[], systemOut?: string): JUnitReport {
  return {
    suites: indices.map((i) => {
      const file = items[i]!.file;
      return {
        name: file,
        file,
        cases: [
          {
            name: 'works',
            file,
            time: 0.25,
            status: 'passed' as const,
            failures: [],
            attempts: 1,
            ...(systemOut === undefined ? {} : { systemOut }),
          },
        ],
      };
    }),
  };
}

/** This run's queue ConfigMap as a worker writes it (uid-1: the owner the store names). */
const queueObject = (): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: queueName(identity), uid: 'uid-1', ...queueMetadata(identity, Date.now()) },
  data: { 'state.json': JSON.stringify({ planId: plan.id, leases: [] }) },
});

/** An in-memory namespace: what the store writes, listed back (labels only as the selector would match them). */
class Namespace implements BatchListApi {
  readonly objects = new Map<string, KubeObject>();
  queue: KubeObject | undefined = queueObject();
  getOptional(path: string): Promise<KubeObject | undefined> {
    return Promise.resolve(path.endsWith(`/${queueName(identity)}`) ? this.queue : undefined);
  }
  request(request: KubeRequest): Promise<unknown> {
    const body = JSON.parse(JSON.stringify(request.body)) as KubeObject;
    this.objects.set(body.metadata!.name!, body);
    return Promise.resolve(body);
  }
  list(): Promise<KubeList> {
    return Promise.resolve({ items: [...this.objects.values()] } as KubeList);
  }
}

const warnings = (logger: RecordingLogger): string =>
  logger.lines
    .filter((l) => l.level === 'warning')
    .map((l) => l.message)
    .join('\n');

const owner = () => ({ name: queueName(identity), uid: 'uid-1' });

function workerResult(worker: number, indices: readonly number[]): ShardResult {
  return {
    ...buildResult({
      planId: plan.id,
      shard: worker,
      shardTotal: plan.shardCount,
      attempt: 1,
      source: 'queue',
      status: 'completed',
      exitCode: 0,
      startedMs: 0,
      finishedMs: 1,
      durationSeconds: 1,
      tests: itemKeys(indices.map((i) => items[i]!)),
      report: reportFor(indices),
    }),
    origin: `worker ${worker}`,
  };
}

async function recover(ns: Namespace, results: ShardResult[] = []) {
  const logger = new RecordingLogger();
  const out = await recoverDeadWorkers(ns, {
    namespace: 'team',
    identity,
    plan,
    results,
    cwd: '/nonexistent',
    logger,
  });
  return { out, logger };
}

describe('stored queue batches', () => {
  it('a silent worker’s stored batches become its result, each item once, none a result file covers', async () => {
    const ns = new Namespace();
    const store = new QueueResultStore(ns, 'team', identity, owner);
    await store.put({ worker: 3, lease: 1, items: [0, 1], durationMs: 500, report: reportFor([0, 1]) });
    // Lease 4: item 1 again (its first lease expired before it completed, re-claimed by the same worker) and item 2.
    await store.put({ worker: 3, lease: 4, items: [1, 2], durationMs: 500, report: reportFor([1, 2]) });
    // Item 0 was also run and reported by worker 1 (the batch ran twice): worker 1's result wins.
    const { out } = await recover(ns, [workerResult(1, [0, 3]), workerResult(2, [4, 5])]);
    expect(out).toHaveLength(1);
    const [r] = out;
    expect(r!.meta).toMatchObject({ shard: 3, source: 'queue', status: 'cancelled', attempt: 1 });
    expect(r!.meta.tests).toEqual(itemKeys([items[1]!, items[2]!]));
    expect([...casesOf(r!.junit)].map((c) => c.suite.file)).toEqual([items[1]!.file, items[2]!.file]);
    expect(r!.meta.message).toMatch(/worker 3 sent no result; 2 batches/);
    const body = [...ns.objects.values()][0]!;
    expect(body.metadata?.ownerReferences).toEqual([
      { apiVersion: 'v1', kind: 'ConfigMap', name: queueName(identity), uid: 'uid-1' },
    ]);
    expect(body.metadata?.labels?.['gauntlet.dev/component']).toBe('queue-result');
  });

  it('a worker that sent its result keeps it: its stored batches are not read', async () => {
    const ns = new Namespace();
    await new QueueResultStore(ns, 'team', identity, owner).put({
      worker: 2,
      lease: 2,
      items: [4],
      durationMs: 1,
      report: reportFor([4]),
    });
    expect((await recover(ns, [workerResult(2, [5])])).out).toEqual([]);
  });

  it('a JUnit larger than one ConfigMap is split into parts and read back whole; a missing part is never used', async () => {
    const ns = new Namespace();
    // Random output does not compress: about 2.5 parts.
    const noise = randomBytes(Math.ceil(PART_BYTES * 1.9)).toString('base64');
    await new QueueResultStore(ns, 'team', identity, owner).put({
      worker: 1,
      lease: 7,
      items: [0],
      durationMs: 1,
      report: reportFor([0], noise),
    });
    expect(ns.objects.size).toBeGreaterThan(1);
    const whole = await recover(ns);
    expect(whole.out[0]!.meta.tests).toEqual(itemKeys([items[0]!]));
    expect([...casesOf(whole.out[0]!.junit)][0]!.testCase.systemOut).toBe(noise);
    ns.objects.delete([...ns.objects.keys()].find((k) => k.endsWith('-1'))!);
    const torn = await recover(ns);
    expect(torn.out).toEqual([]);
    expect(warnings(torn.logger)).toMatch(/incomplete; not used/);
  });

  it('forged or foreign objects are skipped with a warning, never read as results', async () => {
    const forge = async (mutate: (cm: KubeObject, ns: Namespace) => void) => {
      const ns = new Namespace();
      await new QueueResultStore(ns, 'team', identity, owner).put({
        worker: 1,
        lease: 3,
        items: [0],
        durationMs: 1,
        report: reportFor([0]),
      });
      const cm = [...ns.objects.values()][0]!;
      mutate(cm, ns);
      return recover(ns);
    };
    const batchOf = (cm: KubeObject) =>
      JSON.parse((cm['data'] as Record<string, string>)['batch.json']!) as Record<string, unknown>;
    const setBatch = (cm: KubeObject, patch: Record<string, unknown>) => {
      (cm['data'] as Record<string, string>)['batch.json'] = JSON.stringify({ ...batchOf(cm), ...patch });
    };
    const cases: [string, (cm: KubeObject, ns: Namespace) => void, RegExp][] = [
      // The same name, labels and annotations, written by someone else: no ownerReference to this run's queue uid.
      ['no ownerReference', (cm) => delete cm.metadata!.ownerReferences, /not owned by this run’s queue/],
      ['another owner uid', (cm) => (cm.metadata!.ownerReferences![0]!.uid = 'uid-2'), /not owned by this run’s queue/],
      ['the queue gone', (_cm, ns) => (ns.queue = undefined), /cannot be used to prove .* \(it is not there\)/],
      [
        'a forged queue',
        (_cm, ns) => (ns.queue!.metadata!.annotations!['gauntlet.dev/owner'] = 'x'),
        /cannot be used to prove .*annotation gauntlet.dev\/owner does not match/,
      ],
      ['another run', (cm) => (cm.metadata!.labels!['gauntlet.dev/run-id'] = '43'), /another run or plan/],
      ['another attempt', (cm) => (cm.metadata!.labels!['gauntlet.dev/run-attempt'] = '2'), /another attempt/],
      ['owner annotation', (cm) => (cm.metadata!.annotations!['gauntlet.dev/owner'] = 'x/y'), /owner/],
      ['renamed', (cm) => (cm.metadata!.name = 'gauntlet-queue-0000000000-b3-0'), /its name/],
      ['another plan', (cm) => setBatch(cm, { planId: '0123456789abcdef' }), /another plan/],
      ['worker 0', (cm) => setBatch(cm, { worker: 0 }), /invalid worker/],
      ['worker beyond the plan', (cm) => setBatch(cm, { worker: 4 }), /invalid worker/],
      ['item beyond the plan', (cm) => setBatch(cm, { items: [0, 99] }), /invalid items/],
      ['fractional item', (cm) => setBatch(cm, { items: [0.5] }), /invalid items/],
      ['parts beyond the cap', (cm) => setBatch(cm, { parts: 1000 }), /invalid part/],
      ['not JSON', (cm) => ((cm['data'] as Record<string, string>)['batch.json'] = '{'), /not JSON/],
      [
        'not gzip',
        (cm) => ((cm['binaryData'] as Record<string, string>)[JUNIT_KEY] = Buffer.from('<x/>').toString('base64')),
        /not valid gzip/,
      ],
      [
        'a gzip bomb',
        (cm) =>
          ((cm['binaryData'] as Record<string, string>)[JUNIT_KEY] = gzipSync(Buffer.alloc(80 * 1024 * 1024)).toString(
            'base64',
          )),
        /larger than 64 MiB/,
      ],
      [
        'XML that is not JUnit',
        (cm) => ((cm['binaryData'] as Record<string, string>)[JUNIT_KEY] = gzipSync('<a><b>').toString('base64')),
        /unreadable/,
      ],
    ];
    for (const [what, mutate, why] of cases) {
      const { out, logger } = await forge(mutate);
      expect(out, what).toEqual([]);
      expect(warnings(logger), what).toMatch(why);
    }
  });
});
