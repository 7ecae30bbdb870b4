/**
 * Chaos Toolkit providers we run natively: each probe or action of an experiment file becomes one of our probes or
 * faults (raw documents, validated afterwards like a hand-written experiment). Anything else is an error that names
 * the activity and lists what is supported, never a silent skip.
 */
import type { Field } from '../field.js';
import type { CtkContext } from './context.js';

/** Python functions we run, by `module.func` (aliases of one function share a mapping). */
export const CTK_PROBE_FUNCTIONS = [
  'chaosk8s.probes.microservice_available_and_healthy',
  'chaosk8s.deployment.probes.deployment_available_and_healthy',
  'chaosprometheus.probes.query',
] as const;
export const CTK_ACTION_FUNCTIONS = [
  'chaosk8s.pod.actions.terminate_pods',
  'chaosk8s.deployment.actions.scale_deployment',
  'chaostoxi.toxic.actions.create_latency_toxic',
  'chaostoxi.toxic.actions.create_timeout_toxic',
  'chaostoxi.toxic.actions.create_bandwith_degradation_toxic',
  'chaostoxi.toxic.actions.create_slicer_toxic',
  'chaostoxi.toxic.actions.create_limiter_toxic',
  'chaostoxi.proxy.actions.disable_proxy',
] as const;
/** Rollbacks that undo one of our faults, which the fault's own revert already does exactly. */
export const CTK_COVERED_ROLLBACKS = [
  'chaosk8s.deployment.actions.scale_deployment',
  'chaostoxi.toxic.actions.delete_toxic',
  'chaostoxi.toxic.actions.reset',
  'chaostoxi.proxy.actions.enable_proxy',
] as const;

type Raw = Record<string, unknown>;

/** What one provider becomes: our probe documents or one fault document. */
export interface MappedProbe {
  readonly probes: Raw[];
}

function pythonName(provider: Field): string {
  const module = provider.child('module').required().string();
  const func = provider.child('func').required().string();
  return `${module}.${func}`;
}

function args(provider: Field): Field {
  const a = provider.child('arguments');
  return a.present ? a : provider.at(`${provider.path}.arguments`, {});
}

/** CTK timeouts are seconds (a number); we take durations, so `5` becomes `5s`. */
function timeoutOf(provider: Field): string | undefined {
  const t = provider.child('timeout');
  if (!t.present) return undefined;
  if (Array.isArray(t.value))
    t.fail('a (connect, read) timeout pair is not supported: give one number of seconds for the whole call');
  return `${t.seconds()}s`;
}

