import { describe, expect, it } from 'vitest';
import { foreignSpecFields, ownedPaths, sameJson } from './guardrail-assert.js';
import { GUARDRAIL_FIELD_MANAGER } from './constants.js';

const ours = {
  manager: GUARDRAIL_FIELD_MANAGER,
  operation: 'Apply',
  fieldsV1: { 'f:metadata': { 'f:labels': { 'f:a': {} } }, 'f:spec': { 'f:podSelector': {}, 'f:policyTypes': {} } },
};

describe('guardrail ownership', () => {
  it('lists the owned paths of a FieldsV1 set', () => {
    expect(ownedPaths({ 'f:spec': { 'f:hard': { 'f:pods': {}, '.': {} } } })).toEqual([
      '/f:spec/f:hard',
      '/f:spec/f:hard/f:pods',
    ]);
  });

  it('finds spec fields added by another manager, not shared ones, status, or our own', () => {
    const object = {
      metadata: {
        managedFields: [
          ours,
          // The old stack manager shares our fields with the same values: not tampering.
          { manager: 'gauntlet-provision', operation: 'Apply', fieldsV1: { 'f:spec': { 'f:podSelector': {} } } },
          // A controller writing status.
          {
            manager: 'kube-controller-manager',
            operation: 'Update',
            subresource: 'status',
            fieldsV1: { 'f:status': { 'f:used': {} } },
          },
          // Someone adding an allow-all rule.
          { manager: 'kubectl-edit', operation: 'Update', fieldsV1: { 'f:spec': { 'f:ingress': {} } } },
        ],
      },
    };
    expect(foreignSpecFields(object)).toEqual([{ manager: 'kubectl-edit (Update)', field: 'spec.ingress' }]);
    expect(foreignSpecFields({ metadata: { managedFields: [ours] } })).toEqual([]);
    // A field set by an update of our own manager name is still not our apply: it is reported.
    expect(
      foreignSpecFields({
        metadata: {
          managedFields: [
            ours,
            { manager: GUARDRAIL_FIELD_MANAGER, operation: 'Update', fieldsV1: { 'f:spec': { 'f:egress': {} } } },
          ],
        },
      }),
    ).toEqual([{ manager: `${GUARDRAIL_FIELD_MANAGER} (Update)`, field: 'spec.egress' }]);
  });

  it('compares JSON values deeply, whatever the key order', () => {
    expect(sameJson({ a: [1, { b: 2, c: 3 }] }, { a: [1, { c: 3, b: 2 }] })).toBe(true);
    expect(sameJson({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(sameJson({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(sameJson({ hard: { pods: '60' } }, { hard: { pods: '100000' } })).toBe(false);
  });
});
