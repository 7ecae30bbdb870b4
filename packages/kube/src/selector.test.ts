/** NS-15: the selector builder refuses empty, blank and injected values before any request can be built. */
import { describe, expect, it } from 'vitest';
import { SelectorError, fieldSelector, labelSelector } from './selector.js';

describe('labelSelector', () => {
  it('builds equality and existence requirements', () => {
    expect(
      labelSelector()
        .eq('app.kubernetes.io/managed-by', 'gauntlet-provision')
        .eq('gauntlet.dev/repository', '3f9a1c')
        .toString(),
    ).toBe('app.kubernetes.io/managed-by=gauntlet-provision,gauntlet.dev/repository=3f9a1c');
    expect(labelSelector().exists('a').notExists('b').in('c', ['x', 'y']).toString()).toBe('a,!b,c in (x,y)');
  });

  it('refuses to build an empty selector', () => {
    expect(() => labelSelector().toString()).toThrow(SelectorError);
    expect(() => labelSelector().matchLabels({})).toThrow(SelectorError);
    expect(() => labelSelector().matchLabels(undefined)).toThrow(SelectorError);
  });

  const badValues: unknown[] = [
    '',
    ' ',
    ' x',
    'x ',
    'a,b',
    'a in (b),c',
    'x!=y',
    'x=y',
    'b)',
    '(b',
    'a\nb',
    '-x',
    'x-',
    'a'.repeat(64),
    undefined,
    null,
    42,
    '\u0430pp',
    '*',
    'a b',
    'x,!y',
  ];
  it.each(badValues.map((v) => [JSON.stringify(v) ?? String(v), v]))('refuses value %s', (_label, value) => {
    expect(() => labelSelector().eq('app', value as string)).toThrow(SelectorError);
    expect(() => labelSelector().in('app', [value as string])).toThrow(SelectorError);
  });

  const badKeys: unknown[] = [
    '',
    ' app',
    'app ',
    'a,b',
    'a=b',
    '!a',
    'a/b/c',
    '/a',
    'a/',
    'Example.com/a',
    'a'.repeat(64),
    undefined,
    'a in (b)',
  ];
  it.each(badKeys.map((v) => [JSON.stringify(v) ?? String(v), v]))('refuses key %s', (_label, key) => {
    expect(() => labelSelector().eq(key as string, 'v')).toThrow(SelectorError);
    expect(() => labelSelector().exists(key as string)).toThrow(SelectorError);
  });

  it('refuses an empty set', () => {
    expect(() => labelSelector().in('a', [])).toThrow(SelectorError);
  });
});

describe('fieldSelector', () => {
  it('accepts known fields with name-like values only', () => {
    expect(fieldSelector().eq('metadata.name', 'pr-abc123-1').toString()).toBe('metadata.name=pr-abc123-1');
    expect(() => fieldSelector().eq('metadata.name', '')).toThrow(SelectorError);
    expect(() => fieldSelector().eq('metadata.name', 'a,metadata.namespace=kube-system')).toThrow(SelectorError);
    expect(() => fieldSelector().eq('spec.nodeName', 'x')).toThrow(SelectorError);
    expect(() => fieldSelector().toString()).toThrow(SelectorError);
  });
});
