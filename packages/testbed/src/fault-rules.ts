import { seededRandom } from '@gauntlet/action-kit';
// Rules for the fault proxy: which requests to hit (method, path regex, query), how often (after N,
// at most N times, with a probability from a seeded RNG so failures reproduce), and what to do.

export type FaultAction =
  /** Pass the request through (use with `delayMs` for pure latency). */
  | { type: 'forward' }
  /**
   * Answer with this status. Default body: a Kubernetes `Status` object with the matching reason.
   * `afterForward`: send the request upstream first (the write is applied), then lose the real response.
   */
  | {
      type: 'status';
      status: number;
      retryAfterSeconds?: number;
      body?: string | object;
      headers?: Record<string, string>;
      afterForward?: boolean;
    }
  /** Reset the client connection (TCP RST), before or after the request reached the upstream. */
  | { type: 'reset'; afterForward?: boolean }
  /**
   * Forward a streaming (watch) response but end it after `afterEvents` complete newline-delimited events:
   * 'eof' (default) ends the stream cleanly; 'expired' first sends a watch ERROR event carrying a
   * 410 Expired Status (what the API server sends when the resourceVersion is too old), then ends;
   * 'abort' closes the connection mid-body (events already sent arrive, then the client sees an error);
   * 'reset' sends a TCP RST (the client may also lose events it had not read yet, as on a real network).
   */
  | { type: 'cut-watch'; afterEvents: number; then?: 'eof' | 'expired' | 'abort' | 'reset' }
  /**
   * Never answer: hold the request until the client gives up (or the proxy closes). `held` on the recorded request
   * stays true meanwhile, so a test can tell that an outcome came while the request was still held.
   */
  | { type: 'hang' };

export interface FaultRule {
  /** Shown in recorded requests (`fault`) and errors. Defaults to the action type. */
  name?: string;
  /** One method or several, case-insensitive. Default: any. */
  method?: string | string[];
  /** Matched against the path without the query string. A string is a regex source. Default: any. */
  path?: RegExp | string;
  /** Every listed query parameter must be present and match (string: exact, RegExp: test). */
  query?: Record<string, string | RegExp>;
  /** Let the first N matching requests through untouched. */
  after?: number;
  /** Fire at most N times, then stop matching (the rule stays listed with its hit count). */
  times?: number;
  /** Fire with this probability (0..1), drawn from the proxy's seeded RNG. Default 1. */
  probability?: number;
  /** Added latency before the action runs. */
  delayMs?: number;
  action: FaultAction;
}

export interface RuleState {
  readonly rule: FaultRule;
  /** Requests that matched method/path/query (fired or not). */
  matched: number;
  /** Times the action actually ran. */
  fired: number;
}

/** action-kit's seeded generator: same seed and request order give the same faults. */
export { seededRandom };

export function ruleMatches(rule: FaultRule, method: string, path: string, query: URLSearchParams): boolean {
  if (rule.method !== undefined) {
    const methods = (Array.isArray(rule.method) ? rule.method : [rule.method]).map((m) => m.toUpperCase());
    if (!methods.includes(method.toUpperCase())) return false;
  }
  if (rule.path !== undefined) {
    const re = typeof rule.path === 'string' ? new RegExp(rule.path) : rule.path;
    re.lastIndex = 0; // a /g regex would otherwise alternate between matching and not
    if (!re.test(path)) return false;
  }
  for (const [k, want] of Object.entries(rule.query ?? {})) {
    const got = query.get(k);
    if (got === null) return false;
    if (typeof want === 'string' ? got !== want : !want.test(got)) return false;
  }
  return true;
}

/** Decides whether a matching rule fires now, updating its counters. */
export function ruleFires(state: RuleState, random: () => number): boolean {
  state.matched++;
  const r = state.rule;
  if (r.after !== undefined && state.matched <= r.after) return false;
  if (r.times !== undefined && state.fired >= r.times) return false;
  if (r.probability !== undefined && r.probability < 1 && random() >= r.probability) return false;
  state.fired++;
  return true;
}
