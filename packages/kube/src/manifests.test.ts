import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '@gauntlet/action-kit';
import { planStack } from './apply.js';
import { loadStack, overrideImages, parseManifests, splitImage, substituteVariables } from './manifests.js';
import { builtInType, type TypeResolver } from './resources.js';

const resolver: TypeResolver = { resolve: (apiVersion, kind) => Promise.resolve(builtInType(apiVersion, kind)) };

describe('parseManifests', () => {
  it('reads multi-document YAML, skips empty documents and flattens lists', () => {
    const objects = parseManifests(
      `---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n# nothing\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Secret, metadata: {name: b}}\n`,
      'stack.yaml',
    );
    expect(objects.map((o) => `${o.object.kind}/${o.object.metadata?.name}@${o.source.document}`)).toEqual([
      'ConfigMap/a@0',
      'Secret/b@2',
    ]);
  });

  it('refuses custom tags, generateName and non-mappings', () => {
    expect(() => parseManifests('a: !!js/function "x"', 'x.yaml')).toThrow(UserError);
    expect(() => parseManifests('apiVersion: v1\nkind: Pod\nmetadata: {generateName: x-}', 'x.yaml')).toThrow(
      /generateName/,
    );
    expect(() => parseManifests('- a\n- b', 'x.yaml')).toThrow(/mapping/);
  });
});

describe('substituteVariables', () => {
  const vars = {
    NAMESPACE: 'pr-abc123-7',
    PR_NUMBER: '7',
    REPLICAS: '3',
    DEBUG: 'true',
    EVIL: 'x\n  injected: true\nkind: Secret',
  };

  it('replaces inside strings only, so a value can never add YAML structure', () => {
    const { value } = substituteVariables(
      { metadata: { name: 'api-${PR_NUMBER}', labels: { note: '${EVIL}' } } },
      vars,
    );
    expect(value.metadata.name).toBe('api-7');
    expect(value.metadata.labels.note).toBe(vars.EVIL);
    expect(Object.keys(value.metadata.labels)).toEqual(['note']);
  });

  it('keeps escapes and unknown names, and reports the unknown ones', () => {
    const { value, unknown } = substituteVariables({ a: '$${NAMESPACE} ${NAMESPACE} ${HOME} $HOME' }, vars);
    expect(value.a).toBe('${NAMESPACE} pr-abc123-7 ${HOME} $HOME');
    expect(unknown).toEqual(['HOME']);
  });

  it('types whole-value references on request', () => {
    const { value } = substituteVariables(
      { replicas: '${REPLICAS:int}', debug: '${DEBUG:bool}', label: '${REPLICAS}' },
      vars,
    );
    expect(value).toEqual({ replicas: 3, debug: true, label: '3' });
    expect(() => substituteVariables({ r: '${PR_NUMBER:bool}' }, vars)).toThrow(UserError);
    expect(() => substituteVariables({ r: 'x ${PR_NUMBER:int}' }, vars)).toThrow(UserError);
    expect(() => substituteVariables({ replicas: '${UNSET:int}' }, vars)).toThrow(
      /\$\{UNSET:int\} needs variable UNSET, which is not set/,
    );
  });
});

describe('images', () => {
  it('splits references', () => {
    expect(splitImage('registry:5000/app:1')).toEqual({ repository: 'registry:5000/app', suffix: ':1' });
    expect(splitImage('app@sha256:abc')).toEqual({ repository: 'app', suffix: '@sha256:abc' });
    expect(splitImage('registry:5000/app')).toEqual({ repository: 'registry:5000/app', suffix: '' });
  });

  it('overrides by repository in every pod spec', () => {
    const deployment = {
      kind: 'Deployment',
      spec: {
        template: {
          spec: {
            containers: [{ image: 'ghcr.io/acme/api:latest' }, { image: 'redis:7' }],
            initContainers: [{ image: 'ghcr.io/acme/api' }],
          },
        },
      },
    };
    expect(overrideImages(deployment, { 'ghcr.io/acme/api': ':pr-7', redis: 'redis:7.2' })).toBe(3);
    expect(deployment.spec.template.spec.containers.map((c) => c.image)).toEqual([
      'ghcr.io/acme/api:pr-7',
      'redis:7.2',
    ]);
    const cron = {
      kind: 'CronJob',
      spec: { jobTemplate: { spec: { template: { spec: { containers: [{ image: 'ghcr.io/acme/api:1' }] } } } } },
    };
    expect(overrideImages(cron, { 'ghcr.io/acme/api': 'ghcr.io/acme/api@sha256:f00' })).toBe(1);
  });
});

