import { Field } from './field.js';

/**
 * The built-in experiment library: a named experiment with a few parameters expands to a full experiment
 * document, which then goes through the same validation as a hand-written one. A first experiment is:
 *
 *   apiVersion: gauntlet.dev/v1alpha1
 *   kind: ChaosExperiment
 *   use: pod-delete
 *   with: { target: app=web }
 *
 * A broker fault: the service's link to its broker (through a Toxiproxy proxy) cut for the duration, with its
 * consumer's lag judged before and after (reported while cut), so the service must reconnect and catch up:
 *
 *   use: broker-partition
 *   with: { proxy: orders-broker, broker: orders, consumer: { rabbitmq-queue: orders.in }, maxLag: 0 }
 */
export const LIBRARY_NAMES = [
  'pod-delete',
  'pod-failure',
  'scale-down',
  'network-partition',
  'dns-failure',
  'dependency-latency',
  'dependency-down',
  'resource-exhaustion',
  'broker-partition',
] as const;
export type LibraryName = (typeof LIBRARY_NAMES)[number];

/** broker-partition closes a connection after this long without a byte from the service (Toxiproxy `timeout`). */
export const BROKER_CUT_IDLE_MS = 1;

const COMMON = ['target', 'namespace', 'kind', 'duration', 'slos', 'maxTargets', 'maxPercentage', 'recoveryTimeout'];
const EXTRA: Record<LibraryName, readonly string[]> = {
  'pod-delete': ['mode', 'interval'],
  'pod-failure': [],
  'scale-down': ['replicas'],
  'network-partition': ['from', 'direction'],
  'dns-failure': [],
  'dependency-latency': ['proxy', 'latency', 'jitter'],
  'dependency-down': ['proxy'],
  'resource-exhaustion': [],
  'broker-partition': ['proxy', 'broker', 'consumer', 'maxLag'],
};
/** Library experiments that act on a dependency (a Toxiproxy proxy) or a namespace need no workload target. */
const NO_TARGET: readonly LibraryName[] = [
  'dependency-latency',
  'dependency-down',
  'resource-exhaustion',
  'broker-partition',
];

/** `app=web,tier=front` or a mapping, as matchLabels. */
function selectorOf(field: Field): Record<string, string> {
  if (typeof field.value === 'string') {
    const out: Record<string, string> = {};
    for (const part of field.string().split(',')) {
      const match = /^\s*([^=\s]+)\s*=\s*([^=\s]*)\s*$/.exec(part);
      if (!match) field.fail(`expected label=value pairs separated by commas (app=web), got ${JSON.stringify(part)}`);
      out[match[1]!] = match[2]!;
    }
    return out;
  }
  return field.stringMap();
}

/** Expands `use:`/`with:` into an experiment document (apiVersion, kind, metadata, spec). */
export function expandLibrary(doc: Field, name: string | undefined): Record<string, unknown> {
  const use = doc.child('use');
  const library = use.oneOf(LIBRARY_NAMES);
  const params = doc.child('with');
  if (params.present) params.onlyKeys([...COMMON, ...EXTRA[library]]);
  const p = (key: string): Field =>
    params.present ? params.child(key) : new Field(doc.origin, `with.${key}`, undefined);
  const value = (key: string): unknown => p(key).value;
  const needsTarget = !NO_TARGET.includes(library);
  const targets: Record<string, unknown>[] = [];
  if (needsTarget) {
    const selector = selectorOf(p('target').required());
    const kind = value('kind') ?? (library === 'scale-down' ? 'Deployment' : 'Pod');
    targets.push({ name: 'target', kind, selector, ...(value('namespace') ? { namespace: value('namespace') } : {}) });
    if (library === 'network-partition' && p('from').present) {
      targets.push({ name: 'from', kind: 'Pod', selector: selectorOf(p('from')) });
    }
  }
  const duration = value('duration') ?? '30s';
  const fault: Record<string, unknown> = { duration };
  switch (library) {
    case 'pod-delete':
      Object.assign(fault, { type: 'pod-delete', target: 'target', mode: value('mode'), interval: value('interval') });
      break;
    case 'pod-failure':
    case 'dns-failure':
      Object.assign(fault, { type: library, target: 'target' });
      break;
    case 'scale-down':
      Object.assign(fault, { type: 'scale-down', target: 'target', replicas: value('replicas') });
      break;
    case 'network-partition':
      Object.assign(fault, {
        type: 'network-partition',
        target: 'target',
        from: p('from').present ? 'from' : undefined,
        direction: value('direction'),
      });
      break;
    case 'dependency-latency':
      Object.assign(fault, {
        type: 'toxiproxy',
        proxy: p('proxy').required().value,
        toxic: 'latency',
        attributes: {
          latency: p('latency').present ? p('latency').durationMs() : 500,
          jitter: p('jitter').present ? p('jitter').durationMs({ allowZero: true }) : 0,
        },
      });
      break;
    case 'dependency-down':
      Object.assign(fault, { type: 'toxiproxy', proxy: p('proxy').required().value, toxic: 'down' });
      break;
    case 'resource-exhaustion':
      Object.assign(fault, { type: 'resource-exhaustion', namespace: value('namespace') });
      break;
    case 'broker-partition':
      // A `timeout` toxic upstream with a 1 ms idle timeout, not `down` (a reset_peer downstream) nor a reset_peer
      // upstream: both act only when a byte passes, and a broker such as RabbitMQ or Kafka says nothing until the
      // client speaks, so an idle connection (a consumer waiting for work, a producer between batches) stayed open
      // through the whole cut. This toxic drops what the service sends and closes each connection after 1 ms
      // without a byte from it: idle ones at once, new ones as they open, busy ones at their first pause.
      Object.assign(fault, {
        type: 'toxiproxy',
        proxy: p('proxy').required().value,
        toxic: 'timeout',
        stream: 'upstream',
        attributes: { timeout: BROKER_CUT_IDLE_MS },
      });
      break;
  }
  for (const key of Object.keys(fault)) if (fault[key] === undefined) delete fault[key];
  const blastRadius: Record<string, unknown> = {};
  if (p('maxTargets').present) blastRadius['maxTargets'] = value('maxTargets');
  if (p('maxPercentage').present) blastRadius['maxPercentage'] = value('maxPercentage');
  const probes = library === 'broker-partition' ? [brokerLagProbe(p)] : [];
  return {
    apiVersion: 'gauntlet.dev/v1alpha1',
    kind: 'ChaosExperiment',
    metadata: { name: name ?? library },
    spec: {
      targets,
      steps: [{ faults: [fault] }],
      steadyState: { slos: value('slos') ?? (probes.length ? 'none' : 'all'), ...(probes.length ? { probes } : {}) },
      ...(Object.keys(blastRadius).length ? { blastRadius } : {}),
      ...(p('recoveryTimeout').present ? { recoveryTimeout: value('recoveryTimeout') } : {}),
    },
  };
}

/**
 * broker-partition's steady state: the consumer's lag within maxLag (default 0) with the consumer attached, judged
 * before the cut and in recovery and reported while the link is cut. The events plug-in reads the definition (an
 * unknown consumer kind is its error, at the expanded probe's path under the file's `use: broker-partition`).
 */
function brokerLagProbe(p: (key: string) => Field): Record<string, unknown> {
  const consumer = p('consumer').required().value;
  const broker = p('broker').present ? { broker: p('broker').value } : {};
  const maxLag = p('maxLag').present ? p('maxLag').value : 0;
  return { name: 'lag-recovers', event: { ...broker, lag: { consumer, maxMessages: maxLag, afterFaults: true } } };
}
