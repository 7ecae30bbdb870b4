import { InputError, InputReader } from '@gauntlet/action-kit';
import type { PrometheusAuth } from '@gauntlet/slo';

/** Everything slo-check reads from its inputs, validated. The only place that reads inputs. */
export interface Inputs {
  readonly prometheusUrl: string;
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
  readonly auth?: PrometheusAuth;
  readonly headers: Readonly<Record<string, string>>;
  readonly checkName: string;
  readonly report: boolean;
  /** A pull request label that lets a failing gate pass, visibly (a reviewed override). */
  readonly overrideLabel?: string;
}

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

export function parseInputs(reader: InputReader = new InputReader()): Inputs {
  const prometheusUrl = reader.string('prometheus-url', { required: true });
  let url: URL;
  try {
    url = new URL(prometheusUrl);
  } catch {
    throw new InputError('prometheus-url', 'is not a URL; expected e.g. http://prometheus.monitoring:9090');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InputError('prometheus-url', `uses ${url.protocol.replace(':', '')}; only http and https are supported`);
  }
  const slos = reader.string('slos');
  const sloFiles = reader.list('slo-files', { commas: false });
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
  const token = reader.string('prometheus-token');
  const username = reader.string('prometheus-username');
  const password = reader.string('prometheus-password');
  if (token !== undefined && (username !== undefined || password !== undefined)) {
    throw new InputError('prometheus-token', 'give either a bearer token or a username and password, not both');
  }
  if ((username === undefined) !== (password === undefined)) {
    throw new InputError(
      username === undefined ? 'prometheus-username' : 'prometheus-password',
      'basic auth needs both a username and a password',
    );
  }
  const headers = reader.keyValues('prometheus-headers');
  for (const name of Object.keys(headers)) {
    if (!HEADER_NAME.test(name))
      throw new InputError('prometheus-headers', `${JSON.stringify(name)} is not a valid header name`);
    if (/^(authorization|host|content-length|content-type)$/i.test(name)) {
      throw new InputError(
        'prometheus-headers',
        `${name} is set by the action; use prometheus-token or prometheus-username/password for auth`,
      );
    }
  }
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
    prometheusUrl,
    sloFiles,
    vars,
    minRequests: reader.integer('min-requests', { min: 0 }) ?? 100,
    minCoverage: reader.number('min-coverage', { min: 0, max: 1 }) ?? 0.9,
    burnRates: reader.boolean('burn-rates', true),
    inconclusive: reader.enumeration('inconclusive', ['fail', 'warn'] as const) ?? 'fail',
    failOn: reader.enumeration('fail-on', ['fail', 'warn'] as const) ?? 'fail',
    allowWarnings,
    timeoutMs: reader.duration('timeout', { minMs: 1_000, maxMs: 600_000 }) ?? 30_000,
    scrapeIntervalMs: reader.duration('scrape-interval', { minMs: 100, maxMs: 3_600_000 }) ?? 15_000,
    headers,
    checkName: reader.string('check-name', { maxLength: 100 }) ?? 'SLOs',
    report: reader.boolean('report', true),
    ...(slos === undefined ? {} : { slos }),
    ...(baseline === undefined ? {} : { baselineVars: baseline }),
    ...(namespace === undefined ? {} : { namespace }),
    ...(startedAtMs === undefined ? {} : { startedAtMs }),
    ...(windowMs === undefined ? {} : { windowMs }),
    ...(overrideLabel === undefined ? {} : { overrideLabel }),
    ...(token !== undefined
      ? { auth: { type: 'bearer' as const, token } }
      : username !== undefined && password !== undefined
        ? { auth: { type: 'basic' as const, username, password } }
        : {}),
  };
  return result;
}

/**
 * The secrets in the prometheus-headers input: every header value. Masked before the input is parsed, so even a
 * malformed value (masked whole) cannot reach the log in the error that reports it.
 */
export function headerSecrets(value: string): string[] {
  try {
    return Object.values(new InputReader(() => value).keyValues('prometheus-headers'));
  } catch {
    return [value];
  }
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
