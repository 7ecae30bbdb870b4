import { loadYamlDocuments, type LoadOptions } from '@gauntlet/action-kit';
import { isDns1123Label, isLabelValue, isQualifiedName } from '@gauntlet/kube';
import { Field } from './field.js';
import { readFault, CHAOS_MESH_KINDS } from './faults.js';
import { expandLibrary } from './library.js';
import { fromChaosToolkit, isChaosToolkitExperiment } from './chaos-toolkit/experiment.js';
import type { ExperimentSpec, ProbeSpec, StepSpec, TargetSpec, WorkloadKind } from './model.js';
import { readProbe } from './probes.js';

export const API_VERSION = 'gauntlet.dev/v1alpha1';
const KINDS: readonly WorkloadKind[] = ['Pod', 'Deployment', 'StatefulSet', 'ReplicaSet'];
const MAX_EXPERIMENTS = 100;

/**
 * Every experiment of a file: `kind: ChaosExperiment` documents (several per file, or a `kind: List` of them),
 * library experiments (`use:`), and bare Chaos Mesh or LitmusChaos resources, each an experiment of one fault.
 * The file is read with the bounded loader (size, depth and alias caps).
 */
export function loadExperiments(text: string, origin: string, options: Partial<LoadOptions> = {}): ExperimentSpec[] {
  const documents = loadYamlDocuments(text, { ...options, origin });
  const out: ExperimentSpec[] = [];
  documents.forEach((raw, index) => {
    if (raw === null || raw === undefined) return;
    const path = documents.length > 1 ? `documents[${index}]` : '';
    const doc = new Field(origin, path, raw);
    if (doc.map()['kind'] === 'List') {
      doc.onlyKeys(['apiVersion', 'kind', 'items']);
      for (const item of doc.child('items').required().items()) out.push(readDocument(item));
    } else {
      out.push(readDocument(doc));
    }
  });
  if (out.length === 0) new Field(origin, '', undefined).fail('holds no experiment');
  if (out.length > MAX_EXPERIMENTS)
    new Field(origin, '', undefined).fail(`holds more than ${MAX_EXPERIMENTS} experiments`);
  const seen = new Set<string>();
  for (const experiment of out) {
    if (seen.has(experiment.name))
      new Field(origin, '', undefined).fail(`two experiments are named '${experiment.name}'`);
    seen.add(experiment.name);
  }
  return out;
}

function readDocument(doc: Field): ExperimentSpec {
  const map = doc.map();
  if (isChaosToolkitExperiment(map)) {
    const { document, notes } = fromChaosToolkit(doc);
    return {
      ...readExperiment(
        new Field(`${doc.origin} (as chaos-gate maps the Chaos Toolkit experiment)`, doc.path, document),
      ),
      origin: doc.origin,
      format: 'chaos-toolkit',
      ...(notes.length ? { notes } : {}),
    };
  }
  const apiVersion = doc.child('apiVersion').required().string();
  if (apiVersion.startsWith('chaos-mesh.org/') || apiVersion.startsWith('litmuschaos.io/'))
    return foreignExperiment(doc);
  if (apiVersion !== API_VERSION) {
    doc
      .child('apiVersion')
      .fail(
        `expected ${API_VERSION} (or a chaos-mesh.org or litmuschaos.io resource, or a Chaos Toolkit experiment with a method), got ${JSON.stringify(apiVersion)}`,
      );
  }
  const kind = doc.child('kind').required().string();
  if (kind !== 'ChaosExperiment') doc.child('kind').fail(`expected ChaosExperiment, got ${JSON.stringify(kind)}`);
  if (Object.hasOwn(map, 'use')) {
    doc.onlyKeys(['apiVersion', 'kind', 'metadata', 'use', 'with']);
    const name = metadataName(doc, false);
    const use = doc.child('use').string();
    const expanded = expandLibrary(doc, name);
    return {
      ...readExperiment(new Field(`${doc.origin} (use: ${use})`, doc.path, expanded)),
      origin: doc.origin,
      library: use,
    };
  }
  return readExperiment(doc);
}

function metadataName(doc: Field, required: boolean): string | undefined {
  const metadata = doc.child('metadata');
  if (!metadata.present) return required ? metadata.required() && undefined : undefined;
  metadata.onlyKeys(['name', 'description', 'labels', 'annotations']);
  const name = metadata.child('name');
  if (!name.present) return required ? name.required() && undefined : undefined;
  const text = name.string();
  if (!isDns1123Label(text)) name.fail('expected a DNS label (a-z, 0-9, -, at most 63), as it names cluster objects');
  return text;
}

