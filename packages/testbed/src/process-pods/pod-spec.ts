// What a process-backed pod asks for, read from its labels and annotations, and when it should have a
// process at all. Pure functions: the controller calls them on every pod it sees, and unit tests call them on
// hostile pods (forged annotations never reach a shell, and name only commands the test registered).
import type { V1Pod } from '@kubernetes/client-node';

export const processPodKeys = {
  /** Label that makes a pod process-backed. */
  process: 'gauntlet.dev/process',
  /** Annotation naming a command registered with startProcessPods({ commands }); default: the sample service. */
  command: 'gauntlet.dev/process-command',
  /** Annotation: Prometheus job label of the pod's target (default process-pods). */
  job: 'gauntlet.dev/process-job',
  /** Annotations of the sample service: metric prefix, error rate (0..1), latency and jitter in ms. */
  prefix: 'gauntlet.dev/process-prefix',
  errorRate: 'gauntlet.dev/process-error-rate',
  latencyMs: 'gauntlet.dev/process-latency-ms',
  jitterMs: 'gauntlet.dev/process-jitter-ms',
  /** Annotation: the scrape path of the pod's target (default /metrics). */
  metricsPath: 'gauntlet.dev/process-metrics-path',
} as const;

export const SAMPLE_COMMAND = 'sample';

export interface RegisteredCommand {
  /** argv without a shell; `$(PORT)`, `$(POD_NAME)`, `$(POD_NAMESPACE)` and `$(POD_IP)` are replaced. */
  readonly argv: readonly [string, ...string[]];
  /** Extra environment for the process. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface ProcessRequest {
  readonly command: string;
  readonly job: string;
  readonly metricsPath: string;
  /** Environment for the sample service (empty for registered commands). */
  readonly sampleEnv: Readonly<Record<string, string>>;
}

const COMMAND_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const JOB = /^[a-zA-Z_][a-zA-Z0-9_-]{0,62}$/;
const PREFIX = /^[a-zA-Z_][a-zA-Z0-9_]{0,62}$/;
const PATH = /^\/[A-Za-z0-9/_.-]{0,200}$/;

export function isProcessBacked(pod: V1Pod): boolean {
  return pod.metadata?.labels?.[processPodKeys.process] === 'true';
}

/** The containers' images: Chaos Mesh's pod-failure swaps them for a pause image and back, a container restart. */
export function imagesOf(pod: V1Pod): string {
  return (pod.spec?.containers ?? []).map((c) => `${c.name}=${c.image ?? ''}`).join(',');
}

export function isReady(pod: V1Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** A pod has a process while it is Running and not terminating (and, see the controller, runs its first images). */
export function wantsProcess(pod: V1Pod): boolean {
  return isProcessBacked(pod) && pod.status?.phase === 'Running' && !pod.metadata?.deletionTimestamp;
}

function numberAnnotation(value: string | undefined, key: string, min: number, max: number): string | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max)
    throw new Error(`annotation ${key}: ${JSON.stringify(value.slice(0, 40))} is not a number from ${min} to ${max}`);
  return String(n);
}

/** Reads what the pod asks for; throws with the annotation's name when a value is not acceptable. */
export function processRequest(pod: V1Pod, commands: Readonly<Record<string, RegisteredCommand>>): ProcessRequest {
  const a = pod.metadata?.annotations ?? {};
  const command = a[processPodKeys.command] ?? SAMPLE_COMMAND;
  if (!COMMAND_NAME.test(command))
    throw new Error(
      `annotation ${processPodKeys.command}: ${JSON.stringify(command.slice(0, 80))} is not a command name`,
    );
  if (command !== SAMPLE_COMMAND && !Object.hasOwn(commands, command))
    throw new Error(
      `annotation ${processPodKeys.command}: no command ${JSON.stringify(command)} was registered with startProcessPods`,
    );
  const job = a[processPodKeys.job] ?? 'process-pods';
  if (!JOB.test(job))
    throw new Error(`annotation ${processPodKeys.job}: ${JSON.stringify(job.slice(0, 80))} is not a job name`);
  const metricsPath = a[processPodKeys.metricsPath] ?? '/metrics';
  if (!PATH.test(metricsPath))
    throw new Error(
      `annotation ${processPodKeys.metricsPath}: ${JSON.stringify(metricsPath.slice(0, 80))} is not a path`,
    );
  const sampleEnv: Record<string, string> = {};
  if (command === SAMPLE_COMMAND) {
    const prefix = a[processPodKeys.prefix];
    if (prefix !== undefined && !PREFIX.test(prefix))
      throw new Error(
        `annotation ${processPodKeys.prefix}: ${JSON.stringify(prefix.slice(0, 80))} is not a metric prefix`,
      );
    if (prefix !== undefined) sampleEnv.SAMPLE_PREFIX = prefix;
    const rate = numberAnnotation(a[processPodKeys.errorRate], processPodKeys.errorRate, 0, 1);
    if (rate !== undefined) sampleEnv.SAMPLE_ERROR_RATE = rate;
    const latency = numberAnnotation(a[processPodKeys.latencyMs], processPodKeys.latencyMs, 0, 600_000);
    if (latency !== undefined) sampleEnv.SAMPLE_LATENCY_MS = latency;
    const jitter = numberAnnotation(a[processPodKeys.jitterMs], processPodKeys.jitterMs, 0, 600_000);
    if (jitter !== undefined) sampleEnv.SAMPLE_JITTER_MS = jitter;
  }
  return { command, job, metricsPath, sampleEnv };
}

/** Replaces $(NAME) references in a registered command's argv; unknown references stay as they are. */
export function expandArgv(argv: readonly string[], vars: Readonly<Record<string, string>>): string[] {
  return argv.map((arg) => arg.replace(/\$\(([A-Z_]+)\)/g, (whole, name: string) => vars[name] ?? whole));
}

/** Kubernetes' service environment variable name: upper case, dashes to underscores. */
export function serviceEnvName(service: string): string {
  return service.toUpperCase().replace(/-/g, '_');
}
