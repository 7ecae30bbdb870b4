import { describe, expect, it } from 'vitest';
import { parseQueryTemplate, renderQueryTemplate } from './template.js';
import { escapePromqlString, quoteRegexMeta } from './promql-string.js';
import { TemplateError } from './errors.js';

const render = (q: string, vars: Record<string, string>, window?: string): string =>
  renderQueryTemplate(parseQueryTemplate(q), vars, window);

describe('escapePromqlString', () => {
  it('escapes backslash, quote, newline and controls per PromQL string rules', () => {
    expect(escapePromqlString('a"b\\c\nd\re\tf\u0001g')).toBe('a\\"b\\\\c\\nd\\re\\tf\\x01g');
    expect(escapePromqlString('$(id) `x` ünï')).toBe('$(id) `x` ünï');
  });
  it('quotes regex metacharacters so =~ matches literally', () => {
    expect(quoteRegexMeta('a.b*(c)|d')).toBe('a\\.b\\*\\(c\\)\\|d');
  });
});

describe('query templates', () => {
  it('substitutes variables only as escaped label values', () => {
    const q = render(
      'sum(rate(http_requests_total{namespace="{{namespace}}",sha="{{ sha }}"}[{{window}}]))',
      { namespace: 'pr-1"} or vector(1) #', sha: 'abc' },
      '30s',
    );
    expect(q).toBe('sum(rate(http_requests_total{namespace="pr-1\\"} or vector(1) #",sha="abc"}[30s]))');
  });
  it('keeps literal text around a variable inside the label value', () => {
    expect(render('up{job="svc-{{pr}}-x"}', { pr: '12' })).toBe('up{job="svc-12-x"}');
  });
  it('regex-quotes variables after =~ and !~', () => {
    expect(render('up{ns=~"{{ns}}|other"}', { ns: 'a.b' })).toBe('up{ns=~"a\\\\.b|other"}');
  });
  it('accepts Sloth {{.window}} only in range position', () => {
    expect(render('rate(x[{{.window}}])', {}, '5m')).toBe('rate(x[5m])');
    expect(render('max_over_time(x[{{window}}:10s])', {}, '1m')).toBe('max_over_time(x[1m:10s])');
  });
  it.each([
    ['outside a string', 'sum(x) > {{threshold}}'],
    ['as a metric name', '{{metric}}{a="b"}'],
    ['in a function string argument', 'label_replace(x, "dst", "{{ns}}", "", "")'],
    ['in a single-quoted string', "x{a='{{ns}}'}"],
    ['in a backtick string', 'x{a=`{{ns}}`}'],
    ['window in a label value', 'x{a="{{window}}"}'],
    ['window outside a range', 'x offset {{window}}'],
    ['an invalid name', 'x{a="{{ns-1}}"}'],
    ['unterminated placeholder', 'x{a="{{ns"}'],
  ])('rejects a variable %s', (_label, query) => {
    expect(() => parseQueryTemplate(query)).toThrow(TemplateError);
  });
  it('names the missing variable at render time', () => {
    expect(() => render('x{a="{{missing}}"}', {})).toThrow(/missing/);
  });
  it('leaves comments and escaped quotes in literals alone', () => {
    expect(render('x{a="q\\"{{v}}"} # {{not a var}}', { v: '1' })).toBe('x{a="q\\"1"} # {{not a var}}');
  });
  it('lists variables and window use', () => {
    const t = parseQueryTemplate('sum(rate(x{a="{{a}}",b!="{{b}}"}[{{window}}]))');
    expect(t.variables).toEqual(['a', 'b']);
    expect(t.usesWindow).toBe(true);
  });
});
