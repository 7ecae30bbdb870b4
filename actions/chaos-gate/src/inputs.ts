import { InputError, confineGlob, confinePath, quote, type InputReader } from '@gauntlet/action-kit';
import type { BlastRadiusLimits } from '@gauntlet/chaos';
import type { AutoSelectInputs } from './auto-select.js';
import { isDns1123Label, readKubeconfigInput, type KubeconfigInput } from '@gauntlet/kube';
import { readBrokers, type BrokerConnection } from '@gauntlet/events';
import { readPrometheusConnection, type PrometheusConnection } from '@gauntlet/slo';

/** Everything chaos-gate reads from its inputs, validated. The only place that reads inputs. */
export type Inputs = RunInputs | ReapInputs;

interface CommonInputs {
  /** Where targets live when they name none (the PR environment's namespace). */
  readonly namespace: string;
  /** namespace plus allowed-namespaces: nothing outside is ever written. */
  readonly allowedNamespaces: readonly string[];
  readonly kubeconfig?: KubeconfigInput;
  readonly dryRun: boolean;
  readonly checkName: string;
  readonly report: boolean;
  /** The Toxiproxy API toxiproxy faults are added on (run) and whose expired toxics of ours are removed (reap). */
  readonly toxiproxyUrl?: string;
}

export interface ReapInputs extends CommonInputs {
  readonly mode: 'reap';
}

export interface RunInputs extends CommonInputs {
  readonly mode: 'run';
  /** Globs relative to the workspace, checked not to leave it. */
  readonly experiments: readonly string[];
  readonly prometheus?: PrometheusConnection;
  /** Named broker connections for event probes and faults (the brokers input; its credentials are masked). */
  readonly brokers: ReadonlyMap<string, BrokerConnection>;
  readonly slos?: string;
  readonly sloFiles: readonly string[];
  readonly vars: Readonly<Record<string, string>>;
  readonly sloWindowMs: number;
  readonly minRequests: number;
  readonly scrapeIntervalMs: number;
  readonly intervalMs: number;
  readonly recoveryTimeoutMs?: number;
  readonly limits: BlastRadiusLimits;
  readonly haltLabel?: string;
  readonly haltConfigMap?: string;
  /** Absolute paths inside the workspace. */
  readonly journalPath: string;
  readonly junitPath: string;
  /** auto-targets above 0: experiments picked from the dependency graph. */
  readonly auto?: AutoSelectInputs;
}

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NAMESPACE_HINT = 'a Kubernetes namespace name (DNS-1123 label: a-z, 0-9, -, at most 63)';

/**
 * The kubeconfig input: content (a secret) or a path, through @gauntlet/kube's one reader; a path must stay inside
 * the workspace (experiments run from it).
 */
export function parseKubeconfigInput(reader: InputReader, workspace: string): KubeconfigInput | undefined {
  return readKubeconfigInput(reader, { base: workspace, confineTo: workspace });
}

