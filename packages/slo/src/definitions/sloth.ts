import type { Field } from './fields.js';
import { eventQueryAt, templateAt } from './common.js';
import type { BurnRateTier, SloDefinition } from '../model.js';

/**
 * Sloth specs in both of its forms: the file form (`version: prometheus/v1`, snake_case keys) and the Kubernetes
 * form (`apiVersion: sloth.slok.dev/v1`, `kind: PrometheusServiceLevel`, the same fields camelCased under `spec`).
 * `slos[].sli.events` (error/total queries with `{{.window}}`) maps to a bad/total ratio; `sli.raw`'s error ratio
 * query to an instant check that the error ratio over the evaluation window stays within the budget (no burn
 * rates: one ratio cannot be re-windowed client-side). `objective` is a percentage.
 *
 * Alerting: Sloth's page alert becomes the burn-rate tiers that fail the gate and its ticket alert the tiers that
 * warn, with Sloth's windows (its default 30-day windows, or a `kind: AlertWindows` document of the file set);
 * `disable: true` drops that alert's tiers. Alert names, labels and annotations route Prometheus alerts, which a
 * gate does not send: they are accepted and each SLO's notes say they are not used. SLO plugins change the rules
 * Sloth generates and are refused by name.
 */
export type SlothForm = 'file' | 'kubernetes';

/** Sloth's window set for one SLO period: the page and ticket alerts, each a quick and a slow tier. */
export interface SlothAlertWindows {
  readonly origin: string;
  readonly periodMs: number;
  readonly page: readonly BurnRateTier[];
  readonly ticket: readonly BurnRateTier[];
}

const KEYS = {
  file: {
    top: ['version', 'service', 'labels', 'slos', 'slo_plugins'],
    plugins: 'slo_plugins',
    error: 'error_query',
    total: 'total_query',
    ratio: 'error_ratio_query',
    page: 'page_alert',
    ticket: 'ticket_alert',
  },
  kubernetes: {
    top: ['service', 'labels', 'slos', 'sloPlugins'],
    plugins: 'sloPlugins',
    error: 'errorQuery',
    total: 'totalQuery',
    ratio: 'errorRatioQuery',
    page: 'pageAlert',
    ticket: 'ticketAlert',
  },
} as const;

/** Sloth's built-in windows (internal/alert/windows/google-30d.yaml): the SRE workbook's for a 30-day period. */
export const SLOTH_DEFAULT_WINDOWS: SlothAlertWindows = windowSet('Sloth default (30d)', 2_592_000_000, {
  page: [
    { name: 'page-quick', budgetPercent: 2, longMs: 3_600_000, shortMs: 300_000 },
    { name: 'page-slow', budgetPercent: 5, longMs: 21_600_000, shortMs: 1_800_000 },
  ],
  ticket: [
    { name: 'ticket-quick', budgetPercent: 10, longMs: 86_400_000, shortMs: 7_200_000 },
    { name: 'ticket-slow', budgetPercent: 10, longMs: 259_200_000, shortMs: 21_600_000 },
  ],
});

interface WindowRow {
  readonly name: string;
  readonly budgetPercent: number;
  readonly longMs: number;
  readonly shortMs: number;
}

/** A tier's factor is the burn rate that spends `budgetPercent` of the period's budget in its long window. */
function windowSet(
  origin: string,
  periodMs: number,
  rows: { page: readonly WindowRow[]; ticket: readonly WindowRow[] },
): SlothAlertWindows {
  const tier =
    (severity: 'fail' | 'warn') =>
    (row: WindowRow): BurnRateTier => ({
      name: row.name,
      factor: Math.round(((row.budgetPercent / 100) * periodMs * 1000) / row.longMs) / 1000,
      longMs: row.longMs,
      shortMs: row.shortMs,
      severity,
    });
  return { origin, periodMs, page: rows.page.map(tier('fail')), ticket: rows.ticket.map(tier('warn')) };
}

/** A `kind: AlertWindows` document (sloth.slok.dev/v1), as Sloth's `--slo-period-windows-path` reads them. */
export function parseSlothAlertWindows(doc: Field): SlothAlertWindows {
  doc.onlyKeys(['apiVersion', 'kind', 'metadata', 'spec']);
  const spec = doc.child('spec');
  spec.onlyKeys(['sloPeriod', 'page', 'ticket']);
  const periodMs = spec.child('sloPeriod').durationMs();
  const rows = (alert: 'page' | 'ticket'): WindowRow[] => {
    const field = spec.child(alert);
    field.onlyKeys(['quick', 'slow']);
    return (['quick', 'slow'] as const).map((speed) => {
      const w = field.child(speed);
      w.onlyKeys(['errorBudgetPercent', 'shortWindow', 'longWindow']);
      const budgetPercent = w.child('errorBudgetPercent').number();
      if (!(budgetPercent > 0 && budgetPercent <= 100)) w.child('errorBudgetPercent').fail('must be in (0, 100]');
      const longMs = w.child('longWindow').durationMs();
      const shortMs = w.child('shortWindow').durationMs();
      if (shortMs > longMs) w.child('shortWindow').fail('must not be longer than longWindow');
      return { name: `${alert}-${speed}`, budgetPercent, longMs, shortMs };
    });
  };
  return windowSet(doc.origin, periodMs, { page: rows('page'), ticket: rows('ticket') });
}

