import type { Field } from './fields.js';
import { comparisonAt, eventQueryAt, templateAt, windowAt } from './common.js';
import type { EventQuery, Objective, SliSpec, SloDefinition, TimesliceBudget } from '../model.js';

/**
 * OpenSLO v1: `kind: SLO` documents with an inline `indicator` or an `indicatorRef` to a `kind: SLI` document.
 * Supported SLIs: ratioMetric (good/total or bad/total; `counter: true` wraps selectors in increase()) and
 * thresholdMetric (evaluated per step against each objective's op/value; with a `target` it is a time-slice
 * objective, without one the latest value must meet it). Other kinds (Service, AlertPolicy, ...) are ignored.
 * Each objective becomes one SLO; several objectives get `<slo>.<objective>` names.
 */
export function parseOpenSloDocuments(docs: readonly Field[]): SloDefinition[] {
  const slis = new Map<string, Field>();
  for (const doc of docs) {
    if (kindOf(doc) === 'SLI') slis.set(doc.child('metadata').child('name').string(), doc.child('spec'));
  }
  const out: SloDefinition[] = [];
  for (const doc of docs) {
    if (kindOf(doc) !== 'SLO') continue;
    out.push(...parseSlo(doc, slis));
  }
  return out;
}

function kindOf(doc: Field): string {
  return doc.child('kind').string();
}

function parseSlo(doc: Field, slis: Map<string, Field>): SloDefinition[] {
  const name = doc.child('metadata').child('name').string();
  const spec = doc.child('spec');
  spec.asMap();
  let indicator: Field;
  if (spec.child('indicator').present) indicator = spec.child('indicator').child('spec');
  else if (spec.child('indicatorRef').present) {
    const ref = spec.child('indicatorRef').string();
    const found = slis.get(ref);
    if (!found) spec.child('indicatorRef').fail(`no kind: SLI document named '${ref}' was loaded with this SLO`);
    indicator = found as Field;
  } else return spec.fail('needs indicator or indicatorRef');

  const budgeting = spec.child('budgetingMethod').optionalString() ?? 'Occurrences';
  if (!BUDGETING_METHODS.includes(budgeting as Budgeting)) {
    spec.child('budgetingMethod').fail(`expected Occurrences, Timeslices or RatioTimeslices, got '${budgeting}'`);
  }
  const windows = spec.child('timeWindow');
  const window = windows.present
    ? windowAt(windows.items()[0]?.child('duration') ?? windows.fail('must not be empty'))
    : undefined;
  const objectives = spec.child('objectives').items();
  if (objectives.length === 0) spec.child('objectives').fail('must contain at least one objective');
  const description = spec.child('description').optionalString();
  const service = spec.child('service').optionalString();

  return objectives.map((objective, i) => {
    const label =
      objective.child('displayName').optionalString() ?? objective.child('name').optionalString() ?? String(i);
    const sloName = objectives.length === 1 ? name : `${name}.${label.replace(/[^A-Za-z0-9._-]+/g, '-')}`;
    objective.onlyKeys(OBJECTIVE_KEYS);
    for (const composite of ['indicator', 'indicatorRef'])
      if (objective.child(composite).present)
        objective.child(composite).fail('composite SLOs (an indicator per objective) are not supported');
    const { sli, target } = parseIndicator(indicator, objective);
    const timeslices = timesliceBudget(budgeting as Budgeting, objective, sli);
    const obj: { -readonly [K in keyof Objective]: Objective[K] } = {};
    if (target !== undefined) obj.target = target;
    if (timeslices) obj.timeslices = timeslices;
    if (window) obj.window = window;
    return {
      name: sloName,
      ...(description ? { description } : {}),
      ...(service ? { service } : {}),
      origin: doc.origin,
      format: 'openslo' as const,
      sli,
      objective: obj,
      weight: objective.child('compositeWeight').present ? objective.child('compositeWeight').number() : 1,
      key: true,
    };
  });
}

const BUDGETING_METHODS = ['Occurrences', 'Timeslices', 'RatioTimeslices'] as const;
type Budgeting = (typeof BUDGETING_METHODS)[number];
const OBJECTIVE_KEYS = [
  'displayName',
  'name',
  'op',
  'value',
  'target',
  'targetPercent',
  'timeSliceTarget',
  'timeSliceWindow',
  'compositeWeight',
  'indicator',
  'indicatorRef',
];

/**
 * The objective's time-slice budget, or undefined for Occurrences. Every time-slice field is honoured or refused:
 * timeSliceWindow is the slice (a bare number is minutes, as OpenSLO says); timeSliceTarget is the ratio a slice
 * needs under Timeslices and means nothing under the other two methods.
 */
