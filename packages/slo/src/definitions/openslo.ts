import { nearestName } from '@gauntlet/action-kit';
import type { Field } from './fields.js';
import { comparisonAt, eventQueryAt, templateAt, windowAt } from './common.js';
import type {
  EventQuery,
  Objective,
  SliSpec,
  SloDefinition,
  TimesliceBudget,
  WindowSpec,
  CalendarWindow,
} from '../model.js';
import { isTimeZone, parseWallTime } from '../calendar.js';

/**
 * OpenSLO v1: `kind: SLO` documents with an inline `indicator` or an `indicatorRef` to a `kind: SLI` document.
 * Supported SLIs: ratioMetric (good/total or bad/total; `counter: true` wraps selectors in increase()) and
 * thresholdMetric (evaluated per step against each objective's op/value; with a `target` it is a time-slice
 * objective, without one the latest value must meet it). A metric source is inline (`type: Prometheus`) or a
 * `metricSourceRef` to a `kind: DataSource` loaded in the same file set. Other kinds (Service, AlertPolicy, ...)
 * are ignored.
 * Each objective becomes one SLO; several objectives get `<slo>.<objective>` names.
 */
export function parseOpenSloDocuments(docs: readonly Field[]): SloDefinition[] {
  const slis = new Map<string, Field>();
  const dataSources = new Map<string, Field>();
  for (const doc of docs) {
    const kind = kindOf(doc);
    if (kind !== 'SLI' && kind !== 'DataSource') continue;
    const name = doc.child('metadata').child('name').string();
    const into = kind === 'SLI' ? slis : dataSources;
    if (into.has(name)) doc.child('metadata').child('name').fail(`a second kind: ${kind} named '${name}'`);
    into.set(name, kind === 'SLI' ? doc.child('spec') : doc);
  }
  const out: SloDefinition[] = [];
  for (const doc of docs) {
    if (kindOf(doc) !== 'SLO') continue;
    out.push(...parseSlo(doc, slis, dataSources));
  }
  return out;
}

/** What one SLO's parse learns on the way: the DataSources it uses, and what it accepted without acting on. */
interface SloContext {
  readonly dataSources: ReadonlyMap<string, Field>;
  readonly notes: Set<string>;
}

function kindOf(doc: Field): string {
  return doc.child('kind').string();
}

const SLO_SPEC_KEYS = [
  'description',
  'service',
  'indicator',
  'indicatorRef',
  'timeWindow',
  'budgetingMethod',
  'objectives',
  'alertPolicies',
];

