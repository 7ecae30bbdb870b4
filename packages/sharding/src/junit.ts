/**
 * JUnit XML: read (tolerant, see xml.ts), write (escaped, deterministic) and merge across shards and attempts.
 *
 * Flaky marking follows Maven Surefire's convention, which JUnit consumers (test reporters, IDEs) already read: a
 * test that failed and then passed on a later attempt is written as a passing `<testcase>` carrying
 * `<flakyFailure>` / `<flakyError>` children, and counts as passed-but-flaky, never as a plain pass.
 */
import {
  XmlError,
  childElements,
  escapeXmlAttribute,
  escapeXmlText,
  parseXml,
  textContent,
  type XmlElement,
  type XmlLimits,
} from './xml.js';
import { normalizePath } from './test-id.js';

export type CaseStatus = 'passed' | 'failed' | 'error' | 'skipped' | 'flaky';

export interface JUnitFailure {
  readonly kind: 'failure' | 'error';
  readonly message?: string;
  readonly type?: string;
  readonly text?: string;
}

export interface JUnitCase {
  readonly name: string;
  readonly classname?: string;
  readonly file?: string;
  /** Seconds; 0 when absent or unparseable. */
  readonly time: number;
  readonly status: CaseStatus;
  /** For failed/error: the failure(s) of the final attempt. For flaky: the failures of earlier attempts. */
  readonly failures: readonly JUnitFailure[];
  readonly skippedMessage?: string;
  readonly systemOut?: string;
  readonly systemErr?: string;
  /** How many attempts were merged into this case (1 when read from a single file). */
  readonly attempts: number;
}

export interface JUnitSuite {
  readonly name: string;
  readonly file?: string;
  /** The suite's own time attribute (for file-level suites it includes set-up), if present. */
  readonly time?: number;
  readonly timestamp?: string;
  readonly cases: readonly JUnitCase[];
}

export interface JUnitReport {
  readonly name?: string;
  readonly suites: readonly JUnitSuite[];
}

function seconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  // Some reporters write "1,234.5" or "1.5s"; keep digits, dot and exponent.
  const t = Number(value.trim().replace(/,/g, '').replace(/s$/, ''));
  return Number.isFinite(t) && t >= 0 ? t : undefined;
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined || value === '' ? {} : { [key]: value }) as { [P in K]?: string };
}

/** Parses JUnit XML (`<testsuites>` or a bare `<testsuite>`, nested suites flattened). Throws XmlError if unusable. */
export function parseJUnitXml(text: string, limits?: Partial<XmlLimits>): JUnitReport {
  const root = parseXml(text, limits);
  if (root.name !== 'testsuites' && root.name !== 'testsuite') {
    throw new XmlError(`not a JUnit report: root element is <${root.name}>`);
  }
  const suites: JUnitSuite[] = [];
  const visit = (el: XmlElement, inheritedFile: string | undefined): void => {
    const file = el.attributes.get('file') ?? inheritedFile;
    const cases = childElements(el, 'testcase').map((c) => readCase(c, file));
    const time = seconds(el.attributes.get('time'));
    suites.push({
      name: el.attributes.get('name') ?? '',
      ...optional('file', file),
      ...(time === undefined ? {} : { time }),
      ...optional('timestamp', el.attributes.get('timestamp')),
      cases,
    });
    for (const nested of childElements(el, 'testsuite')) visit(nested, file);
  };
  if (root.name === 'testsuite') visit(root, undefined);
  else {
    // Node's built-in junit reporter (and hand-rolled scripts) put cases straight under <testsuites>: keep them,
    // in one suite per file in first-seen order, rather than dropping them.
    const loose = new Map<string, XmlElement[]>();
    for (const c of childElements(root, 'testcase')) {
      const file = c.attributes.get('file') ?? '';
      loose.set(file, [...(loose.get(file) ?? []), c]);
    }
    for (const [file, cases] of loose) {
      const suiteFile = file === '' ? undefined : file;
      suites.push({
        name: suiteFile ?? root.attributes.get('name') ?? '',
        ...optional('file', suiteFile),
        cases: cases.map((c) => readCase(c, suiteFile)),
      });
    }
    for (const s of childElements(root, 'testsuite')) visit(s, undefined);
  }
  const name = root.name === 'testsuites' ? root.attributes.get('name') : undefined;
  return { ...optional('name', name), suites: suites.filter((s) => s.cases.length > 0 || s.time !== undefined) };
}

function readFailure(el: XmlElement, kind: 'failure' | 'error'): JUnitFailure {
  const text = textContent(el);
  return {
    kind,
    ...optional('message', el.attributes.get('message')),
    ...optional('type', el.attributes.get('type')),
    ...optional('text', text.trim() === '' ? undefined : text),
  };
}

