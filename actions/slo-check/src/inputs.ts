import { InputError, InputReader, confineGlob } from '@gauntlet/action-kit';
import { readPrometheusConnection, type PrometheusConnection } from '@gauntlet/slo';

/** Everything slo-check reads from its inputs, validated. The only place that reads inputs. */
export interface Inputs {
  /** prometheus-url, the auth inputs and prometheus-headers (@gauntlet/slo's one reader of them). */
  readonly prometheus: PrometheusConnection;
  readonly slos?: string;
  readonly sloFiles: readonly string[];
  readonly vars: Readonly<Record<string, string>>;
  readonly namespace?: string;
  readonly baselineVars?: Readonly<Record<string, string>>;
  readonly startedAtMs?: number;
  readonly windowMs?: number;
  readonly minRequests: number;
  readonly minCoverage: number;
  readonly burnRates: boolean;
  readonly inconclusive: 'fail' | 'warn';
  readonly failOn: 'fail' | 'warn';
  readonly allowWarnings: readonly RegExp[];
  readonly timeoutMs: number;
  readonly scrapeIntervalMs: number;
  readonly checkName: string;
  readonly report: boolean;
  /** A pull request label that lets a failing gate pass, visibly (a reviewed override). */
  readonly overrideLabel?: string;
}

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parseInputs(reader: InputReader = new InputReader()): Inputs {
  const prometheus = readPrometheusConnection(reader);
  const slos = reader.string('slos');
  // Workspace paths or globs only (no absolute pattern, no ..): checked now, and each match again when read.
  const sloFiles = reader.list('slo-files', { commas: false }).map((p) => confineGlob(p, { input: 'slo-files' }));
  if (slos === undefined && sloFiles.length === 0) {
    throw new InputError('slos', 'no SLOs given: set slos (YAML) or slo-files (paths or globs)');
  }
  const vars = checkedVars('vars', reader.keyValues('vars'));
  const baseline =
    reader.raw('baseline-vars') === undefined
      ? undefined
      : checkedVars('baseline-vars', reader.keyValues('baseline-vars'));
  const namespace = reader.string('namespace', {
    pattern: /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
    hint: 'a Kubernetes namespace name (DNS-1123 label)',
  });
  const allowWarnings = reader.list('allow-warnings', { commas: false }).map((pattern) => {
    try {
      return new RegExp(pattern);
    } catch {
      throw new InputError('allow-warnings', `${JSON.stringify(pattern)} is not a regular expression`);
    }
  });
  const startedAt = reader.string('started-at');
  // GitHub label names: up to 50 characters, no line breaks.
  const overrideLabel = reader.string('override-label', {
    pattern: /^[^\r\n]{1,50}$/,
    hint: 'a label name of up to 50 characters',
    maxLength: 50,
  });
  const windowMs = reader.duration('window', { minMs: 60_000, maxMs: 90 * 86_400_000 });
  const startedAtMs = startedAt === undefined ? undefined : parseInstant(startedAt);
  const result: Inputs = {
    prometheus,
    sloFiles,
    vars,
    // A billion requests is more than any one window of a PR environment sees; the bound keeps the count exact.
    minRequests: reader.integer('min-requests', { min: 0, max: 1_000_000_000 }) ?? 100,
    minCoverage: reader.number('min-coverage', { min: 0, max: 1 }) ?? 0.9,
    burnRates: reader.boolean('burn-rates', true),
    inconclusive: reader.enumeration('inconclusive', ['fail', 'warn'] as const) ?? 'fail',
    failOn: reader.enumeration('fail-on', ['fail', 'warn'] as const) ?? 'fail',
    allowWarnings,
    timeoutMs: reader.duration('timeout', { minMs: 1_000, maxMs: 600_000 }) ?? 30_000,
    scrapeIntervalMs: reader.duration('scrape-interval', { minMs: 100, maxMs: 3_600_000 }) ?? 15_000,
    checkName: reader.string('check-name', { maxLength: 100 }) ?? 'SLOs',
    report: reader.boolean('report', true),
    ...(slos === undefined ? {} : { slos }),
    ...(baseline === undefined ? {} : { baselineVars: baseline }),
    ...(namespace === undefined ? {} : { namespace }),
    ...(startedAtMs === undefined ? {} : { startedAtMs }),
    ...(windowMs === undefined ? {} : { windowMs }),
    ...(overrideLabel === undefined ? {} : { overrideLabel }),
  };
  return result;
}

function checkedVars(input: string, vars: Record<string, string>): Record<string, string> {
  for (const name of Object.keys(vars)) {
    if (!VAR_NAME.test(name))
      throw new InputError(input, `${JSON.stringify(name)} is not a variable name (letters, digits, _)`);
  }
  return vars;
}

/** ISO 8601 or Unix seconds; a time in the future or before 2000 is a mistake worth naming. */
function parseInstant(text: string): number {
  const ms = /^\d{9,11}(\.\d+)?$/.test(text) ? Number(text) * 1000 : Date.parse(text);
  if (!Number.isFinite(ms))
    throw new InputError('started-at', `${JSON.stringify(text)} is not an ISO 8601 time or Unix seconds`);
  if (ms < Date.UTC(2000, 0, 1) || ms > Date.now() + 5 * 60_000) {
    throw new InputError('started-at', `${JSON.stringify(text)} is not a plausible start time`);
  }
  return ms;
}
