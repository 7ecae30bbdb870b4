import { describe, expect, it } from 'vitest';
import {
  ENVIRONMENT_NAME,
  IdentityError,
  PR_NAME_PATTERN,
  annotations,
  environmentKey,
  environmentName,
  expiresAt,
  leaseClaim,
  identityOf,
  isKept,
  labels,
  ownershipMetadata,
  repositoryHash,
  verifyOwnership,
  type EnvironmentIdentity,
} from './environment.js';
import type { KubeObject } from './client.js';

const id: EnvironmentIdentity = { repositoryId: '123456', target: { kind: 'pr', number: 42 } };

function namespaceFor(identity: EnvironmentIdentity): KubeObject {
  const meta = ownershipMetadata(identity, {
    now: Date.parse('2030-01-01T00:00:00Z'),
    ttlMs: 3_600_000,
    runId: '9',
    runAttempt: '1',
    headSha: 'a'.repeat(40),
  });
  return { kind: 'Namespace', metadata: { name: environmentName(identity), ...meta, uid: 'u1', resourceVersion: '1' } };
}

describe('environmentName', () => {
  it('is stable and matches the documented pattern', () => {
    const name = environmentName(id);
    expect(name).toBe(`pr-${repositoryHash('123456')}-42`);
    expect(name).toMatch(PR_NAME_PATTERN);
    expect(environmentName(id)).toBe(name);
    expect(environmentName({ ...id, prefix: 'preview' })).toBe(`preview-${name}`);
  });

  it('derives ref names from a hash, never from the ref text', () => {
    const name = environmentName({ repositoryId: '1', target: { kind: 'ref', ref: 'refs/heads/Feature/ABC;rm -rf' } });
    expect(name).toMatch(/^ref-[0-9a-f]{6}-[0-9a-f]{10}$/);
    expect(name).not.toMatch(/feature|abc|rm/);
  });

  it('rejects bad identities instead of producing bad names', () => {
    for (const bad of [
      { ...id, repositoryId: '' },
      { ...id, repositoryId: '0' },
      { ...id, repositoryId: '12a' },
      { ...id, target: { kind: 'pr' as const, number: 0 } },
      { ...id, target: { kind: 'pr' as const, number: 1.5 } },
      { ...id, target: { kind: 'pr' as const, number: -1 } },
      { ...id, prefix: 'Preview' },
      { ...id, prefix: 'a'.repeat(21) },
      { ...id, prefix: 'kube-system;' },
      { ...id, prefix: '-x' },
      { ...id, target: { kind: 'ref' as const, ref: '' } },
    ]) {
      expect(() => environmentName(bad)).toThrow(IdentityError);
    }
  });

  it('NS-01 (unit): 10,000 fuzzed identities give names in the pattern or an error, never anything else', () => {
    let seed = 12345;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const alphabet = [
      'a',
      'Z',
      '-',
      '/',
      ';',
      '$',
      '(',
      ')',
      ' ',
      '.',
      '\u0430',
      '\u200b',
      'é',
      '\n',
      ',',
      '0',
      '9',
      '_',
      '"',
      '`',
      'kube-system',
      'default',
    ];
    const text = (max: number): string =>
      Array.from({ length: Math.floor(random() * max) }, () => alphabet[Math.floor(random() * alphabet.length)]).join(
        '',
      );
    let produced = 0;
    for (let i = 0; i < 10_000; i++) {
      const identity: EnvironmentIdentity = {
        repositoryId: random() < 0.8 ? String(Math.floor(random() * 1e12) + 1) : text(8),
        target:
          random() < 0.6
            ? { kind: 'pr', number: random() < 0.9 ? Math.floor(random() * 1e6) : random() * 100 - 50 }
            : { kind: 'ref', ref: text(300) },
        ...(random() < 0.5 ? { prefix: random() < 0.5 ? text(25) : 'preview' } : {}),
      };
      try {
        const name = environmentName(identity);
        expect(name).toMatch(ENVIRONMENT_NAME);
        expect(name.length).toBeLessThanOrEqual(63);
        produced++;
      } catch (error) {
        expect(error).toBeInstanceOf(IdentityError);
      }
    }
    expect(produced).toBeGreaterThan(1_000);
  });
});

describe('ownership', () => {
  it('accepts its own namespace', () => {
    expect(verifyOwnership(namespaceFor(id), id)).toEqual({ ours: true });
  });

  it('refuses a namespace with copied labels but no owner annotation', () => {
    const ns = namespaceFor(id);
    delete ns.metadata!.annotations![annotations.owner];
    expect(verifyOwnership(ns, id).ours).toBe(false);
  });

  it('refuses a namespace with the owner annotation but not our labels', () => {
    const ns = namespaceFor(id);
    ns.metadata!.labels = {};
    expect(verifyOwnership(ns, id).ours).toBe(false);
  });

  it('refuses another PR and another repository', () => {
    expect(verifyOwnership(namespaceFor({ ...id, target: { kind: 'pr', number: 43 } }), id).ours).toBe(false);
    const other = namespaceFor({ ...id, repositoryId: '999' });
    other.metadata!.name = environmentName(id);
    expect(verifyOwnership(other, id).ours).toBe(false);
  });

  it('reconstructs the identity for the reaper only when both marks agree', () => {
    expect(identityOf(namespaceFor(id), '123456')).toEqual(id);
    expect(identityOf(namespaceFor({ ...id, prefix: 'pv' }), '123456')).toEqual({ ...id, prefix: 'pv' });
    const ref: EnvironmentIdentity = { repositoryId: '123456', target: { kind: 'ref', ref: 'refs/heads/main' } };
    expect(identityOf(namespaceFor(ref), '123456')).toEqual(ref);
    expect(identityOf(namespaceFor(id), '654321')).toBeUndefined();
    const renamed = namespaceFor(id);
    renamed.metadata!.name = 'pr-000000-42';
    expect(identityOf(renamed, '123456')).toBeUndefined();
    const lookalike = namespaceFor(id);
    lookalike.metadata!.annotations![annotations.owner] = '123456/pr/43';
    expect(identityOf(lookalike, '123456')).toBeUndefined();
  });

  it('keeps branch text out of labels', () => {
    const meta = ownershipMetadata(
      { repositoryId: '1', target: { kind: 'ref', ref: 'refs/heads/x;$(id)' } },
      { now: 0, ttlMs: 1 },
    );
    expect(Object.values(meta.labels).join(' ')).not.toContain('$(id)');
    expect(meta.annotations[annotations.ref]).toBe('refs/heads/x;$(id)');
    expect(environmentKey({ repositoryId: '1', target: { kind: 'ref', ref: 'x' } })).toMatch(/^1\/ref\/[0-9a-f]{16}$/);
  });

  it('reads expiry from the namespace annotation only (a lease is only a claim), and the keep marks', () => {
    const ns = namespaceFor(id);
    const base = Date.parse(ns.metadata!.annotations![annotations.expiresAt]!);
    expect(expiresAt(ns)).toBe(base);
    const forged = { spec: { renewTime: '2099-01-01T00:00:00.000000Z', leaseDurationSeconds: 60 } };
    expect(leaseClaim(forged)).toBe(Date.parse('2099-01-01T00:00:00Z') + 60_000);
    expect(leaseClaim(undefined)).toBeUndefined();
    expect(isKept(ns)).toBe(false);
    ns.metadata!.labels![labels.keep] = 'true';
    expect(isKept(ns)).toBe(true);
    ns.metadata!.labels![labels.keep] = 'false';
    ns.metadata!.annotations![annotations.keep] = 'yes';
    expect(isKept(ns)).toBe(true);
  });
});