function timesliceBudget(method: Budgeting, objective: Field, sli: SliSpec): TimesliceBudget | undefined {
  const windowField = objective.child('timeSliceWindow');
  const targetField = objective.child('timeSliceTarget');
  if (method === 'Occurrences') {
    for (const field of [windowField, targetField])
      if (field.present) field.fail(`applies to Timeslices or RatioTimeslices budgeting, not ${method}`);
    return undefined;
  }
  if (!windowField.present) windowField.fail(`required with budgetingMethod ${method} (the slice, e.g. 1m)`);
  const sliceMs = typeof windowField.value === 'number' ? windowField.number() * 60_000 : windowField.durationMs();
  if (!(sliceMs > 0)) windowField.fail('must be greater than zero');
  if (sli.kind === 'promql') {
    if (method === 'RatioTimeslices')
      objective.fail('RatioTimeslices needs a ratioMetric: a thresholdMetric slice has no ratio to average');
    if (targetField.present)
      targetField.fail(
        'is not supported with a thresholdMetric: a slice is good when the metric meets op/value at the slice',
      );
    if (objective.child('target').present || objective.child('targetPercent').present) {
      return { method, sliceMs };
    }
    return objective.fail('a Timeslices objective needs target (the share of good slices)');
  }
  if (method === 'RatioTimeslices') {
    if (targetField.present) targetField.fail('applies to Timeslices budgeting only; RatioTimeslices averages ratios');
    return { method, sliceMs };
  }
  if (!targetField.present) targetField.fail('required with budgetingMethod Timeslices (the ratio a slice needs)');
  return { method, sliceMs, sliceTarget: targetField.fraction({ allowOne: true }) };
}

function targetAt(objective: Field): number | undefined {
  if (objective.child('target').present) return objective.child('target').fraction();
  if (objective.child('targetPercent').present)
    return objective.child('targetPercent').fraction({ percentNumbers: true });
  return undefined;
}

function parseIndicator(indicator: Field, objective: Field): { sli: SliSpec; target: number | undefined } {
  const target = targetAt(objective);
  if (indicator.child('ratioMetric').present) {
    const ratio = indicator.child('ratioMetric');
    if (ratio.child('raw').present)
      ratio.child('raw').fail('precomputed raw ratios are not supported; use good/bad and total');
    const counter = ratio.child('counter').present ? ratio.child('counter').boolean() : true;
    const hasGood = ratio.child('good').present;
    if (hasGood === ratio.child('bad').present) ratio.fail('needs exactly one of good or bad, plus total');
    if (target === undefined) objective.fail('a ratioMetric objective needs target (0.99) or targetPercent (99)');
    if (objective.child('value').present)
      objective.child('value').fail('a ratioMetric objective is judged on target; value applies to thresholdMetric');
    if (objective.child('op').present) {
      const op = comparisonAt(objective.child('op'));
      if (op !== '>' && op !== '>=')
        objective
          .child('op')
          .fail(`a ratio must meet its target from above (gt or gte), got '${String(objective.child('op').value)}'`);
    }
    const total = metricSourceQuery(ratio.child('total'), counter);
    const side = metricSourceQuery(ratio.child(hasGood ? 'good' : 'bad'), counter);
    const sli: SliSpec = hasGood
      ? { kind: 'ratio', good: side, total, missingAsZero: false }
      : { kind: 'ratio', bad: side, total, missingAsZero: false };
    return { sli, target };
  }
  if (indicator.child('thresholdMetric').present) {
    const source = metricSource(indicator.child('thresholdMetric'));
    const op = comparisonAt(objective.child('op'));
    const threshold = objective.child('value').number();
    return {
      sli: {
        kind: 'promql',
        query: templateAt(source),
        op,
        threshold,
        mode: target === undefined ? 'instant' : 'timeslices',
      },
      target,
    };
  }
  return indicator.fail('needs ratioMetric or thresholdMetric');
}

function metricSource(field: Field): Field {
  const source = field.child('metricSource');
  if (source.child('metricSourceRef').present)
    source
      .child('metricSourceRef')
      .fail('metricSourceRef is not supported; give type: Prometheus and spec.query inline');
  const type = source.child('type').string();
  if (type.toLowerCase() !== 'prometheus')
    source.child('type').fail(`only Prometheus metric sources are supported, got '${type}'`);
  const spec = source.child('spec');
  const query = spec.child('query').present ? spec.child('query') : spec.child('promql');
  if (!query.present) spec.fail('needs query');
  return query;
}

function metricSourceQuery(field: Field, counter: boolean): EventQuery {
  return eventQueryAt(metricSource(field), { counter });
}
