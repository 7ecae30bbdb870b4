import { Field } from './fields.js';
import {
  burnRateAt,
  comparisonAt,
  eventQueryAt,
  histogramQueryAt,
  relativeAt,
  templateAt,
  windowAt,
} from './common.js';
import type { Objective, SliSpec, SloDefinition, SloSet } from '../model.js';

/**
 * Our own concise schema (documented in packages/slo/README.md). One SLI key per SLO — `ratio`, `latency` or
 * `promql` — and an `objective`. `defaults` fills objective fields an SLO leaves out.
 */
const TOP_KEYS = ['version', 'vars', 'baseline', 'defaults', 'slos'] as const;
const SLO_KEYS = [
  'name',
  'description',
  'service',
  'weight',
  'key',
  'ratio',
  'latency',
  'promql',
  'objective',
] as const;
const OBJECTIVE_KEYS = ['target', 'warn', 'window', 'minRequests', 'burnRate', 'relative'] as const;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
export const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parseInlineDocument(doc: Field): SloSet {
  doc.onlyKeys(TOP_KEYS);
  const version = doc.child('version');
  if (version.present && version.value !== 1 && version.value !== '1')
    version.fail(`unsupported version ${JSON.stringify(version.value)}; expected 1`);
  const vars = varsAt(doc.child('vars'));
  const baseline = doc.child('baseline').present ? varsAt(doc.child('baseline')) : undefined;
  const defaults = doc.child('defaults');
  if (defaults.present) defaults.onlyKeys(['window', 'minRequests', 'burnRate']);
  const slosField = doc.child('slos');
  if (!slosField.present) slosField.fail('required: a list of SLOs');
  const items = slosField.items();
  if (items.length === 0) slosField.fail('must contain at least one SLO');
  const slos = items.map((item) => parseInlineSlo(item, defaults));
  return baseline ? { slos, vars, baseline } : { slos, vars };
}

export function varsAt(field: Field): Record<string, string> {
  const out: Record<string, string> = {};
  if (!field.present) return out;
  for (const key of Object.keys(field.map())) {
    if (!VAR_NAME.test(key)) field.fail(`variable name '${key}' must match ${VAR_NAME.source}`);
    if (key === 'window') field.fail(`'window' is reserved for the range placeholder`);
    out[key] = field.child(key).scalarString();
  }
  return out;
}

function parseInlineSlo(slo: Field, defaults: Field): SloDefinition {
  slo.onlyKeys(SLO_KEYS);
  const name = slo.child('name').string();
  if (!NAME.test(name)) slo.child('name').fail(`'${name}' must be 1-63 letters, digits, '.', '_' or '-'`);
  const kinds = (['ratio', 'latency', 'promql'] as const).filter((k) => slo.child(k).present);
  if (kinds.length !== 1)
    slo.fail(`needs exactly one SLI: ratio, latency or promql (found ${kinds.length ? kinds.join(', ') : 'none'})`);
  const kind = kinds[0] as 'ratio' | 'latency' | 'promql';
  const parsedSli = parseSli(slo.child(kind), kind);
  const objectiveField = slo.child('objective');
  if (objectiveField.present) objectiveField.onlyKeys(OBJECTIVE_KEYS);
  const { objective, sli } = parseObjective(
    objectiveField.present ? objectiveField : new Field(slo.origin, `${slo.path}.objective`, {}),
    defaults,
    parsedSli,
  );
  const weight = slo.child('weight').present ? slo.child('weight').number() : 1;
  if (weight < 0) slo.child('weight').fail('must not be negative');
  const key = slo.child('key').present ? slo.child('key').boolean() : true;
  const description = slo.child('description').optionalString();
  const service = slo.child('service').optionalString();
  return {
    name,
    ...(description ? { description } : {}),
    ...(service ? { service } : {}),
    origin: slo.origin,
    format: 'inline',
    sli,
    objective,
    weight,
    key,
  };
}

