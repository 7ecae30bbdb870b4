import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '@gauntlet/action-kit/testing';
import { KubeClient } from './client.js';
import {
  ApplyConflictError,
  ApplyError,
  applyStack,
  mapLimit,
  quotaRejection,
  serverSideApply,
  type PlannedObject,
} from './apply.js';
import { types } from './resources.js';
import { ScriptedServer, json, status } from './testing/fake-server.js';

let server: ScriptedServer;
beforeEach(async () => {
  server = await new ScriptedServer().start();
});
afterEach(async () => {
  await server.stop();
});

const planned = (kind: keyof typeof types, name: string): PlannedObject => ({
  type: types[kind],
  name,
  namespace: 'pr-abc123-1',
  object: { apiVersion: 'v1', kind: types[kind].kind, metadata: { name, namespace: 'pr-abc123-1' } },
  source: { file: 'x.yaml', document: 0 },
});

describe('serverSideApply', () => {
  it('sends an apply patch with the field manager and no force by default (NS-08)', async () => {
    server.handle((req, res) => json(res, 200, JSON.parse(req.body)));
    const client = await KubeClient.create(server.kubeConfig(), { clock: new FakeClock() });
    await serverSideApply(client, planned('configMap', 'a'), { fieldManager: 'gauntlet-provision', force: false });
    const request = server.requests[0]!;
    expect(request.method).toBe('PATCH');
    expect(request.path).toBe('/api/v1/namespaces/pr-abc123-1/configmaps/a');
    expect(request.headers['content-type']).toBe('application/apply-patch+yaml');
    expect(request.query.get('fieldManager')).toBe('gauntlet-provision');
    expect(request.query.has('force')).toBe(false);
    await serverSideApply(client, planned('configMap', 'a'), { fieldManager: 'gauntlet-provision', force: true });
    expect(server.requests[1]?.query.get('force')).toBe('true');
    client.close();
  });

  it('names the conflicting managers and does not retry (NS-08)', async () => {
    server.handle((_req, res) =>
      json(
        res,
        409,
        status(
          409,
          'Conflict',
          'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas',
          [
            {
              reason: 'FieldManagerConflict',
              message: 'conflict with "kubectl-client-side-apply" using apps/v1',
              field: '.spec.replicas',
            },
          ],
        ),
      ),
    );
    const client = await KubeClient.create(server.kubeConfig(), { clock: new FakeClock() });
    const error = await serverSideApply(client, planned('deployment', 'api'), {
      fieldManager: 'g',
      force: false,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplyConflictError);
    expect((error as ApplyConflictError).managers).toEqual(['kubectl-client-side-apply']);
    expect((error as Error).message).toContain('.spec.replicas');
    expect(server.requests).toHaveLength(1);
    client.close();
  });

  it('fails fast on an invalid object with the field path (NS-07)', async () => {
    server.handle((_req, res) =>
      json(res, 422, status(422, 'Invalid', 'invalid', [{ field: 'spec.ports[0].port', message: 'Invalid value: 0' }])),
    );
    const client = await KubeClient.create(server.kubeConfig(), { clock: new FakeClock() });
    const error = await serverSideApply(client, planned('service', 's'), { fieldManager: 'g', force: false }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ApplyError);
    expect((error as Error).message).toContain('spec.ports[0].port');
    expect(server.requests).toHaveLength(1);
    client.close();
  });
});

describe('applyStack', () => {
  it('applies by kind in install order: prerequisites, then Services, then workloads', async () => {
    server.handle((req, res) => json(res, 200, JSON.parse(req.body)));
    const client = await KubeClient.create(server.kubeConfig(), { clock: new FakeClock() });
    await applyStack(
      client,
      [
        planned('deployment', 'api'),
        planned('serviceAccount', 'sa'),
        planned('service', 'api'),
        planned('configMap', 'cfg'),
      ],
      { fieldManager: 'g', force: false, concurrency: 1 },
    );
    expect(server.requests.map((r) => r.path.split('/').slice(-2)[0])).toEqual([
      'serviceaccounts',
      'configmaps',
      'services',
      'deployments',
    ]);
    client.close();
  });
});

describe('mapLimit', () => {
  it('keeps at most `limit` in flight and preserves order', async () => {
    let active = 0;
    let peak = 0;
    const result = await mapLimit([1, 2, 3, 4, 5, 6], 2, async (n) => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 5));
      active--;
      return n * 2;
    });
    expect(result).toEqual([2, 4, 6, 8, 10, 12]);
    expect(peak).toBe(2);
  });
});

describe('quotaRejection', () => {
  it('reads the API server message and names only the limits the request exceeds', () => {
    const rejection = quotaRejection(
      'services "fe" is forbidden: exceeded quota: gauntlet-quota, requested: services.loadbalancers=1,services.nodeports=1, used: services.loadbalancers=0,services.nodeports=0, limited: services.loadbalancers=0,services.nodeports=0',
    );
    expect(rejection).toMatchObject({
      quota: 'gauntlet-quota',
      exceeded: 'services.loadbalancers=0, services.nodeports=0',
    });
    expect(
      quotaRejection(
        'pods "a" is forbidden: exceeded quota: q, requested: limits.cpu=500m,pods=1, used: limits.cpu=1,pods=1, limited: limits.cpu=4,pods=1',
      )?.exceeded,
    ).toBe('pods=1');
  });
  it('is undefined for other 403s', () => {
    expect(quotaRejection('deployments.apps is forbidden: User "x" cannot patch resource')).toBeUndefined();
  });
});
