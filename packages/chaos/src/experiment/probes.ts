import { pluginDefinition } from './faults.js';
import type { Field } from './field.js';
import type { ProbeSpec } from './model.js';

const PROBE_KINDS = ['http', 'ready', 'command', 'prometheus', 'event'] as const;

/**
 * One probe: `{name, http: {url}}`, `{name, ready: {target}}`, `{name, command: [...]}`, `{name, prometheus: {...}}`,
 * or `{name, event: {...}}` (an event probe, validated by the events plug-in before any write).
 */
export function readProbe(field: Field, index: number, targets: readonly string[]): ProbeSpec {
  field.onlyKeys(['name', ...PROBE_KINDS]);
  const name = field.child('name').present ? field.child('name').string() : `probe-${index + 1}`;
  const kinds = PROBE_KINDS.filter((k) => field.child(k).present);
  if (kinds.length !== 1) field.fail(`a probe needs exactly one of ${PROBE_KINDS.join(', ')}`);
  const kind = kinds[0]!;
  const body = field.child(kind);
  switch (kind) {
    case 'http': {
      body.onlyKeys(['url', 'method', 'expectStatus', 'timeout']);
      const url = body.child('url').required();
      const text = url.string();
      try {
        const parsed = new URL(text);
        if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('scheme');
      } catch {
        url.fail('expected an absolute http(s) URL');
      }
      const expect = body.child('expectStatus');
      const timeout = body.child('timeout');
      return {
        name,
        kind,
        url: text,
        method: body.child('method').present ? body.child('method').oneOf(['GET', 'HEAD', 'POST'] as const) : 'GET',
        expectStatus: expect.present ? expect.itemsOrOne().map((s) => s.integer(100, 599)) : [200],
        timeoutMs: timeout.present ? timeout.durationMs({ maxMs: 60_000 }) : 5_000,
      };
    }
    case 'ready': {
      body.onlyKeys(['target', 'minReady']);
      const t = body.child('target').required();
      const target = t.string();
      if (!targets.includes(target)) t.fail(`no target named '${target}' in spec.targets`);
      const min = body.child('minReady');
      return { name, kind, target, ...(min.present ? { minReady: min.integer(0, 10_000) } : {}) };
    }
    case 'command': {
      if (typeof body.value === 'string') body.fail('a command is a list of arguments; it never runs in a shell');
      const isList = Array.isArray(body.value);
      const spec = isList ? undefined : body.onlyKeys(['argv', 'expectExit', 'timeout']);
      const argv = (isList ? body : spec!.child('argv').required()).items().map((a) => a.string());
      if (argv.length === 0) body.fail('must not be empty');
      const timeout = spec?.child('timeout');
      return {
        name,
        kind,
        argv,
        expectExit: spec?.child('expectExit').present ? spec.child('expectExit').integer(0, 255) : 0,
        timeoutMs: timeout?.present ? timeout.durationMs({ maxMs: 300_000 }) : 30_000,
      };
    }
    case 'prometheus': {
      body.onlyKeys(['query', 'below', 'atMost', 'above', 'atLeast', 'equals']);
      const ops = [
        ['below', '<'],
        ['atMost', '<='],
        ['above', '>'],
        ['atLeast', '>='],
        ['equals', '=='],
      ] as const;
      const given = ops.filter(([key]) => body.child(key).present);
      if (given.length !== 1) body.fail('give exactly one of below, atMost, above, atLeast, equals');
      const [key, op] = given[0]!;
      return { name, kind, query: body.child('query').required().string(), op, threshold: body.child(key).number() };
    }
    case 'event':
      return { name, kind, event: pluginDefinition(body) };
  }
}
