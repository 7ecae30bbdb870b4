import { describe, expect, it } from 'vitest';
import { CLUSTER_OBJECTS_ANNOTATION, readClusterRecord } from './cluster-objects.js';

const withRecord = (value: string) => ({
  metadata: { name: 'pr-abcdef-1', annotations: { [CLUSTER_OBJECTS_ANNOTATION]: value } },
});

describe('readClusterRecord', () => {
  it('reads well-formed entries, with and without a uid', () => {
    const record = [
      {
        group: 'rbac.authorization.k8s.io',
        version: 'v1',
        kind: 'ClusterRole',
        plural: 'clusterroles',
        name: 'a',
        uid: '0f3c-11',
      },
      { group: '', version: 'v1', kind: 'PersistentVolume', plural: 'persistentvolumes', name: 'b' },
    ];
    expect(readClusterRecord(withRecord(JSON.stringify(record)))).toEqual(record);
  });

  it('drops entries that could not name an object of ours: bad paths, names, kinds and uids', () => {
    const good = { group: '', version: 'v1', kind: 'PersistentVolume', plural: 'persistentvolumes', name: 'ok' };
    const record = [
      { ...good, plural: '../secrets' },
      { ...good, group: 'a/b' },
      { ...good, version: '1' },
      { ...good, name: 'UPPER' },
      { ...good, name: 'a/../b' },
      { ...good, kind: 'Cluster Role' },
      { ...good, name: 7 },
      null,
      'text',
      { ...good, uid: '"; drop' },
    ];
    expect(readClusterRecord(withRecord(JSON.stringify(record)))).toEqual([good]);
  });

  it('an absent, non-JSON or non-array record is empty', () => {
    expect(readClusterRecord({ metadata: {} })).toEqual([]);
    expect(readClusterRecord(withRecord('{not json'))).toEqual([]);
    expect(readClusterRecord(withRecord('{"a":1}'))).toEqual([]);
  });
});
