import { Field } from './fields.js';
import type { BurnRateTier, Comparison, EventQuery, RelativeObjective, WindowSpec } from '../model.js';
import { parseQueryTemplate, type QueryTemplate } from '../template.js';
import { TemplateError } from '../errors.js';
import { WORKBOOK_TIERS } from '../burn-rate-policy.js';

/** Parses a query template, turning a TemplateError into a definition error that names the field. */
export function templateAt(field: Field): QueryTemplate {
  const source = field.string().replace(/\{\{\s*\.window\s*\}\}/g, '{{window}}');
  try {
    return parseQueryTemplate(source);
  } catch (error) {
    if (error instanceof TemplateError) field.fail(error.message);
    throw error;
  }
}

const METRIC = /^[A-Za-z_:][A-Za-z0-9_:]*$/;

/** Strips double-quoted strings so a selector's shape can be checked without being fooled by their contents. */
function withoutStrings(source: string): string {
  return source.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');
}

/** True for `metric`, `metric{a="b"}` and `{__name__="m"}`: a bare series selector. */
export function isSeriesSelector(source: string): boolean {
  const bare = withoutStrings(source).trim();
  const match = /^([A-Za-z_:][A-Za-z0-9_:]*)?\s*(\{[^{}()[\]]*\})?$/.exec(bare);
  return Boolean(match && (match[1] || match[2]));
}

/** `sum(selector)` or `sum by (a, b) (selector)`, as OpenSLO examples write counter queries. */
const SUM_OF_SELECTOR = /^\s*sum\s*(?:(by|without)\s*\(([^)]*)\)\s*)?\(([\s\S]*)\)\s*$/;

/**
 * An event-counting query. A bare selector is a counter: we wrap it as `sum(increase(sel[{{window}}]))`. An
 * expression must contain `{{window}}` (Sloth style) and its unit is inferred: `increase(` means counts, anything
 * else per-second rates; `unit:` overrides.
 */
export function eventQueryAt(
  field: Field,
  options: { unit?: 'count' | 'rate'; byLe?: boolean; counter?: boolean } = {},
): EventQuery {
  const template = templateAt(field);
  const source = template.source;
  const by = options.byLe ? ' by (le)' : '';
  if (template.usesWindow) {
    return { template, unit: options.unit ?? (/\bincrease\s*\(/.test(source) ? 'count' : 'rate') };
  }
  if (isSeriesSelector(source)) {
    if (options.counter === false) return { template, unit: options.unit ?? 'rate' };
    return {
      template: parseQueryTemplate(`sum${by}(increase(${source}[{{window}}]))`),
      unit: 'count',
      selector: template,
    };
  }
  const sum = SUM_OF_SELECTOR.exec(source);
  if (sum && isSeriesSelector(sum[3] as string) && options.counter !== false) {
    const grouping = sum[1] ? ` ${sum[1]} (${sum[2]})` : by;
    const inner = (sum[3] as string).trim();
    return {
      ...(grouping === '' ? { selector: parseQueryTemplate(inner) } : {}),
      template: parseQueryTemplate(`sum${grouping}(increase(${(sum[3] as string).trim()}[{{window}}]))`),
      unit: 'count',
    };
  }
  if (options.counter === false) return { template, unit: options.unit ?? 'rate' };
  return field.fail(
    'expected a counter selector such as http_requests_total{code!~"5.."} or an expression with a {{window}} ' +
      'range such as sum(rate(http_requests_total[{{window}}]))',
  );
}

/** Histogram bucket query: a selector (the `_bucket` suffix is added when missing) or an expression by `le`. */
export function histogramQueryAt(field: Field): EventQuery {
  const source = field.string();
  if (!source.includes('{{') || !/\{\{\s*\.?window\s*\}\}/.test(source)) {
    const bare = withoutStrings(source).trim();
    const name = /^([A-Za-z_:][A-Za-z0-9_:]*)/.exec(bare)?.[1];
    if (name && METRIC.test(name) && isSeriesSelector(source) && !name.endsWith('_bucket')) {
      const fixed = source.replace(name, `${name}_bucket`);
      return eventQueryAt(new Field(field.origin, field.path, fixed), { byLe: true });
    }
  }
  return eventQueryAt(field, { byLe: true });
}

export function windowAt(field: Field): WindowSpec {
  if (typeof field.value === 'string' && /^since[-_ ]?start$/i.test(field.value.trim())) return { kind: 'since-start' };
  return { kind: 'duration', ms: field.durationMs() };
}

const COMPARISONS: Record<string, Comparison> = {
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
  lt: '<',
  lte: '<=',
  gt: '>',
  gte: '>=',
};

export function comparisonAt(field: Field): Comparison {
  const op = COMPARISONS[field.string().toLowerCase()];
  if (!op) field.fail(`expected one of <, <=, >, >= (or lt, lte, gt, gte), got '${String(field.value)}'`);
  return op;
}

/** `burnRate: false | true | default | [{factor, long, short, severity}]`. */
export function burnRateAt(field: Field): false | readonly BurnRateTier[] | undefined {
  if (!field.present) return undefined;
  if (field.value === false) return false;
  if (field.value === true || field.value === 'default') return WORKBOOK_TIERS;
  return field.items().map((tier, i) => {
    tier.onlyKeys(['name', 'factor', 'long', 'short', 'severity']);
    const longMs = tier.child('long').durationMs();
    const shortMs = tier.child('short').durationMs();
    if (shortMs > longMs) tier.child('short').fail('the short window must not be longer than the long window');
    const severity = tier.child('severity').present ? tier.child('severity').string() : 'fail';
    if (severity !== 'fail' && severity !== 'warn')
      tier.child('severity').fail(`expected fail or warn, got '${severity}'`);
    const factor = tier.child('factor').number();
    if (factor <= 0) tier.child('factor').fail('must be greater than 0');
    return {
      name: tier.child('name').optionalString() ?? `tier${i + 1}`,
      factor,
      longMs,
      shortMs,
      severity: severity as 'fail' | 'warn',
    };
  });
}

/** `relative: { maxWorse: 10%, warnWorse: 5%, slack: 0.001 }`. */
export function relativeAt(field: Field): RelativeObjective | undefined {
  if (!field.present) return undefined;
  field.onlyKeys(['maxWorse', 'warnWorse', 'slack']);
  const maxWorse = percentOrFraction(field.child('maxWorse'));
  const warnWorse = field.child('warnWorse').present ? percentOrFraction(field.child('warnWorse')) : undefined;
  if (warnWorse !== undefined && warnWorse > maxWorse) field.child('warnWorse').fail('must not exceed maxWorse');
  const slack = field.child('slack').present ? field.child('slack').number() : 0;
  if (slack < 0) field.child('slack').fail('must not be negative');
  return warnWorse === undefined ? { maxWorse, slack } : { maxWorse, warnWorse, slack };
}

/** `10%` or 0.1; may exceed 100 % (twice as bad = 100 %). */
function percentOrFraction(field: Field): number {
  if (typeof field.value === 'string' && /^\s*[\d.]+\s*%\s*$/.test(field.value))
    return Number(field.value.replace('%', '').trim()) / 100;
  const value = field.number();
  if (value < 0) field.fail('must not be negative');
  return value;
}