/** An http(s) base URL without credentials (they would be logged with every toxic's journal line). */
function parseToxiproxyUrl(reader: InputReader): string | undefined {
  const value = reader.string('toxiproxy-url', { maxLength: 2_000 });
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InputError('toxiproxy-url', `${quote(value)} is not an absolute URL (e.g. http://127.0.0.1:8474)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new InputError('toxiproxy-url', `${quote(url.protocol)}: expected an http or https URL`);
  if (url.username || url.password)
    throw new InputError('toxiproxy-url', 'must not carry credentials (Toxiproxy has no authentication)');
  if (url.search || url.hash) throw new InputError('toxiproxy-url', 'expected a base URL without a query or fragment');
  return url.href.replace(/\/$/, '');
}

export function parseInputs(reader: InputReader, workspace: string): Inputs {
  const mode = reader.enumeration('mode', ['run', 'reap'] as const) ?? 'run';
  const namespace = reader.string('namespace', { required: true, maxLength: 63 });
  if (!isDns1123Label(namespace)) throw new InputError('namespace', `${quote(namespace)} is not ${NAMESPACE_HINT}`);
  const extra = reader.list('allowed-namespaces');
  for (const ns of extra) {
    if (ns === '*' || ns.includes('*'))
      throw new InputError('allowed-namespaces', `${quote(ns)}: wildcards are not allowed; name each namespace`);
    if (!isDns1123Label(ns)) throw new InputError('allowed-namespaces', `${quote(ns)} is not ${NAMESPACE_HINT}`);
  }
  const kubeconfig = parseKubeconfigInput(reader, workspace);
  const toxiproxyUrl = parseToxiproxyUrl(reader);
  const common: CommonInputs = {
    namespace,
    allowedNamespaces: [...new Set([namespace, ...extra])],
    dryRun: reader.boolean('dry-run', false),
    checkName: reader.string('check-name', { maxLength: 100 }) ?? 'Chaos',
    report: reader.boolean('report', true),
    ...(kubeconfig === undefined ? {} : { kubeconfig }),
    ...(toxiproxyUrl === undefined ? {} : { toxiproxyUrl }),
  };
  if (mode === 'reap') return { ...common, mode };

  const experiments = reader.list('experiments', { commas: false });
  const autoTargets = reader.integer('auto-targets', { min: 0, max: 20 }) ?? 0;
  if (experiments.length === 0 && autoTargets === 0)
    throw new InputError(
      'experiments',
      'is required in run mode (experiment files or globs, one per line), unless auto-targets picks experiments',
    );
  for (const pattern of experiments) confineGlob(pattern, { input: 'experiments' });
  const slos = reader.string('slos');
  const sloFiles = reader.list('slo-files', { commas: false });
  for (const pattern of sloFiles) confineGlob(pattern, { input: 'slo-files' });
  const hasSlos = slos !== undefined || sloFiles.length > 0;
  const prometheus = reader.raw('prometheus-url') === undefined ? undefined : readPrometheusConnection(reader);
  if (hasSlos && !prometheus)
    throw new InputError('prometheus-url', 'is required with slos or slo-files: the SLOs are measured there');
  const brokers = readBrokers(reader.raw('brokers'));
  const vars = reader.keyValues('vars');
  for (const name of Object.keys(vars)) {
    if (!VAR_NAME.test(name))
      throw new InputError('vars', `${quote(name)} is not a variable name (letters, digits, _)`);
  }
  const maxTargets = reader.integer('max-targets', { min: 0, max: 10_000 });
  if (maxTargets === 0)
    throw new InputError(
      'max-targets',
      '0 is refused: zero targets is no experiment, and never means all (at least 1)',
    );
  const maxPercentage = reader.number('max-percentage', { min: 0, max: 100 });
  const haltLabel = reader.string('halt-label', {
    pattern: /^[^\r\n]{1,50}$/,
    hint: 'a label name of up to 50 characters',
    maxLength: 50,
  });
  const haltConfigMap = reader.string('halt-configmap', { maxLength: 253 });
  if (haltConfigMap !== undefined && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(haltConfigMap))
    throw new InputError('halt-configmap', `${quote(haltConfigMap)} is not a ConfigMap name`);
  const recoveryTimeoutMs = reader.duration('recovery-timeout', { minMs: 0, maxMs: 3_600_000 });
  const outputPath = (name: string, fallback: string): string =>
    confinePath(workspace, reader.string(name) ?? fallback, { input: name });
  const auto = autoTargets > 0 ? parseAutoSelect(reader, workspace, autoTargets, prometheus !== undefined) : undefined;
  return {
    ...common,
    mode,
    experiments,
    sloFiles,
    brokers,
    vars,
    sloWindowMs: reader.duration('slo-window', { minMs: 10_000, maxMs: 86_400_000 }) ?? 120_000,
    minRequests: reader.integer('min-requests', { min: 0, max: 1_000_000_000 }) ?? 20,
    scrapeIntervalMs: reader.duration('scrape-interval', { minMs: 100, maxMs: 3_600_000 }) ?? 15_000,
    intervalMs: reader.duration('interval', { minMs: 200, maxMs: 600_000 }) ?? 10_000,
    limits: {
      ...(maxTargets === undefined ? {} : { maxTargets }),
      ...(maxPercentage === undefined ? {} : { maxPercentage }),
    },
    journalPath: outputPath('journal-path', 'chaos-journal.json'),
    junitPath: outputPath('junit-path', 'chaos-junit.xml'),
    ...(prometheus === undefined ? {} : { prometheus }),
    ...(slos === undefined ? {} : { slos }),
    ...(recoveryTimeoutMs === undefined ? {} : { recoveryTimeoutMs }),
    ...(haltLabel === undefined ? {} : { haltLabel }),
    ...(haltConfigMap === undefined ? {} : { haltConfigMap }),
    ...(auto === undefined ? {} : { auto }),
  };
}

function parseAutoSelect(reader: InputReader, workspace: string, k: number, hasPrometheus: boolean): AutoSelectInputs {
  const guardedServices = reader.list('guarded-services');
  for (const name of guardedServices)
    if (!isDns1123Label(name)) throw new InputError('guarded-services', `${quote(name)} is not a Service name`);
  const trafficQuery = reader.string('traffic-query', { maxLength: 4_000 });
  if (trafficQuery !== undefined && !hasPrometheus)
    throw new InputError('prometheus-url', 'is required with traffic-query: the request rates are read there');
  const trafficLabel = reader.string('traffic-label', {
    pattern: /^[A-Za-z_][A-Za-z0-9_]{0,99}$/,
    hint: 'a Prometheus label name',
    maxLength: 100,
  });
  const history = reader.string('selection-history', { maxLength: 1_000 });
  return {
    k,
    budgetMs: reader.duration('auto-budget', { minMs: 1_000, maxMs: 6 * 3_600_000 }) ?? 600_000,
    faultDurationMs: reader.duration('auto-fault-duration', { minMs: 1_000, maxMs: 3_600_000 }) ?? 30_000,
    guardedServices,
    trafficLabel: trafficLabel ?? 'service',
    ...(trafficQuery === undefined ? {} : { trafficQuery }),
    ...(history === undefined ? {} : { historyPath: confinePath(workspace, history, { input: 'selection-history' }) }),
  };
}