describe('loadStack', () => {
  it('expands globs and directories, sorted, and refuses patterns that match nothing', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'stack-'));
    mkdirSync(path.join(dir, 'k8s'));
    writeFileSync(path.join(dir, 'k8s', 'b.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n');
    writeFileSync(path.join(dir, 'k8s', 'a.yml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n');
    writeFileSync(path.join(dir, 'k8s', 'notes.txt'), 'not yaml');
    expect(loadStack(['k8s/*'], dir).map((o) => o.object.metadata?.name)).toEqual(['a', 'b']);
    expect(loadStack(['k8s'], dir)).toHaveLength(2);
    expect(() => loadStack(['missing/*.yaml'], dir)).toThrow(/matches no YAML/);
  });

  /** ~500 bytes: nine levels of nine aliases, 9^9 leaves once substituteVariables copies the tree. */
  const bomb = [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata: {name: bomb}',
    'data:',
    '  a0: &a0 "lol"',
    ...Array.from({ length: 9 }, (_, i) => `  a${i + 1}: &a${i + 1} [${Array(9).fill(`*a${i}`).join(',')}]`),
  ].join('\n');

  it('refuses a nested alias bomb by its expanded size, before anything walks it', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'stack-'));
    writeFileSync(path.join(dir, 'bomb.yaml'), bomb);
    expect(() => loadStack(['bomb.yaml'], dir)).toThrow(/^bomb\.yaml: expands to more than 1000000 nodes/);
  });

  it('spends one expansion budget over all files of the stack', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'stack-'));
    // Each file alone is under the cap (9^6 = 531441 leaves), the two together are not.
    const half = bomb.split('\n').slice(0, 11).join('\n');
    writeFileSync(path.join(dir, 'a.yaml'), half);
    writeFileSync(path.join(dir, 'b.yaml'), half.replace('name: bomb', 'name: bomb2'));
    expect(() => loadStack(['a.yaml'], dir)).not.toThrow();
    expect(() => loadStack(['*.yaml'], dir)).toThrow(/^b\.yaml: expands to more than \d+ nodes/);
  });

  it('honours the deadline while reading', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'stack-'));
    writeFileSync(path.join(dir, 'a.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n');
    expect(() => loadStack(['a.yaml'], dir, { deadline: 1, now: () => 2 })).toThrow(/deadline passed/);
  });

  it('reads manifests from the workspace only: no absolute pattern, no .., no symlink out', () => {
    const top = mkdtempSync(path.join(os.tmpdir(), 'stack-'));
    const dir = path.join(top, 'ws');
    mkdirSync(path.join(top, 'outside'), { recursive: true });
    mkdirSync(dir);
    writeFileSync(path.join(top, 'outside', 'x.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n');
    symlinkSync(path.join(top, 'outside'), path.join(dir, 'linked'));
    symlinkSync(path.join(top, 'outside', 'x.yaml'), path.join(dir, 'file.yaml'));
    expect(() => loadStack([path.join(top, 'outside', 'x.yaml')], dir)).toThrow(/absolute pattern/);
    expect(() => loadStack(['../outside/*.yaml'], dir)).toThrow(/leaves the workspace/);
    expect(() => loadStack(['linked/*.yaml'], dir)).toThrow(/outside the workspace through a symbolic link/);
    expect(() => loadStack(['linked'], dir)).toThrow(/outside the workspace through a symbolic link/);
    expect(() => loadStack(['file.yaml'], dir)).toThrow(/outside the workspace through a symbolic link/);
  });
});

describe('planStack', () => {
  const obj = (kind: string, apiVersion: string, name: string, extra: Record<string, unknown> = {}) => ({
    object: { apiVersion, kind, metadata: { name, ...extra } },
    source: { file: 'x.yaml', document: 0 },
  });

  it('puts namespaced objects into the environment namespace and strips server fields', async () => {
    const plan = await planStack([obj('Deployment', 'apps/v1', 'api', { resourceVersion: '5', uid: 'x' })], resolver, {
      namespace: 'pr-abc123-1',
      allowClusterScoped: false,
    });
    expect(plan[0]?.namespace).toBe('pr-abc123-1');
    expect(plan[0]?.object.metadata).toEqual({ name: 'api', namespace: 'pr-abc123-1' });
  });

  it('refuses namespaces, foreign namespaces, cluster-scoped objects, unknown kinds and duplicates', async () => {
    const opts = { namespace: 'pr-abc123-1', allowClusterScoped: false };
    await expect(planStack([obj('Namespace', 'v1', 'x')], resolver, opts)).rejects.toThrow(/Namespace objects/);
    await expect(
      planStack([obj('ConfigMap', 'v1', 'x', { namespace: 'kube-system' })], resolver, opts),
    ).rejects.toThrow(/kube-system/);
    await expect(planStack([obj('ClusterRole', 'rbac.authorization.k8s.io/v1', 'x')], resolver, opts)).rejects.toThrow(
      /cluster-scoped/,
    );
    await expect(planStack([obj('Widget', 'example.com/v1', 'x')], resolver, opts)).rejects.toThrow(/does not serve/);
    await expect(planStack([obj('ConfigMap', 'v1', 'x'), obj('ConfigMap', 'v1', 'x')], resolver, opts)).rejects.toThrow(
      /also defined/,
    );
    await expect(planStack([obj('ConfigMap', 'v1', '../x')], resolver, opts)).rejects.toThrow(/invalid/);
    const allowed = await planStack(
      [obj('ClusterRole', 'rbac.authorization.k8s.io/v1', 'x', { namespace: 'ignored' })],
      resolver,
      { ...opts, allowClusterScoped: true },
    );
    expect(allowed[0]?.namespace).toBeUndefined();
    expect(allowed[0]?.object.metadata?.namespace).toBeUndefined();
  });
});
