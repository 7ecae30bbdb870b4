/** NS-14 (unit): the reaper's decision over randomized inventories of several hundred namespaces. */
import { seededRandom } from '@gauntlet/action-kit';
import { describe, expect, it } from 'vitest';
import { annotations, environmentName, labels, ownershipMetadata, type KubeObject } from '@gauntlet/kube';
import { type RecordObject, recordName } from './creation-records.js';
import { decideReap } from './reap.js';

const rng = seededRandom;

describe('decideReap', () => {
  it.each([1, 2, 3, 4, 5])('deletes exactly ours-and-due over a random inventory of 400 (seed %i)', (seed) => {
    const random = rng(seed);
    const now = Date.parse('2030-06-01T00:00:00Z');
    const repositoryId = '4242';
    const namespaces: KubeObject[] = [];
    const leases: KubeObject[] = [];
    const pulls = new Map<number, 'open' | 'closed'>();
    const want = new Set<string>();
    const unproven = new Set<string>();
    const records = new Map<string, RecordObject>();
    for (let n = 1; n <= 400; n++) {
      const identity = { repositoryId, target: { kind: 'pr' as const, number: n } };
      const expired = random() < 0.5;
      const meta = ownershipMetadata(identity, { now: expired ? now - 5 * 86_400_000 : now, ttlMs: 86_400_000 });
      const name = environmentName(identity);
      const roll = random();
      const closed = random() < 0.3;
      pulls.set(n, closed ? 'closed' : 'open');
      if (roll < 0.5) {
        const kept = random() < 0.15;
        const renewed = expired && random() < 0.2;
        const terminating = random() < 0.05;
        if (kept) meta.labels[labels.keep] = 'true';
        const uid = `uid-${n}`;
        namespaces.push({ metadata: { name, uid, ...meta, ...(terminating ? { deletionTimestamp: 'x' } : {}) } });
        // Most have our record of their uid; some none (copied marks), some the record of an earlier namespace.
        const proof = random();
        const proven = proof < 0.8;
        if (proof < 0.9)
          records.set(recordName(name), {
            metadata: { name: recordName(name) },
            data: { namespace: name, 'repository-id': repositoryId, run: '1-1', uid: proven ? uid : `uid-old-${n}` },
          });
        if (renewed)
          leases.push({
            metadata: { name: 'gauntlet-environment', namespace: name },
            spec: { renewTime: new Date(now).toISOString(), leaseDurationSeconds: 3600 },
          });
        // A lease's renewal is only a claim (the stack can write the lease): expiry is the namespace's.
        if (!kept && !terminating && (expired || closed)) (proven ? want : unproven).add(name);
      } else if (roll < 0.65) {
        namespaces.push({ metadata: { name, labels: meta.labels } }); // copied labels only
      } else if (roll < 0.8) {
        meta.annotations[annotations.repositoryId] = '999';
        namespaces.push({ metadata: { name, ...meta } });
      } else if (roll < 0.9) {
        meta.annotations[annotations.owner] = `${repositoryId}/pr/${n + 1}`;
        namespaces.push({ metadata: { name, ...meta } });
      } else {
        namespaces.push({
          metadata: {
            name: roll < 0.95 ? 'kube-system' : `other-${n}`,
            labels: meta.labels,
            annotations: meta.annotations,
          },
        });
      }
    }
    const rows = decideReap({ namespaces, leases, repositoryId, pulls, now, records, recordsNamespace: 'gs' });
    const due = new Set(rows.filter((r) => r.decision === 'would delete').map((r) => r.namespace));
    // Due but not proven ours: reported, never deleted.
    expect(new Set(rows.filter((r) => r.decision === 'unproven').map((r) => r.namespace))).toEqual(unproven);
    expect(unproven.size).toBeGreaterThan(3);
    for (const lease of leases) {
      const row = rows.find((r) => r.namespace === lease.metadata?.namespace);
      if (row?.decision === 'would delete' && row.reason.startsWith('expired'))
        expect(row.reason).toMatch(/its lease claims .*, ignored/);
    }
    expect([...due].filter((n) => !want.has(n))).toEqual([]);
    expect([...want].filter((n) => !due.has(n))).toEqual([]);
    expect(want.size).toBeGreaterThan(20);
  });

  it('keeps environments whose pull request state is unknown until they expire', () => {
    const identity = { repositoryId: '1', target: { kind: 'pr' as const, number: 5 } };
    const ns = {
      metadata: {
        name: environmentName(identity),
        ...ownershipMetadata(identity, { now: Date.now(), ttlMs: 86_400_000 }),
      },
    };
    expect(
      decideReap({
        namespaces: [ns],
        leases: [],
        repositoryId: '1',
        pulls: new Map(),
        now: Date.now(),
        records: new Map(),
        recordsNamespace: 'gs',
      })[0]?.decision,
    ).toBe('live');
  });

  it('deletes nothing when the creation records could not be listed, and says why', () => {
    const identity = { repositoryId: '1', target: { kind: 'pr' as const, number: 5 } };
    const ns = {
      metadata: {
        name: environmentName(identity),
        uid: 'u',
        ...ownershipMetadata(identity, { now: Date.now() - 5 * 86_400_000, ttlMs: 86_400_000 }),
      },
    };
    const [row] = decideReap({
      namespaces: [ns],
      leases: [],
      repositoryId: '1',
      pulls: new Map(),
      now: Date.now(),
      records: undefined,
      recordsNamespace: 'gs',
    });
    expect(row).toMatchObject({ decision: 'unproven' });
    expect(row?.reason).toContain('the creation records could not be listed');
  });
});
