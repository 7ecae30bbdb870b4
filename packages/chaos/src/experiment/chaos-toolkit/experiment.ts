/**
 * A Chaos Toolkit experiment file (JSON or YAML, as `chaos run` takes it) read as it is: the steady-state
 * hypothesis becomes the steady-state probes, the method's probes become halt probes, its actions become faults of
 * one step, and the rollbacks either pair with an application action (its "off") or are what a fault's own revert
 * already does. The mapping rule, which the README states:
 *
 * - the method's actions start together and stay in effect for the method's pauses (the sum of every
 *   `pauses.before` and `pauses.after`); a pause before a later action would stagger the actions, which chaos-gate
 *   does not do, so it is an error, as is a method with no pause (a fault with no duration);
 * - the hypothesis is checked before, during (every interval) and after, whatever `runtime.hypothesis` says, and
 *   every fault is reverted on every exit path, whatever `runtime.rollbacks` says (`never` is refused).
 */
import type { Field } from '../field.js';
import { CtkContext } from './context.js';
import { coveredRollback, httpProbe, processArgv, processProbe, pythonAction, pythonProbe } from './providers.js';

const TOP_KEYS = [
  'version',
  'title',
  'description',
  'tags',
  'contributions',
  'configuration',
  'secrets',
  'extensions',
  'controls',
  'runtime',
  'steady-state-hypothesis',
  'method',
  'rollbacks',
];
const ACTIVITY_KEYS = ['type', 'name', 'provider', 'tolerance', 'pauses', 'background', 'secrets', 'controls'];

type Raw = Record<string, unknown>;

/** A document without apiVersion that has a method or a steady-state hypothesis is a Chaos Toolkit experiment. */
export function isChaosToolkitExperiment(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return !('apiVersion' in value) && ('method' in value || 'steady-state-hypothesis' in value);
}

export interface MappedCtkExperiment {
  /** A gauntlet.dev ChaosExperiment document, validated by the caller like a hand-written one. */
  readonly document: Raw;
  readonly notes: readonly string[];
}