function parseSli(field: Field, kind: 'ratio' | 'latency' | 'promql'): SliSpec {
  if (kind === 'ratio') {
    field.onlyKeys(['good', 'bad', 'total', 'missingAsZero', 'unit']);
    const hasGood = field.child('good').present;
    const hasBad = field.child('bad').present;
    if (hasGood === hasBad) field.fail('needs exactly one of good or bad, plus total');
    const unitField = field.child('unit');
    const unit = unitField.present ? unitField.string() : undefined;
    if (unit !== undefined && unit !== 'count' && unit !== 'rate')
      unitField.fail(`expected count or rate, got '${unit}'`);
    const options = unit ? { unit: unit as 'count' | 'rate' } : {};
    const total = eventQueryAt(field.child('total'), options);
    const missingAsZero = field.child('missingAsZero').present ? field.child('missingAsZero').boolean() : false;
    return hasGood
      ? { kind: 'ratio', good: eventQueryAt(field.child('good'), options), total, missingAsZero }
      : { kind: 'ratio', bad: eventQueryAt(field.child('bad'), options), total, missingAsZero };
  }
  if (kind === 'latency') {
    field.onlyKeys(['histogram', 'threshold', 'quantile']);
    const buckets = histogramQueryAt(field.child('histogram'));
    const thresholdSeconds = field.child('threshold').seconds();
    if (thresholdSeconds <= 0) field.child('threshold').fail('must be greater than zero');
    if (!field.child('quantile').present) return { kind: 'latency', buckets, thresholdSeconds };
    const quantile = field.child('quantile').fraction();
    return { kind: 'latency', buckets, thresholdSeconds, quantile };
  }
  field.onlyKeys(['query', 'op', 'threshold', 'mode']);
  const mode = field.child('mode').present ? field.child('mode').string() : 'instant';
  if (mode !== 'instant' && mode !== 'timeslices')
    field.child('mode').fail(`expected instant or timeslices, got '${mode}'`);
  return {
    kind: 'promql',
    query: templateAt(field.child('query')),
    op: comparisonAt(field.child('op')),
    threshold: field.child('threshold').number(),
    mode: mode as 'instant' | 'timeslices',
  };
}

/** Returns the objective and the SLI (an instant promql SLI takes its warn threshold from objective.warn). */
function parseObjective(field: Field, defaults: Field, parsedSli: SliSpec): { objective: Objective; sli: SliSpec } {
  let sli = parsedSli;
  const pick = (key: string): Field => {
    const own = field.child(key);
    if (own.present || !defaults.present) return own;
    return defaults.child(key);
  };
  const out: { -readonly [K in keyof Objective]: Objective[K] } = {};
  const target = field.child('target');
  const warn = field.child('warn');
  if (sli.kind === 'latency' && sli.quantile !== undefined) {
    if (target.present)
      target.fail('a quantile latency SLI takes its target from latency.quantile and latency.threshold');
    out.target = sli.quantile;
    if (warn.present) {
      out.warnThresholdSeconds = warn.seconds();
      if (out.warnThresholdSeconds < sli.thresholdSeconds)
        warn.fail('the warn bound must be at least latency.threshold');
    }
  } else if (sli.kind === 'promql' && sli.mode === 'instant') {
    if (target.present)
      target.fail('an instant promql SLI passes on promql.op/threshold; use mode: timeslices for a target');
    if (warn.present) {
      const w = warn.number();
      const looser = sli.op === '<' || sli.op === '<=' ? w >= sli.threshold : w <= sli.threshold;
      if (!looser) warn.fail(`the warn threshold must be looser than promql.threshold (${sli.op} ${sli.threshold})`);
      sli = { ...sli, warnThreshold: w };
    }
  } else {
    if (!target.present) target.fail('required: the fraction of good events (e.g. 99.5% or 0.995)');
    out.target = target.fraction();
    if (warn.present) {
      out.warnTarget = warn.fraction();
      if (out.warnTarget > out.target) warn.fail('the warn target must not be stricter than target');
    }
  }
  if (pick('window').present) out.window = windowAt(pick('window'));
  if (pick('minRequests').present) {
    out.minRequests = pick('minRequests').number();
    if (out.minRequests < 0) pick('minRequests').fail('must not be negative');
  }
  const burn = burnRateAt(pick('burnRate'));
  if (burn !== undefined) out.burnRate = burn;
  const relative = relativeAt(field.child('relative'));
  if (relative) out.relative = relative;
  return { objective: out, sli };
}
