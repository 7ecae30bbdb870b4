/** NS-15: the selector builder refuses empty, blank and injected values before any request can be built. */
import { describe, expect, it } from 'vitest';
import { SelectorError, fieldSelector, labelSelector, labelSelectorMatches } from './selector.js';

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

describe('labelSelectorMatches', () => {
  const labels = { app: 'web', tier: 'front' };
  it('says what an empty selector means only when the caller chose', () => {
    expect(labelSelectorMatches({}, labels, { empty: 'nothing', unknownOperator: 'no-match' })).toBe(false);
    expect(labelSelectorMatches(undefined, labels, { empty: 'everything', unknownOperator: 'no-match' })).toBe(true);
  });
  it.each([
    [{ matchLabels: { app: 'web' } }, true],
    [{ matchLabels: { app: 'api' } }, false],
    [{ matchLabels: { toString: 'x' } }, false],
    [{ matchExpressions: [{ key: 'app', operator: 'In', values: ['api', 'web'] }] }, true],
    [{ matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] }, false],
    [{ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, true],
    [{ matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, true],
    [{ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, false],
    [{ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['back'] }] }, false],
  ])('%j → %s', (selector, expected) => {
    expect(labelSelectorMatches(selector, labels, { empty: 'nothing', unknownOperator: 'throw' })).toBe(expected);
  });
  it('names an operator it does not know when asked to', () => {
    const selector = { matchExpressions: [{ key: 'app', operator: 'Gt', values: ['1'] }] };
    expect(labelSelectorMatches(selector, labels, { empty: 'nothing', unknownOperator: 'no-match' })).toBe(false);
    expect(() => labelSelectorMatches(selector, labels, { empty: 'nothing', unknownOperator: 'throw' })).toThrow(
      /unsupported label selector operator "Gt"/,
    );
  });
});
