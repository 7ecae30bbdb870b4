/**
 * Validation of timing data on load. Timing data comes from caches, artifacts and committed files that anyone with
 * a pull request may influence, and from tools that write Python-flavoured JSON (NaN, Infinity). Bad data must never
 * fail a run or lose a test: bad entries are dropped (their tests get estimates), and each kind of problem is
 * reported once, with a count and one example, so a 100,000-entry corrupt file gives a handful of log lines.
 */
import { checkJsonBounds, neutralize, type Logger } from '@gauntlet/action-kit';

/** Caps applied to timing data. */
export interface TimingLimits {
  /** Files larger than this are ignored whole (default 16 MiB; a 100,000-test store is about 6 MiB). */
  readonly maxBytes: number;
  /** Durations above this are absurd and dropped (default 6 h: GitHub's per-job limit, so no test can take longer). */
  readonly maxSeconds: number;
  /** Keys longer than this are dropped (default 4,096 characters). */
  readonly maxKeyLength: number;
  /** At most this many entries are kept (default 1,000,000); the rest are dropped. */
  readonly maxEntries: number;
}

export const DEFAULT_TIMING_LIMITS: TimingLimits = {
  maxBytes: 16 * 1024 * 1024,
  maxSeconds: 6 * 60 * 60,
  maxKeyLength: 4096,
  maxEntries: 1_000_000,
};

export type TimingProblem =
  'oversize' | 'corrupt' | 'shape' | 'version' | 'negative' | 'non-finite' | 'absurd' | 'bad-key' | 'too-many';

/** Problems that make the whole input unusable, as opposed to single bad entries. */
const WHOLE_INPUT: ReadonlySet<TimingProblem> = new Set(['oversize', 'corrupt', 'version']);

const DESCRIPTIONS: Record<TimingProblem, string> = {
  oversize: 'is larger than the size cap and was ignored',
  corrupt: 'is not valid JSON/XML and was ignored',
  version: 'has an unsupported format version and was ignored',
  shape: 'not a test id with a number of seconds',
  negative: 'negative duration',
  'non-finite': 'NaN or infinite duration',
  absurd: 'duration above the cap',
  'bad-key': 'empty or over-long test id',
  'too-many': 'beyond the entry cap',
};

/** Collects problems while loading; `flush` logs one warning per kind. */
export class TimingIssues {
  private readonly counts = new Map<TimingProblem, { count: number; example: string }>();
  constructor(readonly source: string) {}

  add(kind: TimingProblem, example = ''): void {
    const seen = this.counts.get(kind);
    if (seen) seen.count += 1;
    else this.counts.set(kind, { count: 1, example });
  }

  get size(): number {
    return this.counts.size;
  }

  has(kind: TimingProblem): boolean {
    return this.counts.has(kind);
  }

  /** One warning per kind, in a fixed order; the example is untrusted text and is neutralised. */
  flush(logger: Logger): void {
    const source = JSON.stringify(neutralize(this.source));
    for (const kind of Object.keys(DESCRIPTIONS) as TimingProblem[]) {
      const seen = this.counts.get(kind);
      if (!seen) continue;
      if (WHOLE_INPUT.has(kind)) {
        logger.warning(`Timing data ${source} ${DESCRIPTIONS[kind]}; tests are planned with estimates.`);
        continue;
      }
      const example = seen.example ? ` (e.g. ${JSON.stringify(neutralize(seen.example.slice(0, 200)))})` : '';
      const entries = seen.count === 1 ? '1 entry' : `${seen.count} entries`;
      logger.warning(
        `Timing data ${source}: dropped ${entries} (${DESCRIPTIONS[kind]})${example}; those tests are planned with estimates.`,
      );
    }
    this.counts.clear();
  }
}

/**
 * Checks one duration. Returns the value in seconds, or undefined after recording why it was dropped. The sentinel
 * string produced by `parseTolerantJson` for NaN/Infinity counts as non-finite.
 */
export function checkSeconds(
  value: unknown,
  key: string,
  limits: TimingLimits,
  issues: TimingIssues,
): number | undefined {
  if (value === NON_FINITE) {
    issues.add('non-finite', key);
    return undefined;
  }
  if (typeof value !== 'number') {
    issues.add('shape', key);
    return undefined;
  }
  if (!Number.isFinite(value)) {
    issues.add('non-finite', key);
    return undefined;
  }
  if (value < 0) {
    issues.add('negative', key);
    return undefined;
  }
  if (value > limits.maxSeconds) {
    issues.add('absurd', key);
    return undefined;
  }
  return value;
}

/** Checks a key's length; the caller normalises it. */
export function checkKey(key: string, limits: TimingLimits, issues: TimingIssues): boolean {
  if (key.trim() === '' || key.length > limits.maxKeyLength) {
    issues.add('bad-key', key.slice(0, 80));
    return false;
  }
  return true;
}

/** Byte length of text or bytes without copying. */
export function byteLength(data: string | Uint8Array): number {
  return typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data.byteLength;
}

/** Placeholder that `parseTolerantJson` substitutes for NaN, Infinity and -Infinity tokens. */
export const NON_FINITE = '\u0000gauntlet-non-finite\u0000';

/**
 * JSON.parse that also accepts Python's `NaN`, `Infinity` and `-Infinity` tokens (json.dump writes them by
 * default, so pytest-split files can contain them). Those tokens become the NON_FINITE sentinel so validation can
 * drop the entry instead of rejecting the whole file. Returns undefined for anything else that is not JSON.
 */
export function parseTolerantJson(text: string): unknown {
  // Depth first: JSON.parse would build a 16 Mi-deep array of `[[[…` before anything could refuse it. (Size is
  // the caller's maxBytes; the value count is bounded by it.)
  try {
    checkJsonBounds(text, { origin: 'timings', limits: { maxChars: Infinity, maxNodes: Infinity } });
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // fall through to the tolerant path
  }
  const sentinel = JSON.stringify(NON_FINITE);
  let out = '';
  let last = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) {
      inString = true;
      continue;
    }
    for (const token of ['-Infinity', 'Infinity', 'NaN']) {
      if (text.startsWith(token, i)) {
        out += text.slice(last, i) + sentinel;
        i += token.length - 1;
        last = i + 1;
        break;
      }
    }
  }
  if (last === 0) return undefined;
  try {
    return JSON.parse(out + text.slice(last)) as unknown;
  } catch {
    return undefined;
  }
}

/** True for a plain JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
