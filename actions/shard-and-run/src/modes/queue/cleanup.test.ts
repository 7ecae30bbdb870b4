import { RecordingLogger } from '@gauntlet/action-kit/testing';
import { KubeApiError, type KubeList, type KubeObject, type KubeRequest } from '@gauntlet/kube';
import { createQueueState } from '@gauntlet/sharding';
import { describe, expect, it } from 'vitest';
import {
  LEASE_SKEW_MS,
  cleanUpQueues,
  decideQueue,
  queueAttempt,
  queueSelector,
  type WorkerReports,
} from './cleanup.js';
import { ConfigMapQueueStore, QUEUE_TTL_MS, QueueAnnotations, queueMetadata, queueName } from './configmap-store.js';
import type { RunIdentity } from '../../run-identity.js';

const NOW = Date.parse('2026-11-24T12:00:00.000Z');
const RUN: RunIdentity = { repository: 'o/r', runId: 42, runAttempt: 2, planId: '0123456789abcdef' };

/** A queue ConfigMap as a worker of `attempt` writes it, with a state whose leases are given. */
function queue(attempt = RUN.runAttempt, leases: { worker: string; expiresAt: number }[] = []): KubeObject {
  const identity = { ...RUN, runAttempt: attempt };
  const state = {
    ...createQueueState(RUN.planId, [5, 5, 5], 3),
    pending: [],
    leases: leases.map((l, i) => ({ id: i + 1, items: [i], claimedAt: NOW - 1000, ...l })),
  };
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: queueName(identity),
      namespace: 'ci',
      uid: `uid-${attempt}`,
      resourceVersion: `${100 + attempt}`,
      ...queueMetadata(identity, NOW - 60_000),
    },
    data: { 'state.json': JSON.stringify(state) },
  };
}

function reports(total: number, reported: number[], thisAttempt = reported): WorkerReports {
  return { total, reported: new Set(reported), reportedThisAttempt: new Set(thisAttempt) };
}

const ALL = reports(3, [1, 2, 3]);

/** Deep copy with one change. */
function edit(cm: KubeObject, change: (cm: KubeObject) => void): KubeObject {
  const copy = structuredClone(cm);
  change(copy);
  return copy;
}

describe('queue metadata', () => {
  it('labels what the clean-up selects by and annotates owner, created-at and a sliding expires-at', () => {
    const meta = queueMetadata(RUN, NOW);
    expect(meta.labels).toEqual({
      'gauntlet.dev/managed-by': 'shard-and-run',
      'gauntlet.dev/component': 'queue',
      'gauntlet.dev/run-id': '42',
      'gauntlet.dev/run-attempt': '2',
      'gauntlet.dev/plan': RUN.planId,
    });
    expect(meta.annotations).toEqual({
      'gauntlet.dev/owner': 'o/r/runs/42/attempts/2/plans/0123456789abcdef',
      'gauntlet.dev/repository': 'o/r',
      'gauntlet.dev/created-at': '2026-11-24T12:00:00.000Z',
      'gauntlet.dev/expires-at': '2026-11-25T12:00:00.000Z',
      'gauntlet.dev/ttl-seconds': String(QUEUE_TTL_MS / 1000),
    });
    // A later write keeps created-at and moves expires-at; a made-up created-at is not carried over.
    const later = queueMetadata(RUN, NOW + 3_600_000, '2026-11-24T12:00:00.000Z').annotations;
    expect(later['gauntlet.dev/created-at']).toBe('2026-11-24T12:00:00.000Z');
    expect(later['gauntlet.dev/expires-at']).toBe('2026-11-25T13:00:00.000Z');
    expect(queueMetadata(RUN, NOW, 'yesterday').annotations['gauntlet.dev/created-at']).toBe(
      '2026-11-24T12:00:00.000Z',
    );
  });

  it('every write of the store stamps it, and replaces keep the first created-at', async () => {
    const bodies: KubeObject[] = [];
    let stored: KubeObject | undefined;
    let clock = NOW;
    const api = {
      getOptional: async () => stored,
      request: async (req: KubeRequest) => {
        const body = req.body as KubeObject;
        bodies.push(body);
        stored = { ...body, metadata: { ...body.metadata, resourceVersion: String(bodies.length) } };
        return stored;
      },
    };
    const store = new ConfigMapQueueStore(api as never, 'ci', RUN, () => clock);
    const state = createQueueState(RUN.planId, [1, 2], 2);
    expect(await store.compareAndSwap(state, '')).toBe(true);
    clock += 600_000;
    const { version } = await store.read();
    expect(await store.compareAndSwap(state, version)).toBe(true);
    expect(bodies.map((b) => b.metadata?.name)).toEqual([queueName(RUN), queueName(RUN)]);
    expect(bodies[0]!.metadata!.labels).toEqual(queueMetadata(RUN, NOW).labels);
    expect(bodies[1]!.metadata!.annotations!['gauntlet.dev/created-at']).toBe('2026-11-24T12:00:00.000Z');
    expect(bodies[1]!.metadata!.annotations!['gauntlet.dev/expires-at']).toBe('2026-11-25T12:10:00.000Z');
    expect(bodies[1]!.metadata!.resourceVersion).toBe('1');
  });
});