export function readExperiment(doc: Field): ExperimentSpec {
  doc.onlyKeys(['apiVersion', 'kind', 'metadata', 'spec']);
  const name = metadataName(doc, true)!;
  const description = doc.child('metadata').child('description').optionalString();
  const spec = doc.child('spec').required();
  spec.onlyKeys(['targets', 'steps', 'steadyState', 'halt', 'blastRadius', 'recoveryTimeout']);
  const targets = spec.child('targets').present ? spec.child('targets').items().map(readTarget) : [];
  const names = targets.map((t) => t.name);
  if (new Set(names).size !== names.length) spec.child('targets').fail('two targets have the same name');
  const stepsField = spec.child('steps').required();
  const steps: StepSpec[] = stepsField.items().map((step, s) => {
    step.onlyKeys(['faults']);
    const faults = step.child('faults').required().itemsOrOne();
    if (faults.length === 0) step.child('faults').fail('a step needs at least one fault');
    return { faults: faults.map((f, i) => readFault(f, `s${s + 1}f${i + 1}`, names)) };
  });
  if (steps.length === 0) stepsField.fail('an experiment needs at least one step');
  const steady = spec.child('steadyState');
  let slos: readonly string[] | 'all' = 'all';
  let probes: ProbeSpec[] = [];
  if (steady.present) {
    steady.onlyKeys(['slos', 'probes']);
    const s = steady.child('slos');
    if (s.present) slos = s.value === 'all' ? 'all' : s.value === 'none' ? [] : s.items().map((x) => x.string());
    if (steady.child('probes').present)
      probes = steady
        .child('probes')
        .items()
        .map((p, i) => readProbe(p, i, names));
  }
  const halt = spec.child('halt');
  const haltProbes = halt.present
    ? halt
        .onlyKeys(['probes'])
        .child('probes')
        .required()
        .items()
        .map((p, i) => readProbe(p, i, names))
    : [];
  const blast = spec.child('blastRadius');
  if (blast.present) blast.onlyKeys(['maxTargets', 'maxPercentage']);
  const recovery = spec.child('recoveryTimeout');
  return {
    name,
    origin: doc.origin,
    ...(description !== undefined ? { description } : {}),
    targets,
    steps,
    steadyState: { slos, probes },
    haltProbes,
    blastRadius: {
      ...(blast.present && blast.child('maxTargets').present
        ? { maxTargets: maxTargetsOf(blast.child('maxTargets')) }
        : {}),
      ...(blast.present && blast.child('maxPercentage').present
        ? { maxPercentage: blast.child('maxPercentage').percentage() }
        : {}),
    },
    recoveryTimeoutMs: recovery.present ? recovery.durationMs({ maxMs: 3_600_000 }) : 120_000,
  };
}

/** maxTargets: 1 or more; 0 is refused by name, as it would mean no experiment (and never means all). */
function maxTargetsOf(field: Field): number {
  if (field.value === 0) field.fail('0 is refused: zero targets is no experiment, and never means all (at least 1)');
  return field.integer(1, 10_000);
}

function readTarget(field: Field): TargetSpec {
  field.onlyKeys(['name', 'namespace', 'kind', 'selector', 'names']);
  const name = field.child('name').required().string();
  if (!isDns1123Label(name)) field.child('name').fail('expected a DNS label (a-z, 0-9, -)');
  const namespace = field.child('namespace').optionalString();
  if (namespace !== undefined && !isDns1123Label(namespace)) field.child('namespace').fail('expected a namespace name');
  const kind = field.child('kind').present ? field.child('kind').oneOf(KINDS) : 'Pod';
  const selectorField = field.child('selector');
  const namesField = field.child('names');
  if (!selectorField.present && !namesField.present) {
    field.fail('a target needs a selector (matchLabels) or names; a target is never "everything"');
  }
  let selector: Record<string, string> | undefined;
  if (selectorField.present) {
    selector = selectorField.stringMap();
    if (Object.keys(selector).length === 0) selectorField.fail('an empty selector would match everything');
    for (const [key, value] of Object.entries(selector)) {
      if (!isQualifiedName(key)) selectorField.child(key).fail('not a valid label key');
      if (value === '' || !isLabelValue(value)) selectorField.child(key).fail('not a valid label value');
    }
  }
  const names = namesField.present ? namesField.items().map((n) => n.string()) : undefined;
  names?.forEach((n, i) => {
    if (!isDns1123Label(n) && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(n))
      namesField.items()[i]!.fail('expected an object name');
  });
  return {
    name,
    kind,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(selector ? { selector } : {}),
    ...(names ? { names } : {}),
  };
}

/** A Chaos Mesh or Litmus resource on its own: one experiment, one fault, its duration from the resource. */
function foreignExperiment(doc: Field): ExperimentSpec {
  const apiVersion = doc.child('apiVersion').string();
  const type = apiVersion.startsWith('chaos-mesh.org/') ? ('chaos-mesh' as const) : ('litmus' as const);
  const metadata = doc.child('metadata').required();
  const name = metadata.child('name').required().string();
  if (!isDns1123Label(name)) metadata.child('name').fail('expected a DNS label (a-z, 0-9, -)');
  const kind = doc.child('kind').required();
  if (type === 'chaos-mesh' && !(CHAOS_MESH_KINDS as readonly string[]).includes(kind.string()))
    kind.oneOf(CHAOS_MESH_KINDS);
  const fault = readFault(
    new Field(doc.origin, doc.path, {
      type,
      duration:
        type === 'chaos-mesh' ? doc.child('spec').required().child('duration').required().value : litmusDuration(doc),
      resource: doc.value,
    }),
    's1f1',
    [],
  );
  return {
    name,
    origin: doc.origin,
    targets: [],
    steps: [{ faults: [fault] }],
    steadyState: { slos: 'all', probes: [] },
    haltProbes: [],
    blastRadius: {},
    recoveryTimeoutMs: 120_000,
  };
}

/** A ChaosEngine's TOTAL_CHAOS_DURATION (seconds) of its first experiment; required, so it expires on its own. */
function litmusDuration(doc: Field): unknown {
  const experiments = doc.child('spec').child('experiments').required().items();
  const env = experiments[0]?.child('spec').child('components').child('env');
  const entry = env?.present ? env.items().find((e) => e.map()['name'] === 'TOTAL_CHAOS_DURATION') : undefined;
  if (!entry) {
    return (env ?? doc.child('spec').child('experiments')).fail(
      "a ChaosEngine used as a fault needs TOTAL_CHAOS_DURATION in its first experiment's components.env",
    );
  }
  return entry.child('value').required().value;
}