export function fromChaosToolkit(doc: Field): MappedCtkExperiment {
  doc.onlyKeys(TOP_KEYS);
  if (doc.child('controls').present)
    doc.child('controls').fail('controls are Python hooks of the Chaos Toolkit; chaos-gate does not run them');
  const ctx = new CtkContext(readConfiguration(doc.child('configuration')));
  readRuntime(doc.child('runtime'), ctx);
  const title = doc.child('title').required().string();
  const declared = declareActivities(doc);
  const resolve = (field: Field): Field => {
    if (!field.present || typeof field.value !== 'object' || !('ref' in (field.value as object))) return field;
    field.onlyKeys(['ref']);
    const name = field.child('ref').string();
    const target = declared.get(name);
    if (!target) return field.child('ref').fail(`no probe or action is named '${name}'`);
    return target;
  };

  const probes: Raw[] = [];
  const ssh = doc.child('steady-state-hypothesis');
  if (ssh.present) {
    ssh.onlyKeys(['title', 'probes', 'controls']);
    if (ssh.child('controls').present) ssh.child('controls').fail('controls are not run by chaos-gate');
    for (const item of ssh.child('probes').present ? ssh.child('probes').items() : []) {
      const probe = activity(resolve(item), 'probe');
      if (probe.child('pauses').present)
        ctx.note(`${probe.path}.pauses: the hypothesis is observed at every interval; its pauses do not apply`);
      probes.push(...mapProbe(probe, ctx));
    }
  }

  const method = doc.child('method').required();
  const faults: Raw[] = [];
  const appActions: { fault: Raw; field: Field }[] = [];
  const haltProbes: Raw[] = [];
  let elapsedSeconds = 0;
  let firstActionAt: number | undefined;
  for (const item of method.items()) {
    const step = resolve(item);
    const type = step
      .child('type')
      .required()
      .oneOf(['probe', 'action'] as const);
    const a = activity(step, type);
    const pauses = readPauses(a.child('pauses'));
    if (type === 'action' && elapsedSeconds + pauses.before > 0 && faults.length > 0) {
      a.fail(
        `this action would start ${elapsedSeconds + pauses.before}s into the method; chaos-gate starts a method's actions together and keeps them in effect for its pauses (move the pauses after the last action, or split the experiment)`,
      );
    }
    if (type === 'action' && firstActionAt === undefined) firstActionAt = elapsedSeconds + pauses.before;
    elapsedSeconds += pauses.before + pauses.after;
    if (type === 'probe') {
      haltProbes.push(...mapProbe(a, ctx));
      continue;
    }
    if (a.child('background').present) a.child('background').boolean();
    const provider = a.child('provider').required();
    const providerType = provider.child('type').present ? provider.child('type').string() : 'python';
    if (providerType === 'python') {
      faults.push(pythonAction(provider, ctx));
    } else {
      const fault = { type: 'app', on: appAction(provider, providerType, ctx) };
      faults.push(fault);
      appActions.push({ fault, field: a });
    }
  }
  if (faults.length === 0) method.fail('a method without an action injects nothing');
  if (firstActionAt)
    ctx.note(
      `method: the ${firstActionAt}s of pauses before the first action are not waited (the guard runs from the start)`,
    );
  const durationSeconds = elapsedSeconds - (firstActionAt ?? 0);
  if (durationSeconds <= 0) {
    method.fail(
      "the method has no pauses, so its faults would have no duration: add pauses.after (seconds) to the last activity (chaos-gate keeps the actions in effect for the method's pauses)",
    );
  }

  const offs: Raw[] = [];
  const rollbacks = doc.child('rollbacks');
  for (const item of rollbacks.present ? rollbacks.items() : []) {
    const a = activity(resolve(item), 'action');
    const provider = a.child('provider').required();
    const providerType = provider.child('type').present ? provider.child('type').string() : 'python';
    if (providerType === 'python') {
      if (!coveredRollback(provider, ctx, faults))
        provider.fail(
          'a Python rollback chaos-gate runs is one that undoes a fault of the method (scale_deployment, delete_toxic, reset, enable_proxy); every fault is reverted by chaos-gate itself',
        );
    } else {
      offs.push(appAction(provider, providerType, ctx));
    }
  }
  if (offs.length !== appActions.length) {
    const where = appActions[offs.length]?.field ?? rollbacks;
    where.fail(
      `${appActions.length} process or http action${appActions.length === 1 ? '' : 's'} in the method and ${offs.length} in rollbacks: each one needs its rollback (in the same order), which turns it off`,
    );
  }
  appActions.forEach(({ fault }, i) => (fault['off'] = offs[i]));

  const duration = `${durationSeconds}s`;
  const blastRadius = ctx.blastRadius();
  const description = doc.child('description').optionalString();
  return {
    document: {
      apiVersion: 'gauntlet.dev/v1alpha1',
      kind: 'ChaosExperiment',
      metadata: { name: slug(title), ...(description !== undefined ? { description } : {}) },
      spec: {
        targets: ctx.targets,
        steps: [{ faults: faults.map((f) => ({ ...f, duration })) }],
        steadyState: { slos: 'all', probes },
        ...(haltProbes.length ? { halt: { probes: haltProbes } } : {}),
        ...(blastRadius ? { blastRadius } : {}),
      },
    },
    notes: ctx.notes,
  };
}

/** A probe or action as the spec defines it; secrets and per-activity controls are refused by name. */
function activity(field: Field, expected: 'probe' | 'action'): Field {
  field.onlyKeys(ACTIVITY_KEYS);
  const type = field
    .child('type')
    .required()
    .oneOf(['probe', 'action'] as const);
  if (type !== expected) field.child('type').fail(`expected a ${expected} here`);
  field.child('name').required().string();
  if (field.child('secrets').present)
    field
      .child('secrets')
      .fail(
        'secrets are not passed to activities: chaos-gate reaches the cluster with its kubeconfig input and Toxiproxy with toxiproxy-url',
      );
  if (field.child('controls').present) field.child('controls').fail('controls are not run by chaos-gate');
  if (expected === 'action' && field.child('tolerance').present)
    field.child('tolerance').fail('an action has no tolerance');
  return field;
}

function mapProbe(a: Field, ctx: CtkContext): Raw[] {
  const name = a.child('name').string();
  const provider = a.child('provider').required();
  const tolerance = a.child('tolerance');
  const type = provider.child('type').present
    ? provider.child('type').oneOf(['python', 'http', 'process'] as const)
    : 'python';
  if (type === 'http') return [httpProbe(name, provider, tolerance, ctx)];
  if (type === 'process') return [processProbe(name, provider, tolerance, ctx)];
  return pythonProbe(name, provider, tolerance, ctx);
}