describe('which queue is ours', () => {
  it('selects by managed-by, component, run id and plan', () => {
    expect(queueSelector(RUN)).toBe(
      'gauntlet.dev/managed-by=shard-and-run,gauntlet.dev/component=queue,gauntlet.dev/run-id=42,gauntlet.dev/plan=0123456789abcdef',
    );
  });

  it('accepts this run’s queue of any attempt', () => {
    expect(queueAttempt(queue(), RUN)).toEqual({ attempt: 2 });
    expect(queueAttempt(queue(1), RUN)).toEqual({ attempt: 1 });
  });

  const label = (key: string, value: string | undefined) =>
    edit(queue(), (cm) => {
      if (value === undefined) delete cm.metadata!.labels![key];
      else cm.metadata!.labels![key] = value;
    });
  const annotation = (key: string, value: string | undefined) =>
    edit(queue(), (cm) => {
      if (value === undefined) delete cm.metadata!.annotations![key];
      else cm.metadata!.annotations![key] = value;
    });

  it.each([
    ['another manager', label('gauntlet.dev/managed-by', 'someone-else')],
    ['no component', label('gauntlet.dev/component', undefined)],
    ['the backend’s root ConfigMap', label('gauntlet.dev/component', 'shards')],
    ['another run id', label('gauntlet.dev/run-id', '43')],
    ['another plan label', label('gauntlet.dev/plan', 'fedcba9876543210')],
    ['no attempt label', label('gauntlet.dev/run-attempt', undefined)],
    ['a non-numeric attempt', label('gauntlet.dev/run-attempt', '2a')],
    ['an attempt that does not match the name', label('gauntlet.dev/run-attempt', '3')],
    ['a look-alike name', edit(queue(), (cm) => (cm.metadata!.name = 'gauntlet-queue-0000000000'))],
    ['no owner annotation', annotation('gauntlet.dev/owner', undefined)],
    ['another owner', annotation('gauntlet.dev/owner', 'x/y/runs/42/attempts/2/plans/0123456789abcdef')],
    ['another repository', annotation('gauntlet.dev/repository', 'o/other')],
    ['no uid', edit(queue(), (cm) => delete cm.metadata!.uid)],
    [
      'state of another plan',
      edit(queue(), (cm) => {
        cm['data'] = { 'state.json': JSON.stringify(createQueueState('fedcba9876543210', [1], 1)) };
      }),
    ],
  ])('is foreign with %s, and never deleted', (_what, cm) => {
    expect(queueAttempt(cm, RUN)).toHaveProperty('reason');
    expect(decideQueue(cm, RUN, ALL, NOW).action).toBe('foreign');
  });

  it('is foreign for another repository even with the same labels (the name hashes the repository)', () => {
    expect(decideQueue(queue(), { ...RUN, repository: 'o/fork' }, ALL, NOW).action).toBe('foreign');
  });
});

