/**
 * Label batching for ratio SLIs. The usual SLI counts errors as a subset of the requests, distinguished by a label:
 *   bad:   http_requests_total{job="api",code=~"5.."}
 *   total: http_requests_total{job="api"}
 * Two queries would decode the error series twice. When the bad (or good) selector is the total selector plus
 * extra matchers, we send one `sum by (<extra labels>) (increase(total[step]))` and classify the returned series
 * client-side with the extra matchers. Only matchers we can evaluate exactly like Prometheus are accepted
 * (equality, and regexes made of a conservative subset of RE2 that JavaScript reads the same way); anything else
 * falls back to two queries.
 */
export interface Matcher {
  readonly label: string;
  readonly op: '=' | '!=' | '=~' | '!~';
  readonly value: string;
}

export interface Selector {
  readonly metric: string | undefined;
  readonly matchers: readonly Matcher[];
}

const NAME = /[A-Za-z_:][A-Za-z0-9_:]*/y;
const LABEL = /[A-Za-z_][A-Za-z0-9_]*/y;

/** Parses a rendered series selector (`metric{a="b",c=~"d"}`); undefined for anything else. */
export function parseSelector(source: string): Selector | undefined {
  let i = 0;
  const s = source.trim();
  const skip = (): void => {
    while (i < s.length && /\s/.test(s[i] as string)) i += 1;
  };
  NAME.lastIndex = 0;
  const name = NAME.exec(s);
  let metric: string | undefined;
  if (name) {
    metric = name[0];
    i = NAME.lastIndex;
  }
  skip();
  const matchers: Matcher[] = [];
  if (s[i] === '{') {
    i += 1;
    for (;;) {
      skip();
      if (s[i] === '}') {
        i += 1;
        break;
      }
      LABEL.lastIndex = i;
      const label = LABEL.exec(s);
      if (!label) return undefined;
      i = LABEL.lastIndex;
      skip();
      const op = ['=~', '!~', '!=', '='].find((o) => s.startsWith(o, i)) as Matcher['op'] | undefined;
      if (!op) return undefined;
      i += op.length;
      skip();
      if (s[i] !== '"') return undefined;
      const value = readString(s, i);
      if (!value) return undefined;
      i = value.end;
      matchers.push({ label: label[0], op, value: value.text });
      skip();
      if (s[i] === ',') i += 1;
      else if (s[i] !== '}') return undefined;
    }
  }
  skip();
  if (i !== s.length || (!metric && matchers.length === 0)) return undefined;
  if (matchers.some((m) => m.label === '__name__')) return undefined;
  return { metric, matchers };
}

/** Reads a Go-style double-quoted string starting at `start`; undefined on an escape we do not handle. */
function readString(s: string, start: number): { text: string; end: number } | undefined {
  let text = '';
  let i = start + 1;
  const simple: Record<string, string> = {
    n: '\n',
    r: '\r',
    t: '\t',
    '"': '"',
    '\\': '\\',
    "'": "'",
    a: '\x07',
    b: '\b',
    f: '\f',
    v: '\v',
  };
  while (i < s.length) {
    const c = s[i] as string;
    if (c === '"') return { text, end: i + 1 };
    if (c === '\\') {
      const e = s[i + 1] as string;
      if (e in simple) {
        text += simple[e];
        i += 2;
        continue;
      }
      if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 2, i + 4))) {
        text += String.fromCharCode(parseInt(s.slice(i + 2, i + 4), 16));
        i += 4;
        continue;
      }
      return undefined;
    }
    text += c;
    i += 1;
  }
  return undefined;
}

/** Regexes JavaScript evaluates exactly as RE2 does, anchored: literals, classes, groups, alternation, quantifiers. */
const SAFE_REGEX = /^(?:[A-Za-z0-9_:.|*+?()[\]^$,{}-]|\\[.\\|*+?()[\]{}^$-]|\\[dws])*$/;

export function compileMatcher(m: Matcher): ((value: string) => boolean) | undefined {
  if (m.op === '=') return (v) => v === m.value;
  if (m.op === '!=') return (v) => v !== m.value;
  if (!SAFE_REGEX.test(m.value)) return undefined;
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${m.value})$`);
  } catch {
    return undefined;
  }
  return m.op === '=~' ? (v) => re.test(v) : (v) => !re.test(v);
}

export interface SharedPlan {
  /** The total selector, rendered. */
  readonly total: string;
  /** Labels to keep: those of the extra matchers. */
  readonly by: readonly string[];
  /** True when a series' labels satisfy the extra matchers (it belongs to the good/bad side). */
  readonly matches: (labels: Readonly<Record<string, string>>) => boolean;
}

/** A shared plan when `side` is `total` plus matchers on labels `total` does not constrain; else undefined. */
export function planShared(side: string, total: string): SharedPlan | undefined {
  const a = parseSelector(side);
  const b = parseSelector(total);
  if (!a || !b || !a.metric || a.metric !== b.metric) return undefined;
  const key = (m: Matcher): string => `${m.label}\u0000${m.op}\u0000${m.value}`;
  const sideKeys = new Set(a.matchers.map(key));
  if (!b.matchers.every((m) => sideKeys.has(key(m)))) return undefined;
  const totalKeys = new Set(b.matchers.map(key));
  const extra = a.matchers.filter((m) => !totalKeys.has(key(m)));
  if (extra.length === 0) return undefined;
  const constrained = new Set(b.matchers.map((m) => m.label));
  if (extra.some((m) => constrained.has(m.label))) return undefined;
  const tests: Array<{ label: string; test: (v: string) => boolean }> = [];
  for (const m of extra) {
    const test = compileMatcher(m);
    if (!test) return undefined;
    tests.push({ label: m.label, test });
  }
  return {
    total,
    by: [...new Set(extra.map((m) => m.label))],
    matches: (labels) => tests.every((t) => t.test(labels[t.label] ?? '')),
  };
}
