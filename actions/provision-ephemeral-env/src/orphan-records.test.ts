import { describe, expect, it } from 'vitest';
import type { RecordObject } from './creation-records.js';
import { PENDING_GRACE_MS, isOrphan } from './orphan-records.js';

const now = Date.parse('2026-12-04T12:00:00Z');
const record = (uid: string | undefined, ageMs = 0): RecordObject => ({
  metadata: { name: 'gauntlet-env-pr-a-1', creationTimestamp: new Date(now - ageMs).toISOString() },
  data: { namespace: 'pr-a-1', ...(uid ? { uid } : {}) },
});
const ns = (uid: string) => ({ metadata: { name: 'pr-a-1', uid } });

describe('isOrphan', () => {
  it('a record of a uid is orphaned when its namespace is absent or has another uid, never while it is there', () => {
    expect(isOrphan(record('u1'), undefined, now)).toBe(true);
    expect(isOrphan(record('u1'), ns('u2'), now)).toBe(true);
    expect(isOrphan(record('u1'), ns('u1'), now)).toBe(false);
  });

  it('a pending claim is left while its namespace exists, and while it is young enough for its run to create it', () => {
    expect(isOrphan(record(undefined, PENDING_GRACE_MS * 2), ns('u1'), now)).toBe(false);
    expect(isOrphan(record(undefined, 1000), undefined, now)).toBe(false);
    expect(isOrphan(record(undefined, PENDING_GRACE_MS), undefined, now)).toBe(true);
    expect(isOrphan({ ...record(undefined), metadata: { name: 'x' } }, undefined, now)).toBe(false);
  });
});