describe('when a queue may be deleted', () => {
  it('deletes the current attempt’s queue once every worker of it sent a result', () => {
    expect(decideQueue(queue(), RUN, ALL, NOW)).toEqual({ action: 'delete', reason: 'every worker has finished' });
  });

  it('deletes queues of earlier attempts whatever the results say', () => {
    expect(decideQueue(queue(1), RUN, undefined, NOW).action).toBe('delete');
    expect(decideQueue(queue(1, [{ worker: 'worker-1', expiresAt: NOW + 600_000 }]), RUN, ALL, NOW).action).toBe(
      'delete',
    );
  });

  it('keeps it while a worker may still start: no result from that worker, or no results at all', () => {
    const missing = decideQueue(queue(), RUN, reports(3, [1, 3]), NOW);
    expect(missing.action).toBe('keep');
    expect(missing.reason).toMatch(/worker\(s\) 2 sent no result/);
    expect(decideQueue(queue(), RUN, undefined, NOW).action).toBe('keep');
    expect(decideQueue(queue(), RUN, reports(3, []), NOW).action).toBe('keep');
  });

  it('a worker that finished only in an earlier attempt counts (re-run failed jobs), unless it holds a live lease', () => {
    const rerun = reports(3, [1, 2, 3], [2]);
    expect(decideQueue(queue(), RUN, rerun, NOW).action).toBe('delete');
    const live = decideQueue(queue(2, [{ worker: 'worker-3', expiresAt: NOW + 10_000 }]), RUN, rerun, NOW);
    expect(live.action).toBe('keep');
    expect(live.reason).toMatch(/worker\(s\) 3 still hold a live lease/);
  });

  it('a lease of a worker that reported (cancelled) or that expired beyond the clock skew does not hold it', () => {
    expect(decideQueue(queue(2, [{ worker: 'worker-3', expiresAt: NOW + 600_000 }]), RUN, ALL, NOW).action).toBe(
      'delete',
    );
    const rerun = reports(3, [1, 2, 3], [2]);
    const expired = queue(2, [{ worker: 'worker-3', expiresAt: NOW - LEASE_SKEW_MS - 1 }]);
    expect(decideQueue(expired, RUN, rerun, NOW).action).toBe('delete');
    const justExpired = queue(2, [{ worker: 'worker-3', expiresAt: NOW - LEASE_SKEW_MS + 1_000 }]);
    expect(decideQueue(justExpired, RUN, rerun, NOW).action).toBe('keep');
    const oddHolder = queue(2, [{ worker: 'somebody', expiresAt: NOW + 10_000 }]);
    expect(decideQueue(oddHolder, RUN, rerun, NOW).action).toBe('keep');
  });

  it('an unreadable state is deleted only when every worker of this attempt reported', () => {
    const broken = edit(queue(), (cm) => (cm['data'] = { 'state.json': '{nope' }));
    expect(decideQueue(broken, RUN, ALL, NOW).action).toBe('delete');
    expect(decideQueue(broken, RUN, reports(3, [1, 2, 3], [1]), NOW).action).toBe('keep');
  });

  it('honours gauntlet.dev/keep, a later attempt and an object already being deleted', () => {
    const kept = edit(queue(), (cm) => (cm.metadata!.annotations!['gauntlet.dev/keep'] = 'true'));
    expect(decideQueue(kept, RUN, ALL, NOW).action).toBe('keep');
    expect(decideQueue(queue(3), RUN, ALL, NOW).action).toBe('keep');
    const terminating = edit(queue(), (cm) => (cm.metadata!.deletionTimestamp = '2026-11-24T11:00:00Z'));
    expect(decideQueue(terminating, RUN, ALL, NOW).action).toBe('gone');
  });

  // Rule 4: never delete what we did not create. Random look-alikes (one mark changed) are never deleted.
  it('never deletes a look-alike: 2,000 random single-field mutations (seed 7)', () => {
    let seed = 7;
    const rand = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
    const keys = [
      ['labels', 'gauntlet.dev/managed-by'],
      ['labels', 'gauntlet.dev/component'],
      ['labels', 'gauntlet.dev/run-id'],
      ['labels', 'gauntlet.dev/run-attempt'],
      ['labels', 'gauntlet.dev/plan'],
      ['annotations', 'gauntlet.dev/owner'],
      ['annotations', 'gauntlet.dev/repository'],
      ['name', ''],
    ] as const;
    const values = ['', 'x', '1', '3', '42 ', 'shard-and-run-x', 'o/r/', 'gauntlet-queue-0123456789', RUN.planId];
    let deleted = 0;
    for (let i = 0; i < 2_000; i++) {
      const [where, key] = pick(keys);
      const value = pick(values);
      const cm = edit(queue(pick([1, 2])), (c) => {
        if (where === 'name') c.metadata!.name = value;
        else if (rand() < 0.2) delete c.metadata![where]![key];
        else c.metadata![where]![key] = value;
      });
      const original = queue(Number(cm.metadata!.labels?.['gauntlet.dev/run-attempt']) === 1 ? 1 : 2);
      const unchanged = JSON.stringify(cm.metadata) === JSON.stringify(original.metadata);
      if (!unchanged && decideQueue(cm, RUN, ALL, NOW).action === 'delete') deleted++;
    }
    expect(deleted).toBe(0);
  });
});

