import { describe, expect, it } from 'vitest';
import type { PlannedObject } from './apply.js';
import { installWaves } from './install-order.js';
import { type ResourceType, types } from './resources.js';

const planned = (type: ResourceType, name: string): PlannedObject => ({
  type,
  name,
  namespace: 'pr-abc123-1',
  object: { apiVersion: 'v1', kind: type.kind, metadata: { name } },
  source: { file: 'x.yaml', document: 0 },
});
const widget: ResourceType = {
  group: 'example.com',
  version: 'v1',
  kind: 'Widget',
  plural: 'widgets',
  namespaced: true,
};
const names = (waves: PlannedObject[][]): string[][] => waves.map((w) => w.map((p) => `${p.type.kind}/${p.name}`));

describe('installWaves', () => {
  it('puts Services after config and before every workload, one wave per kind, unknown kinds last', () => {
    const plan = [
      planned(widget, 'w'),
      planned(types.deployment, 'api'),
      planned(types.job, 'migrate'),
      planned(types.service, 'api'),
      planned(types.statefulSet, 'db'),
      planned(types.configMap, 'cfg'),
      planned(types.service, 'db'),
      planned(types.serviceAccount, 'sa'),
      planned(types.ingress, 'web'),
      planned(types.crd, 'widgets.example.com'),
    ];
    expect(names(installWaves(plan))).toEqual([
      ['ServiceAccount/sa'],
      ['ConfigMap/cfg'],
      ['CustomResourceDefinition/widgets.example.com'],
      ['Service/api', 'Service/db'],
      ['Deployment/api'],
      ['StatefulSet/db'],
      ['Job/migrate'],
      ['Ingress/web'],
      ['Widget/w'],
    ]);
  });

  it('applies early objects (seed jobs) right after the Services, ahead of the other workloads', () => {
    const plan = [
      planned(types.deployment, 'api'),
      planned(types.job, 'seed'),
      planned(types.job, 'other'),
      planned(types.service, 'db'),
      planned(types.secret, 's'),
    ];
    const waves = installWaves(plan, (p) => p.name === 'seed' || p.type.kind === 'Secret');
    expect(names(waves)).toEqual([['Secret/s'], ['Service/db'], ['Job/seed'], ['Deployment/api'], ['Job/other']]);
  });
});