/** A process or http action, run without a shell, as one half of an application fault. */
function appAction(provider: Field, type: string, ctx: CtkContext): Raw {
  if (type === 'process') {
    const timeout = provider.child('timeout');
    return { command: processArgv(provider, ctx), ...(timeout.present ? { timeout: `${timeout.seconds()}s` } : {}) };
  }
  if (type !== 'http') provider.child('type').oneOf(['python', 'http', 'process'] as const);
  provider.onlyKeys(['type', 'url', 'method', 'headers', 'arguments', 'timeout', 'expected_status']);
  const headers = provider.child('headers');
  const args = provider.child('arguments');
  const method = provider.child('method').present ? provider.child('method').string().toUpperCase() : 'GET';
  const headerMap = headers.present ? headers.stringMap() : {};
  if (args.present) {
    const json = Object.entries(headerMap).some(
      ([k, v]) => k.toLowerCase() === 'content-type' && v.toLowerCase().includes('json'),
    );
    if (method === 'GET' || !json)
      args.fail('arguments are sent as a JSON body only (a method other than GET with Content-Type: application/json)');
  }
  if (provider.child('expected_status').present)
    provider.child('expected_status').fail("an application action's status is not checked; remove expected_status");
  const timeout = provider.child('timeout');
  return {
    http: {
      url: ctx.substitute(provider.child('url').required()),
      method,
      ...(args.present ? { body: JSON.stringify(args.value) } : {}),
      ...(headers.present ? { headers: headerMap } : {}),
    },
    ...(timeout.present ? { timeout: `${timeout.seconds()}s` } : {}),
  };
}

function readPauses(field: Field): { before: number; after: number } {
  if (!field.present) return { before: 0, after: 0 };
  field.onlyKeys(['before', 'after']);
  const seconds = (key: string): number => {
    const f = field.child(key);
    if (!f.present) return 0;
    const value = f.number();
    if (value < 0 || value > 6 * 3600) f.fail('expected seconds from 0 to 21600');
    return value;
  };
  return { before: seconds('before'), after: seconds('after') };
}

/** Inline values and `{ type: env, key, default }` with its default; the runner's environment is never read. */
function readConfiguration(field: Field): Map<string, string> {
  const out = new Map<string, string>();
  if (!field.present) return out;
  for (const key of field.keys()) {
    const value = field.child(key);
    if (typeof value.value === 'object' && value.value !== null) {
      value.onlyKeys(['type', 'key', 'default']);
      value.child('type').oneOf(['env'] as const);
      if (!value.child('default').present)
        value.fail(
          "configuration from the runner's environment is not read (it holds the workflow's secrets): give a default, or an inline value",
        );
      out.set(key, value.child('default').scalarString());
    } else {
      out.set(key, value.scalarString());
    }
  }
  return out;
}

function readRuntime(field: Field, ctx: CtkContext): void {
  if (!field.present) return;
  field.onlyKeys(['rollbacks', 'hypothesis']);
  const rollbacks = field.child('rollbacks');
  if (rollbacks.present) {
    const strategy = rollbacks
      .onlyKeys(['strategy'])
      .child('strategy')
      .oneOf(['default', 'always', 'deviated', 'never'] as const);
    if (strategy === 'never')
      rollbacks.child('strategy').fail('chaos-gate reverts every fault on every exit path; never cannot be honoured');
    if (strategy !== 'always') ctx.note(`runtime.rollbacks.strategy ${strategy}: chaos-gate always reverts`);
  }
  const hypothesis = field.child('hypothesis');
  if (hypothesis.present) {
    hypothesis.onlyKeys(['strategy', 'frequency', 'fail_fast']);
    const strategy = hypothesis.child('strategy');
    if (strategy.present)
      strategy.oneOf([
        'default',
        'before-method-only',
        'after-method-only',
        'during-method-only',
        'continuously',
      ] as const);
    ctx.note(
      'runtime.hypothesis: chaos-gate observes the hypothesis before, at every interval during (the interval input), and after the faults',
    );
  }
}

/** Every named activity, so `{ ref }` can point at a probe of the hypothesis, the method or the rollbacks. */
function declareActivities(doc: Field): Map<string, Field> {
  const out = new Map<string, Field>();
  const lists = [
    doc.child('steady-state-hypothesis').present ? doc.child('steady-state-hypothesis').child('probes') : undefined,
    doc.child('method'),
    doc.child('rollbacks'),
  ];
  for (const list of lists) {
    if (!list?.present || !Array.isArray(list.value)) continue;
    for (const item of list.items()) {
      const value = item.value as Record<string, unknown> | null;
      if (value && typeof value === 'object' && typeof value['name'] === 'string' && !('ref' in value)) {
        if (out.has(value['name'])) item.child('name').fail(`two activities are named '${value['name']}'`);
        out.set(value['name'], item);
      }
    }
  }
  return out;
}

/** The title as a DNS label (it names cluster objects). */
export function slug(title: string): string {
  const text = title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/g, '');
  return text || 'chaos-toolkit-experiment';
}
