import { describe, expect, it } from 'vitest';
import { type RecordObject, proveCreation, recordName } from './creation-records.js';

const ns = (uid: string, createdBy = '9-1', at = '2026-12-03T10:00:05Z') => ({
  metadata: { name: 'pr-abc-1', uid, creationTimestamp: at, annotations: { 'gauntlet.dev/created-by-run': createdBy } },
});
const record = (data: Record<string, string>, at = '2026-12-03T10:00:04Z'): RecordObject => ({
  metadata: { name: recordName('pr-abc-1'), creationTimestamp: at },
  data: { namespace: 'pr-abc-1', ...data },
});

describe('proveCreation', () => {
  it('proves the namespace whose uid the record holds, and no other', () => {
    expect(proveCreation(ns('u1'), record({ uid: 'u1', run: '9-1' }), 'x')).toEqual({ proven: true, pending: false });
    expect(proveCreation(ns('u2'), record({ uid: 'u1', run: '9-1' }), 'x')).toMatchObject({ proven: false });
  });

  it('refuses without a record, or a record of another name', () => {
    expect(proveCreation(ns('u1'), undefined, 'R')).toEqual({
      proven: false,
      reason: 'there is no creation record of it (R)',
    });
    expect(
      proveCreation(ns('u1'), { ...record({ uid: 'u1' }), data: { namespace: 'other', uid: 'u1' } }, 'R'),
    ).toMatchObject({
      proven: false,
    });
  });

  it('a pending record proves only the namespace its run created after the claim (a run killed before completing)', () => {
    expect(proveCreation(ns('u1'), record({ run: '9-1' }), 'x')).toEqual({ proven: true, pending: true });
    // The same second is after: both are server times at second precision.
    expect(proveCreation(ns('u1', '9-1', '2026-12-03T10:00:04Z'), record({ run: '9-1' }), 'x').proven).toBe(true);
    // Another run's namespace, or one that existed before the claim (created first, marks copied later): refused.
    expect(proveCreation(ns('u1', '8-1'), record({ run: '9-1' }), 'x').proven).toBe(false);
    expect(proveCreation(ns('u1', '9-1', '2026-12-03T09:59:00Z'), record({ run: '9-1' }), 'x').proven).toBe(false);
    expect(proveCreation(ns('u1', ''), record({ run: '' }), 'x').proven).toBe(false);
  });
});
