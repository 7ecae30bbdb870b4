import { isDns1123Label } from '@gauntlet/kube';
import type { Field } from './field.js';
import type { AppAction, FaultSpec, FaultType, PluginDefinition, ToxicType } from './model.js';

export const FAULT_TYPES: readonly FaultType[] = [
  'pod-delete',
  'pod-failure',
  'scale-down',
  'network-partition',
  'dns-failure',
  'resource-exhaustion',
  'toxiproxy',
  'chaos-mesh',
  'litmus',
  'istio-fault',
  'app',
  'node-cordon',
  'event',
];

export const TOXIC_TYPES: readonly ToxicType[] = [
  'latency',
  'bandwidth',
  'timeout',
  'reset_peer',
  'slicer',
  'limit_data',
  'down',
];

/** Toxiproxy's attribute names per toxic, so `latncy: 100` is an error and not a no-op toxic. */
const TOXIC_ATTRIBUTES: Record<ToxicType, readonly string[]> = {
  latency: ['latency', 'jitter'],
  bandwidth: ['rate'],
  timeout: ['timeout'],
  reset_peer: ['timeout'],
  slicer: ['average_size', 'size_variation', 'delay'],
  limit_data: ['bytes'],
  down: [],
};

/** Attributes whose Toxiproxy default (0) makes the toxic a no-op (timeout 0 and reset_peer 0 are real faults). */
const REQUIRED_TOXIC_ATTRIBUTES: Record<ToxicType, readonly string[]> = {
  latency: ['latency'],
  bandwidth: ['rate'],
  timeout: [],
  reset_peer: [],
  slicer: ['average_size'],
  limit_data: [],
  down: [],
};

export const CHAOS_MESH_KINDS = [
  'PodChaos',
  'NetworkChaos',
  'StressChaos',
  'DNSChaos',
  'HTTPChaos',
  'IOChaos',
  'TimeChaos',
] as const;

/** Keys each fault type takes besides type and duration. */
const FAULT_KEYS: Record<FaultType, readonly string[]> = {
  'pod-delete': ['target', 'mode', 'interval'],
  'pod-failure': ['target'],
  'dns-failure': ['target'],
  'scale-down': ['target', 'replicas'],
  'network-partition': ['target', 'from', 'direction'],
  'resource-exhaustion': ['namespace'],
  toxiproxy: ['proxy', 'toxic', 'stream', 'toxicity', 'attributes'],
  'chaos-mesh': ['resource'],
  litmus: ['resource'],
  'istio-fault': ['host', 'namespace', 'delay', 'abort'],
  app: ['on', 'off'],
  'node-cordon': ['nodes'],
  event: ['event'],
};

const MAX_FAULT_MS = 6 * 3_600_000;
const COMMON = ['type', 'duration'];

