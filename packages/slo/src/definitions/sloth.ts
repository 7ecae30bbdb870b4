import type { Field } from './fields.js';
import { eventQueryAt, templateAt } from './common.js';
import type { SloDefinition } from '../model.js';

/**
 * Sloth `version: prometheus/v1` specs. `slos[].sli.events` (error_query/total_query with `{{.window}}`) maps to
 * a bad/total ratio; `sli.raw.error_ratio_query` to an instant check that the error ratio over the evaluation
 * window stays within the budget (no burn rates: one ratio cannot be re-windowed client-side). Sloth's own
 * alerting section is ignored: burn-rate tiers come from the evaluation options. `objective` is a percentage.
 */
export function parseSlothDocument(doc: Field): SloDefinition[] {
  doc.onlyKeys(['version', 'service', 'labels', 'slos']);
  const service = doc.child('service').string();
  const slos = doc.child('slos').items();
  if (slos.length === 0) doc.child('slos').fail('must contain at least one SLO');
  return slos.map((slo) => {
    slo.onlyKeys(['name', 'objective', 'description', 'labels', 'sli', 'alerting']);
    const name = `${service}-${slo.child('name').string()}`;
    const target = slo.child('objective').fraction({ percentNumbers: true });
    const sli = slo.child('sli');
    sli.onlyKeys(['events', 'raw', 'plugin']);
    const description = slo.child('description').optionalString();
    const base = {
      name,
      ...(description ? { description } : {}),
      service,
      origin: doc.origin,
      format: 'sloth' as const,
      weight: 1,
      key: true,
    };
    if (sli.child('plugin').present) sli.child('plugin').fail('Sloth SLI plugins are not supported; use sli.events');
    if (sli.child('events').present) {
      const events = sli.child('events');
      events.onlyKeys(['error_query', 'total_query']);
      return {
        ...base,
        sli: {
          kind: 'ratio',
          bad: eventQueryAt(events.child('error_query')),
          total: eventQueryAt(events.child('total_query')),
          missingAsZero: false,
        },
        objective: { target },
      };
    }
    if (sli.child('raw').present) {
      const raw = sli.child('raw');
      raw.onlyKeys(['error_ratio_query']);
      return {
        ...base,
        sli: {
          kind: 'promql',
          query: templateAt(raw.child('error_ratio_query')),
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