function parseSlo(doc: Field, slis: Map<string, Field>, dataSources: ReadonlyMap<string, Field>): SloDefinition[] {
  const name = doc.child('metadata').child('name').string();
  const spec = doc.child('spec');
  spec.onlyKeys(SLO_SPEC_KEYS);
  const ctx: SloContext = { dataSources, notes: new Set() };
  if (spec.child('alertPolicies').present && spec.child('alertPolicies').items().length > 0)
    ctx.notes.add(
      'spec.alertPolicies not used: they route alerts; the gate judges the objective and its own burn-rate tiers',
    );
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
  const window = windows.present ? timeWindowAt(windows) : undefined;
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
    const { sli, target } = parseIndicator(indicator, objective, ctx);
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
      ...(ctx.notes.size > 0 ? { notes: [...ctx.notes] } : {}),
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

function parseIndicator(
  indicator: Field,
  objective: Field,
  ctx: SloContext,
): { sli: SliSpec; target: number | undefined } {
  const target = targetAt(objective);
  indicator.onlyKeys(['description', 'ratioMetric', 'thresholdMetric']);
  if (indicator.child('ratioMetric').present) {
    const ratio = indicator.child('ratioMetric');
    ratio.onlyKeys(['counter', 'good', 'bad', 'total', 'raw', 'rawType']);
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
    const total = metricSourceQuery(ratio.child('total'), counter, ctx);
    const side = metricSourceQuery(ratio.child(hasGood ? 'good' : 'bad'), counter, ctx);
    const sli: SliSpec = hasGood
      ? { kind: 'ratio', good: side, total, missingAsZero: false }
      : { kind: 'ratio', bad: side, total, missingAsZero: false };
    return { sli, target };
  }
  if (indicator.child('thresholdMetric').present) {
    const source = metricSource(indicator.child('thresholdMetric'), ctx);
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

/**
 * A metric source's query. With `metricSourceRef` the type comes from the named `kind: DataSource` of the file
 * set (a `type` given as well must agree). The DataSource's connectionDetails are not ours to follow: every query
 * goes to the Prometheus the action is given, and the SLO's notes say so.
 */
function metricSource(field: Field, ctx: SloContext): Field {
  field.onlyKeys(['metricSource']);
  const source = field.child('metricSource');
  source.onlyKeys(['metricSourceRef', 'type', 'spec']);
  const ref = source.child('metricSourceRef');
  let type: string;
  if (ref.present) {
    const name = ref.string();
    const dataSource = ctx.dataSources.get(name);
    if (!dataSource) {
      const known = [...ctx.dataSources.keys()];
      const near = nearestName(name, known);
      ref.fail(
        `no kind: DataSource named '${name}' was loaded with this SLO` +
          (near ? ` (did you mean '${near}'?)` : known.length ? `; loaded: ${known.join(', ')}` : ''),
      );
    }
    const dsSpec = (dataSource as Field).child('spec');
    dsSpec.onlyKeys(['description', 'type', 'connectionDetails']);
    const dsType = dsSpec.child('type').string();
    if (dsType.toLowerCase() !== 'prometheus')
      dsSpec.child('type').fail(`only Prometheus data sources are supported, got '${dsType}'`);
    if (source.child('type').present && source.child('type').string().toLowerCase() !== dsType.toLowerCase())
      source
        .child('type')
        .fail(`'${source.child('type').string()}' disagrees with DataSource '${name}', which is '${dsType}'`);
    type = dsType;
    if (dsSpec.child('connectionDetails').present)
      ctx.notes.add(
        `DataSource '${name}' connectionDetails not used: queries go to the Prometheus given as prometheus-url`,
      );
  } else {
    type = source.child('type').string();
  }
  if (type.toLowerCase() !== 'prometheus')
    source.child('type').fail(`only Prometheus metric sources are supported, got '${type}'`);
  const spec = source.child('spec');
  const query = spec.child('query').present ? spec.child('query') : spec.child('promql');
  if (!query.present) spec.fail('needs query');
  return query;
}

function metricSourceQuery(field: Field, counter: boolean, ctx: SloContext): EventQuery {
  return eventQueryAt(metricSource(field, ctx), { counter });
}

const CALENDAR_UNITS = {
  s: undefined,
  m: 'minute',
  h: 'hour',
  d: 'day',
  w: 'week',
  M: 'month',
  Q: 'quarter',
  Y: 'year',
} as const;

/**
 * `timeWindow`: exactly one item, rolling (`duration`, `isRolling: true`) or calendar-aligned (`duration` in the
 * shorthand 1d, 2w, 1M, 1Q, 1Y with `calendar: { startTime, timeZone }`; `isRolling` defaults to false when
 * `calendar` is given, as the spec says).
 */
function timeWindowAt(windows: Field): WindowSpec {
  const items = windows.items();
  if (items.length !== 1) windows.fail(`must hold exactly one window, got ${items.length}`);
  const item = items[0] as Field;
  item.onlyKeys(['duration', 'isRolling', 'calendar']);
  const calendar = item.child('calendar');
  const rolling = item.child('isRolling').present ? item.child('isRolling').boolean() : !calendar.present;
  const duration = item.child('duration');
  if (rolling) {
    if (calendar.present) calendar.fail('applies to calendar-aligned windows (isRolling: false)');
    if (typeof duration.value === 'string' && /^\s*\d+\s*[MQY]\s*$/.test(duration.value))
      duration.fail(
        `'${duration.value.trim()}' is a calendar unit (M, Q, Y); a rolling window needs s, m, h, d or w ` +
          '(30d), or set isRolling: false with calendar: { startTime, timeZone }',
      );
    return windowAt(duration);
  }
  if (!calendar.present)
    item.fail('a calendar-aligned window (isRolling: false) needs calendar: { startTime, timeZone }');
  calendar.onlyKeys(['startTime', 'timeZone']);
  const text = duration.string();
  const match = /^(\d+)\s*([smhdwMQY])$/.exec(text);
  const unit = match ? CALENDAR_UNITS[match[2] as keyof typeof CALENDAR_UNITS] : undefined;
  const count = match ? Number(match[1]) : 0;
  if (!match || !unit || count < 1)
    duration.fail(`expected a whole number of m, h, d, w, M, Q or Y (1M, 1Q, 2w), got '${text}'`);
  const startField = calendar.child('startTime');
  const startValue: unknown = startField.value;
  const startTime =
    startValue instanceof Date ? startValue.toISOString().slice(0, 19).replace('T', ' ') : startField.string();
  if (!parseWallTime(startTime))
    startField.fail(`expected a date and time without a zone (2022-01-01 12:00:00), got '${startTime}'`);
  const timeZone = calendar.child('timeZone').string();
  if (!isTimeZone(timeZone))
    calendar.child('timeZone').fail(`'${timeZone}' is not an IANA time zone name (America/New_York, UTC)`);
  return { kind: 'calendar', count, unit: unit as CalendarWindow['unit'], text, startTime, timeZone };
}