/** A namespace of ConfigMaps behind list and delete, with the API server's selector and precondition rules. */
class FakeConfigMaps {
  readonly requests: KubeRequest[] = [];
  readonly objects = new Map<string, KubeObject>();
  failDelete?: number;

  constructor(objects: KubeObject[]) {
    for (const o of objects) this.objects.set(o.metadata!.name!, o);
  }

  async list(path: string, query: KubeRequest['query'] = {}): Promise<KubeList> {
    this.requests.push({ method: 'GET', path, query });
    const requirements = String(query['labelSelector']).split(',');
    return {
      items: [...this.objects.values()].filter((o) =>
        requirements.every((r) => {
          const [k, v] = r.split('=');
          return o.metadata?.labels?.[k!] === v;
        }),
      ),
    };
  }

  async request(req: KubeRequest): Promise<unknown> {
    this.requests.push(req);
    if (req.method !== 'DELETE') throw new Error('unexpected request');
    const name = req.path.split('/').pop()!;
    const current = this.objects.get(name);
    if (this.failDelete) throw new KubeApiError('DELETE', req.path, this.failDelete, { reason: 'Forbidden' });
    if (!current) throw new KubeApiError('DELETE', req.path, 404, { reason: 'NotFound' });
    const pre = (req.body as { preconditions: { uid: string; resourceVersion?: string } }).preconditions;
    if (pre.uid !== current.metadata?.uid || pre.resourceVersion !== current.metadata?.resourceVersion)
      throw new KubeApiError('DELETE', req.path, 409, { reason: 'Conflict' });
    this.objects.delete(name);
    return {};
  }
}