/** The SLOs of one Sloth spec. `spec` is the document itself (file form) or its `spec` (Kubernetes form). */
export function parseSlothSpec(spec: Field, form: SlothForm, windows: SlothAlertWindows): SloDefinition[] {
  const keys = KEYS[form];
  spec.onlyKeys(keys.top);
  refusePlugins(spec.child(keys.plugins));
  const service = spec.child('service').string();
  const slos = spec.child('slos').items();
  if (slos.length === 0) spec.child('slos').fail('must contain at least one SLO');
  return slos.map((slo) => {
    slo.onlyKeys(['name', 'objective', 'description', 'labels', 'sli', 'alerting', 'plugins']);
    refusePlugins(slo.child('plugins'));
    const name = `${service}-${slo.child('name').string()}`;
    const target = slo.child('objective').fraction({ percentNumbers: true });
    const sli = slo.child('sli');
    sli.onlyKeys(['events', 'raw', 'plugin']);
    const description = slo.child('description').optionalString();
    const alerting = alertingAt(slo.child('alerting'), keys, windows);
    const base = {
      name,
      ...(description ? { description } : {}),
      service,
      origin: spec.origin,
      format: 'sloth' as const,
      weight: 1,
      key: true,
      ...(alerting.notes.length > 0 ? { notes: alerting.notes } : {}),
    };
    if (sli.child('plugin').present) sli.child('plugin').fail('Sloth SLI plugins are not supported; use sli.events');
    if (sli.child('events').present) {
      const events = sli.child('events');
      events.onlyKeys([keys.error, keys.total]);
      return {
        ...base,
        sli: {
          kind: 'ratio',
          bad: eventQueryAt(events.child(keys.error)),
          total: eventQueryAt(events.child(keys.total)),
          missingAsZero: false,
        },
        objective: { target, burnRate: alerting.tiers },
      };
    }
    if (sli.child('raw').present) {
      const raw = sli.child('raw');
      raw.onlyKeys([keys.ratio]);
      return {
        ...base,
        sli: {
          kind: 'promql',
          query: templateAt(raw.child(keys.ratio)),
          op: '<=',
          threshold: 1 - target,
          mode: 'instant',
        },
        objective: {},
      };
    }
    return sli.fail('needs events or raw');
  });
}

function refusePlugins(field: Field): void {
  if (field.present)
    field.fail('Sloth SLO plugins change the rules Sloth generates and are not supported; remove them');
}

/**
 * The burn-rate tiers an SLO's `alerting` asks for, and notes for what it holds that a gate cannot act on. No
 * `alerting` at all is Sloth's default: both alerts on.
 */
function alertingAt(
  alerting: Field,
  keys: (typeof KEYS)[SlothForm],
  windows: SlothAlertWindows,
): { tiers: false | readonly BurnRateTier[]; notes: string[] } {
  const notes: string[] = [];
  if (!alerting.present) return { tiers: [...windows.page, ...windows.ticket], notes };
  alerting.onlyKeys(['name', 'labels', 'annotations', keys.page, keys.ticket]);
  const routing = ['name', 'labels', 'annotations'].filter((k) => alerting.child(k).present);
  const enabled = (key: string): boolean => {
    const alert = alerting.child(key);
    if (!alert.present) return true;
    alert.onlyKeys(['disable', 'labels', 'annotations']);
    if (alert.child('labels').present || alert.child('annotations').present) routing.push(`${key} labels/annotations`);
    return !(alert.child('disable').present && alert.child('disable').boolean());
  };
  const page = enabled(keys.page);
  const ticket = enabled(keys.ticket);
  if (routing.length > 0)
    notes.push(`alerting ${routing.join(', ')} not used: they route Prometheus alerts, which a gate does not send`);
  const tiers = [...(page ? windows.page : []), ...(ticket ? windows.ticket : [])];
  if (!page || !ticket)
    notes.push(
      `burn rates: ${page ? 'page' : 'no page'} tiers (fail), ${ticket ? 'ticket' : 'no ticket'} tiers (warn), as alerting disables`,
    );
  return { tiers: tiers.length === 0 ? false : tiers, notes };
}