/** Reads one fault; `targets` are the experiment's target names, which a fault must reference exactly. */
export function readFault(field: Field, id: string, targets: readonly string[]): FaultSpec {
  const type = field.child('type').required().oneOf(FAULT_TYPES);
  // Unknown keys first: a misspelt `durtion` must say so, not that `duration` is missing.
  field.onlyKeys([...COMMON, ...FAULT_KEYS[type]]);
  const durationMs = field.child('duration').required().durationMs({ maxMs: MAX_FAULT_MS });
  const target = (): string => {
    const t = field.child('target').required();
    const name = t.string();
    if (!targets.includes(name)) {
      t.fail(`no target named '${name}' in spec.targets${targets.length ? ` (targets: ${targets.join(', ')})` : ''}`);
    }
    return name;
  };
  const base = { id, durationMs };
  switch (type) {
    case 'pod-delete': {
      const interval = field.child('interval');
      return {
        ...base,
        type,
        target: target(),
        mode: field.child('mode').present ? field.child('mode').oneOf(['graceful', 'forced'] as const) : 'graceful',
        ...(interval.present ? { intervalMs: interval.durationMs({ maxMs: durationMs }) } : {}),
      };
    }
    case 'pod-failure':
    case 'dns-failure':
      return { ...base, type, target: target() };
    case 'scale-down': {
      const replicas = field.child('replicas');
      return { ...base, type, target: target(), replicas: replicas.present ? replicas.integer(0, 10_000) : 0 };
    }
    case 'network-partition': {
      const from = field.child('from');
      const fromName = from.present ? from.string() : undefined;
      if (fromName !== undefined && !targets.includes(fromName))
        from.fail(`no target named '${fromName}' in spec.targets`);
      const direction = field.child('direction');
      return {
        ...base,
        type,
        target: target(),
        ...(fromName !== undefined ? { from: fromName } : {}),
        direction: direction.present ? direction.oneOf(['ingress', 'egress', 'both'] as const) : 'ingress',
      };
    }
    case 'resource-exhaustion': {
      const namespace = namespaceOf(field);
      return { ...base, type, ...(namespace !== undefined ? { namespace } : {}) };
    }
    case 'toxiproxy': {
      const toxic = field.child('toxic').required().oneOf(TOXIC_TYPES);
      const attributes: Record<string, number> = {};
      const attrs = field.child('attributes');
      if (attrs.present) {
        attrs.onlyKeys(TOXIC_ATTRIBUTES[toxic]);
        for (const key of attrs.keys()) attributes[key] = attrs.child(key).integer(0, 2_147_483_647);
      }
      // Without these Toxiproxy applies 0, a toxic that does nothing: refused, never a silent no-op fault.
      const needed = REQUIRED_TOXIC_ATTRIBUTES[toxic].filter((k) => attributes[k] === undefined);
      if (needed.length)
        attrs.fail(`a ${toxic} toxic needs ${needed.join(' and ')} (Toxiproxy's default 0 does nothing)`);
      if (toxic === 'down' && field.child('toxicity').present)
        field.child('toxicity').fail('a down fault cuts every connection; toxicity does not apply');
      const proxy = field.child('proxy').required();
      const proxyName = proxy.string();
      if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(proxyName)) proxy.fail('expected a proxy or Service name');
      const stream = field.child('stream');
      const toxicity = field.child('toxicity');
      return {
        ...base,
        type,
        proxy: proxyName,
        toxic,
        stream: stream.present ? stream.oneOf(['downstream', 'upstream'] as const) : 'downstream',
        toxicity: toxicity.present ? toxicity.percentage() / 100 : 1,
        attributes,
      };
    }
    case 'chaos-mesh':
    case 'litmus': {
      const resource = field.child('resource').required();
      readForeignResource(resource, type);
      return { ...base, type, resource: resource.map() };
    }
    case 'istio-fault': {
      const host = field.child('host').required();
      const hostName = host.string();
      if (!isDns1123Label(hostName)) host.fail('expected the name of a Service in the namespace');
      const delay = field.child('delay');
      const abort = field.child('abort');
      if (!delay.present && !abort.present) field.fail('an istio-fault needs delay or abort');
      const namespace = namespaceOf(field);
      return {
        ...base,
        type,
        host: hostName,
        ...(namespace !== undefined ? { namespace } : {}),
        ...(delay.present
          ? {
              delay: {
                fixedDelayMs: delay.onlyKeys(['fixedDelay', 'percentage']).child('fixedDelay').required().durationMs(),
                percentage: delay.child('percentage').required().percentage(),
              },
            }
          : {}),
        ...(abort.present
          ? {
              abort: {
                httpStatus: abort
                  .onlyKeys(['httpStatus', 'percentage'])
                  .child('httpStatus')
                  .required()
                  .integer(200, 599),
                percentage: abort.child('percentage').required().percentage(),
              },
            }
          : {}),
      };
    }
    case 'app':
      return {
        ...base,
        type,
        on: readAppAction(field.child('on').required()),
        off: readAppAction(field.child('off').required()),
      };
    case 'node-cordon': {
      const nodes = field
        .child('nodes')
        .required()
        .items()
        .map((n) => n.string());
      if (nodes.length === 0) field.child('nodes').fail('name at least one node');
      return { ...base, type, nodes };
    }
    case 'event':
      return { ...base, type, event: pluginDefinition(field.child('event').required()) };
  }
}

/** A command (argv list, no shell) or an HTTP call that turns an application fault on or off. */
export function readAppAction(field: Field): AppAction {
  field.onlyKeys(['command', 'http', 'timeout']);
  const timeout = field.child('timeout');
  const timeoutMs = timeout.present ? timeout.durationMs({ maxMs: 600_000 }) : 30_000;
  const command = field.child('command');
  const http = field.child('http');
  if (command.present === http.present) field.fail('give exactly one of command (a list of arguments) or http');
  if (command.present) {
    if (typeof command.value === 'string') {
      command.fail('a command is a list of arguments (["flagctl", "on", "slow-db"]); it never runs in a shell');
    }
    const argv = command.items().map((a) => a.string());
    if (argv.length === 0) command.fail('must not be empty');
    return { kind: 'command', argv, timeoutMs };
  }
  http.onlyKeys(['url', 'method', 'body', 'headers']);
  const url = http.child('url').required();
  const text = url.string();
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    return url.fail('expected an absolute http(s) URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') url.fail('expected an http or https URL');
  const method = http.child('method');
  const body = http.child('body').optionalString();
  const headers = http.child('headers');
  return {
    kind: 'http',
    url: text,
    method: method.present ? method.oneOf(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const) : 'POST',
    ...(body !== undefined ? { body } : {}),
    ...(headers.present ? { headers: headers.stringMap() } : {}),
    timeoutMs,
  };
}

/** A fault's own namespace: a namespace name, named at its path (it goes into API paths and the allow-list check). */
function namespaceOf(field: Field): string | undefined {
  const namespace = field.child('namespace').optionalString();
  if (namespace !== undefined && !isDns1123Label(namespace))
    field.child('namespace').fail('expected a namespace name (DNS-1123 label: a-z, 0-9, -, at most 63)');
  return namespace;
}

/** A Chaos Mesh or LitmusChaos resource: checks its kind; the backend forces namespaces and duration on apply. */
export function readForeignResource(field: Field, type: 'chaos-mesh' | 'litmus'): void {
  const kind = field.child('kind').required();
  const kindName = kind.string();
  if (type === 'chaos-mesh') {
    if (!(CHAOS_MESH_KINDS as readonly string[]).includes(kindName)) kind.oneOf(CHAOS_MESH_KINDS);
  } else if (kindName !== 'ChaosEngine') {
    kind.fail(`expected ChaosEngine, got ${JSON.stringify(kindName)}`);
  }
  field.child('spec').required().map();
}

/** An `event:` body as written (a mapping), with where it came from, for the events plug-in to validate. */
export function pluginDefinition(field: Field): PluginDefinition {
  return { origin: field.origin, path: field.path, value: field.map() };
}