describe('cleanUpQueues', () => {
  const options = (logger: RecordingLogger, workers: WorkerReports | undefined = ALL) => ({
    namespace: 'ci',
    run: RUN,
    workers,
    logger,
    now: () => NOW,
  });

  it('deletes this run’s queues with uid and resourceVersion preconditions, and leaves everything else', async () => {
    const foreign = edit(queue(), (cm) => {
      cm.metadata!.name = 'gauntlet-queue-aaaaaaaaaa';
      cm.metadata!.uid = 'someone-else';
    });
    const otherPlan = edit(queue(), (cm) => {
      cm.metadata!.name = 'gauntlet-queue-bbbbbbbbbb';
      cm.metadata!.labels!['gauntlet.dev/plan'] = 'fedcba9876543210';
    });
    const api = new FakeConfigMaps([queue(1), queue(2), foreign, otherPlan]);
    const logger = new RecordingLogger();
    const out = await cleanUpQueues(api, options(logger));
    expect(out).toEqual({
      deleted: [queueName({ ...RUN, runAttempt: 1 }), queueName(RUN)],
      kept: [],
      foreign: ['gauntlet-queue-aaaaaaaaaa'],
      failed: [],
    });
    expect([...api.objects.keys()].sort()).toEqual(['gauntlet-queue-aaaaaaaaaa', 'gauntlet-queue-bbbbbbbbbb']);
    const deletes = api.requests.filter((r) => r.method === 'DELETE');
    expect(deletes).toHaveLength(2);
    expect(deletes[1]!.body).toEqual({
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      preconditions: { uid: 'uid-2', resourceVersion: '102' },
    });
    expect(api.requests[0]!.path).toBe('/api/v1/namespaces/ci/configmaps');
    expect(logger.messages('warning').join('\n')).toMatch(/gauntlet-queue-aaaaaaaaaa .* is not its queue .*left alone/);
  });

  it('a queue changed since it was listed (409) is kept; already gone (404) is fine; other failures are warnings', async () => {
    const cm = queue();
    const api = new FakeConfigMaps([cm]);
    // A worker writes between the list and the delete.
    const stale = {
      list: api.list.bind(api),
      request: async (req: KubeRequest) => {
        api.objects.set(
          cm.metadata!.name!,
          edit(cm, (c) => (c.metadata!.resourceVersion = '999')),
        );
        return api.request(req);
      },
    };
    const logger = new RecordingLogger();
    expect((await cleanUpQueues(stale, options(logger))).kept).toEqual([cm.metadata!.name]);
    expect(api.objects.has(cm.metadata!.name!)).toBe(true);
    expect(logger.messages('warning').join('\n')).toMatch(/changed after it was checked/);

    const gone = new FakeConfigMaps([cm]);
    const goneApi = {
      list: gone.list.bind(gone),
      request: async (req: KubeRequest) => {
        gone.objects.clear();
        return gone.request(req);
      },
    };
    expect((await cleanUpQueues(goneApi, options(new RecordingLogger()))).deleted).toEqual([cm.metadata!.name]);

    const forbidden = new FakeConfigMaps([cm]);
    forbidden.failDelete = 403;
    const flog = new RecordingLogger();
    expect((await cleanUpQueues(forbidden, options(flog))).failed).toEqual([cm.metadata!.name]);
    expect(flog.messages('warning').join('\n')).toMatch(/could not delete .*403/);
  });

  it('keeps a queue a worker may still need, with its expiry in the warning; keep-resources deletes nothing', async () => {
    const api = new FakeConfigMaps([queue()]);
    const logger = new RecordingLogger();
    const out = await cleanUpQueues(api, options(logger, reports(3, [1, 2])));
    expect(out.kept).toEqual([queueName(RUN)]);
    expect(logger.messages('warning').join('\n')).toMatch(
      new RegExp(`worker\\(s\\) 3 sent no result.*expires at .*\\(${QueueAnnotations.expiresAt}\\)`),
    );
    const dry = await cleanUpQueues(api, { ...options(new RecordingLogger()), dryRun: true });
    expect(dry.kept).toEqual([queueName(RUN)]);
    expect(api.requests.filter((r) => r.method === 'DELETE')).toHaveLength(0);
  });

  it('a list that fails is a warning, and an empty one a note', async () => {
    const logger = new RecordingLogger();
    const broken = {
      list: async () => {
        throw new KubeApiError('GET', '/api/v1/namespaces/ci/configmaps', 403, { reason: 'Forbidden' });
      },
      request: async () => ({}),
    };
    expect(await cleanUpQueues(broken, options(logger))).toEqual({ deleted: [], kept: [], foreign: [], failed: [] });
    expect(logger.messages('warning').join('\n')).toMatch(/could not list .*403/);
    const empty = new RecordingLogger();
    await cleanUpQueues(new FakeConfigMaps([]), options(empty));
    expect(empty.messages('info').join('\n')).toMatch(/no queue of this run/);
  });
});