function readCase(el: XmlElement, suiteFile: string | undefined): JUnitCase {
  const failures: JUnitFailure[] = [];
  const flaky: JUnitFailure[] = [];
  let skipped: XmlElement | undefined;
  let reruns = 0;
  let systemOut: string | undefined;
  let systemErr: string | undefined;
  for (const child of childElements(el)) {
    switch (child.name) {
      case 'failure':
        failures.push(readFailure(child, 'failure'));
        break;
      case 'error':
        failures.push(readFailure(child, 'error'));
        break;
      case 'flakyFailure':
      case 'rerunFailure':
        if (child.name === 'rerunFailure') reruns++;
        (child.name === 'flakyFailure' ? flaky : failures).push(readFailure(child, 'failure'));
        break;
      case 'flakyError':
      case 'rerunError':
        if (child.name === 'rerunError') reruns++;
        (child.name === 'flakyError' ? flaky : failures).push(readFailure(child, 'error'));
        break;
      case 'skipped':
        skipped = child;
        break;
      case 'system-out':
        systemOut = (systemOut ?? '') + textContent(child);
        break;
      case 'system-err':
        systemErr = (systemErr ?? '') + textContent(child);
        break;
      default:
        break;
    }
  }
  let status: CaseStatus;
  if (failures.some((f) => f.kind === 'error') && !failures.some((f) => f.kind === 'failure')) status = 'error';
  else if (failures.length) status = 'failed';
  else if (flaky.length) status = 'flaky';
  else if (skipped) status = 'skipped';
  else status = 'passed';
  const file = el.attributes.get('file') ?? suiteFile;
  return {
    name: el.attributes.get('name') ?? '',
    ...optional('classname', el.attributes.get('classname')),
    ...optional('file', file === undefined ? undefined : normalizePath(file)),
    time: seconds(el.attributes.get('time')) ?? 0,
    status,
    failures: status === 'flaky' ? flaky : failures,
    ...optional(
      'skippedMessage',
      skipped ? (skipped.attributes.get('message') ?? textContent(skipped).trim()) : undefined,
    ),
    ...optional('systemOut', systemOut),
    ...optional('systemErr', systemErr),
    // Surefire records each earlier failed attempt as one flaky*/rerun* element, so a merged report read back
    // keeps its attempt count (exact when every attempt failed once, which is how writeJUnitXml writes them).
    attempts: 1 + (status === 'flaky' ? flaky.length : status === 'failed' || status === 'error' ? reruns : 0),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Writing

export interface JUnitTotals {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  flaky: number;
  time: number;
}

/** Counts: flaky tests count as tests (they passed), and separately as flaky. */
export function junitTotals(cases: readonly JUnitCase[]): JUnitTotals {
  const t: JUnitTotals = { tests: 0, failures: 0, errors: 0, skipped: 0, flaky: 0, time: 0 };
  for (const c of cases) {
    t.tests++;
    t.time += c.time;
    if (c.status === 'failed') t.failures++;
    else if (c.status === 'error') t.errors++;
    else if (c.status === 'skipped') t.skipped++;
    else if (c.status === 'flaky') t.flaky++;
  }
  return t;
}

function fmtTime(t: number): string {
  return (Math.round(t * 1000) / 1000).toString();
}

function attrs(pairs: ReadonlyArray<readonly [string, string | number | undefined]>): string {
  let out = '';
  for (const [k, v] of pairs) if (v !== undefined) out += ` ${k}="${escapeXmlAttribute(String(v))}"`;
  return out;
}

function failureXml(f: JUnitFailure, tag: string, indent: string): string {
  const a = attrs([
    ['message', f.message],
    ['type', f.type],
  ]);
  return f.text === undefined ? `${indent}<${tag}${a}/>\n` : `${indent}<${tag}${a}>${escapeXmlText(f.text)}</${tag}>\n`;
}

function caseXml(c: JUnitCase): string {
  const head = `    <testcase${attrs([
    ['name', c.name],
    ['classname', c.classname],
    ['file', c.file],
    ['time', fmtTime(c.time)],
  ])}`;
  let body = '';
  const inner = '      ';
  if (c.status === 'flaky') {
    for (const f of c.failures) body += failureXml(f, f.kind === 'error' ? 'flakyError' : 'flakyFailure', inner);
  } else if (c.status === 'failed' || c.status === 'error') {
    // The first failure is the verdict; earlier failed attempts are reruns (Surefire's rerunFailure).
    c.failures.forEach((f, i) => {
      const tag = i === 0 ? f.kind : f.kind === 'error' ? 'rerunError' : 'rerunFailure';
      body += failureXml(f, tag, inner);
    });
  } else if (c.status === 'skipped') {
    body += `${inner}<skipped${attrs([['message', c.skippedMessage]])}/>\n`;
  }
  if (c.systemOut !== undefined) body += `${inner}<system-out>${escapeXmlText(c.systemOut)}</system-out>\n`;
  if (c.systemErr !== undefined) body += `${inner}<system-err>${escapeXmlText(c.systemErr)}</system-err>\n`;
  return body ? `${head}>\n${body}    </testcase>\n` : `${head}/>\n`;
}

/** Writes a report. Totals are recomputed from the cases, so they are always consistent. */
export function writeJUnitXml(report: JUnitReport): string {
  const all = report.suites.flatMap((s) => s.cases);
  const total = junitTotals(all);
  let out = '<?xml version="1.0" encoding="UTF-8"?>\n';
  out += `<testsuites${attrs([
    ['name', report.name],
    ['tests', total.tests],
    ['failures', total.failures],
    ['errors', total.errors],
    ['skipped', total.skipped],
    ['time', fmtTime(total.time)],
  ])}>\n`;
  for (const s of report.suites) {
    const t = junitTotals(s.cases);
    out += `  <testsuite${attrs([
      ['name', s.name],
      ['file', s.file],
      ['tests', t.tests],
      ['failures', t.failures],
      ['errors', t.errors],
      ['skipped', t.skipped],
      ['time', fmtTime(s.time ?? t.time)],
      ['timestamp', s.timestamp],
    ])}>\n`;
    for (const c of s.cases) out += caseXml(c);
    out += '  </testsuite>\n';
  }
  return `${out}</testsuites>\n`;
}

// ---------------------------------------------------------------------------------------------------------------
// Merging

/**
 * Merges reports of several shards and attempts; pass them in chronological order (earlier attempts first).
 *
 * A case is identified by suite name, classname, name, file and its occurrence number within its own report (a
 * report may legitimately contain the same name twice, e.g. parameterised TestNG runs, and those are different
 * tests, not retries). The same identity in several reports is several attempts:
 * - any pass plus any failure/error → flaky (passed, with the failures kept as flakyFailure);
 * - only failures → failed/error (last attempt's failure first, earlier ones as rerunFailure);
 * - skipped attempts do not count against a pass or a failure; all skipped → skipped.
 * The case's time is that of the attempt that decided the verdict. Suites keep first-seen order.
 */
export function mergeJUnitReports(reports: readonly JUnitReport[], name?: string): JUnitReport {
  interface Slot {
    suite: string;
    attempts: JUnitCase[];
  }
  const suiteOrder: string[] = [];
  const suiteInfo = new Map<string, JUnitSuite>();
  const slots = new Map<string, Slot>();
  const slotOrder = new Map<string, string[]>();
  for (const report of reports) {
    const occurrences = new Map<string, number>();
    for (const suite of report.suites) {
      if (!suiteInfo.has(suite.name)) {
        suiteInfo.set(suite.name, suite);
        suiteOrder.push(suite.name);
        slotOrder.set(suite.name, []);
      }
      for (const c of suite.cases) {
        const identity = JSON.stringify([suite.name, c.classname ?? '', c.name, c.file ?? '']);
        const nth = occurrences.get(identity) ?? 0;
        occurrences.set(identity, nth + 1);
        const key = `${identity}#${nth}`;
        let slot = slots.get(key);
        if (!slot) {
          slot = { suite: suite.name, attempts: [] };
          slots.set(key, slot);
          slotOrder.get(suite.name)!.push(key);
        }
        slot.attempts.push(c);
      }
    }
  }
  const suites: JUnitSuite[] = suiteOrder.map((suiteName) => {
    const info = suiteInfo.get(suiteName)!;
    const cases = slotOrder.get(suiteName)!.map((key) => mergeAttempts(slots.get(key)!.attempts));
    // The suite's own time is dropped: attempts differ, and writeJUnitXml sums the merged cases instead.
    return { name: info.name, ...optional('file', info.file), ...optional('timestamp', info.timestamp), cases };
  });
  return { ...optional('name', name), suites };
}

function mergeAttempts(attempts: readonly JUnitCase[]): JUnitCase {
  const last = attempts[attempts.length - 1]!;
  if (attempts.length === 1) return last;
  const ran = attempts.filter((a) => a.status !== 'skipped');
  const attemptCount = attempts.reduce((n, a) => n + a.attempts, 0);
  if (ran.length === 0) return { ...last, attempts: attemptCount };
  const passes = ran.filter((a) => a.status === 'passed' || a.status === 'flaky');
  const failed = ran.filter((a) => a.status === 'failed' || a.status === 'error');
  const earlierFailures = ran.flatMap((a) =>
    a.status === 'flaky' ? a.failures : a.status === 'passed' ? [] : a.failures,
  );
  if (passes.length && (failed.length || earlierFailures.length)) {
    const pass = passes[passes.length - 1]!;
    return { ...pass, status: 'flaky', failures: earlierFailures, attempts: attemptCount };
  }
  if (passes.length) return { ...passes[passes.length - 1]!, attempts: attemptCount };
  const final = failed[failed.length - 1]!;
  const older = failed.slice(0, -1).flatMap((a) => a.failures);
  return { ...final, failures: [...final.failures, ...older], attempts: attemptCount };
}