/** A process provider's argv: a list as it is, a mapping flattened as chaoslib does (empty values dropped). */
export function processArgv(provider: Field, ctx: CtkContext): string[] {
  provider.onlyKeys(['type', 'path', 'arguments', 'timeout']);
  const argv = [ctx.substitute(provider.child('path').required())];
  const a = provider.child('arguments');
  if (!a.present) return argv;
  if (typeof a.value === 'string') {
    // chaoslib runs a string of arguments through a shell. We never run a shell; a string with nothing a shell
    // would interpret splits on spaces to the same argv, anything else is refused.
    const text = ctx.substitute(a);
    if (/["'`$\\|;&<>(){}*?~#[\]!\n]/.test(text)) {
      a.fail(
        'a string of arguments runs in a shell in the Chaos Toolkit, and chaos-gate never runs a shell: give the arguments as a list',
      );
    }
    return [...argv, ...text.split(/\s+/).filter(Boolean)];
  }
  if (Array.isArray(a.value)) return [...argv, ...a.items().map((item) => ctx.scalar(item))];
  for (const key of a.keys()) {
    const value = a.child(key);
    argv.push(key);
    if (value.present && value.value !== '') argv.push(ctx.scalar(value));
  }
  return argv;
}

/** An HTTP status tolerance: a number or a list of numbers (the provider's expected_status when there is none). */
function statusTolerance(tolerance: Field, provider: Field): number[] {
  if (!tolerance.present) {
    const expected = provider.child('expected_status');
    return expected.present ? [expected.integer(100, 599)] : [200];
  }
  if (typeof tolerance.value === 'number') return [tolerance.integer(100, 599)];
  if (Array.isArray(tolerance.value)) return tolerance.items().map((t) => t.integer(100, 599));
  return tolerance.fail(
    'an HTTP probe tolerance chaos-gate runs is a status code or a list of them (regex, jsonpath and range tolerances on the body are not supported)',
  );
}

export function httpProbe(name: string, provider: Field, tolerance: Field, ctx: CtkContext): Raw {
  provider.onlyKeys(['type', 'url', 'method', 'timeout', 'expected_status', 'headers', 'arguments', 'verify_tls']);
  for (const key of ['headers', 'arguments'] as const) {
    if (provider.child(key).present)
      provider.child(key).fail(`chaos-gate's HTTP probe sends no ${key}; remove them or use a process probe`);
  }
  if (provider.child('verify_tls').present && provider.child('verify_tls').boolean() === false)
    provider.child('verify_tls').fail('TLS verification is never turned off');
  const timeout = timeoutOf(provider);
  const method = provider.child('method');
  return {
    name,
    http: {
      url: ctx.substitute(provider.child('url').required()),
      ...(method.present ? { method: method.string().toUpperCase() } : {}),
      expectStatus: statusTolerance(tolerance, provider),
      ...(timeout ? { timeout } : {}),
    },
  };
}

export function processProbe(name: string, provider: Field, tolerance: Field, ctx: CtkContext): Raw {
  const argv = processArgv(provider, ctx);
  if (tolerance.present && typeof tolerance.value !== 'number')
    tolerance.fail('a process probe tolerance chaos-gate runs is an exit code (output tolerances are not supported)');
  const timeout = timeoutOf(provider);
  return {
    name,
    command: {
      argv,
      expectExit: tolerance.present ? tolerance.integer(0, 255) : 0,
      ...(timeout ? { timeout } : {}),
    },
  };
}

/** A python probe of the functions we know: Kubernetes readiness or a Prometheus query with a range tolerance. */
export function pythonProbe(name: string, provider: Field, tolerance: Field, ctx: CtkContext): Raw[] {
  provider.onlyKeys(['type', 'module', 'func', 'arguments']);
  const fn = pythonName(provider);
  const a = args(provider);
  switch (fn) {
    case 'chaosk8s.probes.microservice_available_and_healthy':
    case 'chaosk8s.deployment.probes.deployment_available_and_healthy': {
      a.onlyKeys(['name', 'ns', 'label_selector', 'raise_on_unavailable']);
      if (tolerance.present && tolerance.value !== true)
        tolerance.fail('this probe is steady when the Deployment is available and healthy; its tolerance is true');
      const target = ctx.target({
        kind: 'Deployment',
        names: [ctx.substitute(a.child('name').required())],
        ns: a.child('ns'),
        labelSelector: a.child('label_selector'),
      });
      return [{ name, ready: { target } }];
    }
    case 'chaosprometheus.probes.query': {
      a.onlyKeys(['query', 'when', 'timeout']);
      if (a.child('when').present) a.child('when').fail('a query at another time is not supported; the guard asks now');
      const query = ctx.substitute(a.child('query').required());
      // The usual tolerance on a query: { type: range, target: data.result[0].value[1], range: [lo, hi] }. We
      // check every series (stricter than the first), as two probes: at least lo, at most hi.
      tolerance.required();
      tolerance.onlyKeys(['type', 'range', 'target']);
      if (tolerance.child('type').required().string() !== 'range')
        tolerance.child('type').fail('a Prometheus query tolerance chaos-gate runs is a range');
      const target = tolerance.child('target');
      if (target.present && !/^data\.result\[\d+\]\.value\[1\]$/.test(target.string()))
        target.fail('expected the sample value (data.result[0].value[1]); chaos-gate checks it on every series');
      const range = tolerance.child('range').required().items();
      if (range.length !== 2) tolerance.child('range').fail('expected [low, high]');
      const [low, high] = range.map((r) => r.number()) as [number, number];
      if (low > high) tolerance.child('range').fail('low is above high');
      return [
        { name: `${name}-low`, prometheus: { query, atLeast: low } },
        { name: `${name}-high`, prometheus: { query, atMost: high } },
      ];
    }
    default:
      return provider.fail(
        `the Chaos Toolkit probe ${fn} is not one chaos-gate runs (it runs: ${CTK_PROBE_FUNCTIONS.join(', ')}, and http and process probes)`,
      );
  }
}

const TOXICS: Record<string, { toxic: string; attributes: readonly string[] }> = {
  create_latency_toxic: { toxic: 'latency', attributes: ['latency', 'jitter'] },
  create_timeout_toxic: { toxic: 'timeout', attributes: ['timeout'] },
  create_bandwith_degradation_toxic: { toxic: 'bandwidth', attributes: ['rate'] },
  create_slicer_toxic: { toxic: 'slicer', attributes: ['average_size', 'size_variation', 'delay'] },
  create_limiter_toxic: { toxic: 'limit_data', attributes: ['bytes'] },
};

/** A python action of the functions we know, as one fault (its duration is set by the method). */
export function pythonAction(provider: Field, ctx: CtkContext): Raw {
  provider.onlyKeys(['type', 'module', 'func', 'arguments']);
  const fn = pythonName(provider);
  const a = args(provider);
  const func = fn.slice(fn.lastIndexOf('.') + 1);
  if (fn.startsWith('chaostoxi.toxic.actions.') && TOXICS[func]) {
    const { toxic, attributes } = TOXICS[func];
    a.onlyKeys(['for_proxy', 'toxic_name', ...attributes]);
    const attrs: Record<string, number> = {};
    for (const key of attributes) if (a.child(key).present) attrs[key] = a.child(key).integer(0, 2_147_483_647);
    if (a.child('toxic_name').present)
      ctx.note(
        `${a.path}.toxic_name: the toxic is named by the run (so the reaper can find it), not '${ctx.scalar(a.child('toxic_name'))}'`,
      );
    return { type: 'toxiproxy', proxy: ctx.substitute(a.child('for_proxy').required()), toxic, attributes: attrs };
  }
  switch (fn) {
    case 'chaostoxi.proxy.actions.disable_proxy':
      a.onlyKeys(['proxy_name']);
      return { type: 'toxiproxy', proxy: ctx.substitute(a.child('proxy_name').required()), toxic: 'down' };
    case 'chaosk8s.deployment.actions.scale_deployment': {
      a.onlyKeys(['name', 'replicas', 'ns']);
      const target = ctx.target({
        kind: 'Deployment',
        names: [ctx.substitute(a.child('name').required())],
        ns: a.child('ns'),
      });
      return { type: 'scale-down', target, replicas: a.child('replicas').required().integer(0, 10_000) };
    }
    case 'chaosk8s.pod.actions.terminate_pods':
      return terminatePods(a, ctx);
    default:
      return provider.fail(
        `the Chaos Toolkit action ${fn} is not one chaos-gate runs (it runs: ${CTK_ACTION_FUNCTIONS.join(', ')}, and process and http actions paired with a rollback)`,
      );
  }
}

/** terminate_pods: the label selector is the target; qty (fixed or percentage) becomes the blast radius. */
function terminatePods(a: Field, ctx: CtkContext): Raw {
  a.onlyKeys(['label_selector', 'name_pattern', 'all', 'rand', 'mode', 'qty', 'grace_period', 'ns', 'order']);
  if (a.child('name_pattern').present)
    a.child('name_pattern').fail('pods are chosen by label_selector; a name pattern is not supported');
  const target = ctx.target({ kind: 'Pod', labelSelector: a.child('label_selector').required(), ns: a.child('ns') });
  const grace = a.child('grace_period');
  const graceSeconds = grace.present ? grace.integer(-1, 86_400) : -1;
  if (graceSeconds > 0)
    grace.fail("chaos-gate deletes with the pod's own grace period (-1) or forced (0), not another period");
  const all = a.child('all').present && a.child('all').boolean();
  if (!all) {
    const mode = a.child('mode').present ? a.child('mode').oneOf(['fixed', 'percentage'] as const) : 'fixed';
    const qty = a.child('qty');
    if (mode === 'fixed') ctx.limit(a, { maxTargets: qty.present ? qty.integer(1, 10_000) : 1 });
    else ctx.limit(a, { maxPercentage: qty.required().percentage() });
  }
  if (a.child('rand').present || a.child('order').present)
    ctx.note(`${a.path}: pods are picked by chaos-gate's seeded rule (replayable from the run), not rand/order`);
  return { type: 'pod-delete', target, mode: graceSeconds === 0 ? 'forced' : 'graceful' };
}

/** A rollback that only undoes a fault of the method: its revert does that exactly, so the rollback is covered. */
export function coveredRollback(provider: Field, ctx: CtkContext, faults: readonly Raw[]): boolean {
  if (provider.child('type').present && provider.child('type').value !== 'python') return false;
  const fn = pythonName(provider);
  if (!(CTK_COVERED_ROLLBACKS as readonly string[]).includes(fn)) return false;
  const undoes = fn === 'chaosk8s.deployment.actions.scale_deployment' ? 'scale-down' : ('toxiproxy' as const);
  if (!faults.some((f) => f['type'] === undoes))
    provider.fail(`${fn} undoes nothing the method did (no ${undoes} action in the method)`);
  ctx.note(`${provider.path}: ${fn} is done by the fault's own revert (restored exactly as recorded before the fault)`);
  return true;
}
