/**
 * Reading the JUnit a test runner wrote, in the form the rest of the action compares with the plan: absolute paths
 * and file:// URLs in `file` attributes and suite names become paths relative to the working directory, the form
 * the plan uses, so a case can be matched with its planned file. The tolerant, entity-free XML reader of
 * @gauntlet/sharding does the parsing (and keeps cases written straight under <testsuites>, one suite per file).
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import {
  escapeXmlAttribute,
  escapeXmlText,
  junitCaseId,
  locateJUnitFiles,
  normalizePath,
  parseJUnitXml,
  parseXml,
  testKey,
  type JUnitCase,
  type JUnitReport,
  type JUnitSuite,
  type TestId,
  type XmlElement,
} from '@gauntlet/sharding';

function relativePath(value: string, cwd: string): string {
  let v = value.trim();
  if (v.startsWith('file://')) {
    try {
      v = decodeURIComponent(new URL(v).pathname);
    } catch {
      return value;
    }
  }
  const slashed = v.replace(/\\/g, '/');
  const isAbsolute = slashed.startsWith('/') || /^[A-Za-z]:\//.test(slashed);
  if (!isAbsolute) return value;
  const rel = path.relative(cwd, v).replace(/\\/g, '/');
  return rel.startsWith('..') || path.isAbsolute(rel) ? value : normalizePath(rel);
}

/** The tree with `file` attributes and suite names made relative to `cwd`. */
function rewrite(el: XmlElement, cwd: string): XmlElement {
  const attributes = new Map(el.attributes);
  const file = attributes.get('file');
  if (file !== undefined) attributes.set('file', relativePath(file, cwd));
  if (el.name === 'testsuite') {
    const name = attributes.get('name');
    if (name !== undefined) attributes.set('name', relativePath(name, cwd));
  }
  return { name: el.name, attributes, children: el.children.map((c) => (typeof c === 'string' ? c : rewrite(c, cwd))) };
}

function serialize(el: XmlElement): string {
  let attrs = '';
  for (const [k, v] of el.attributes) attrs += ` ${k}="${escapeXmlAttribute(v)}"`;
  if (el.children.length === 0) return `<${el.name}${attrs}/>`;
  let inner = '';
  for (const child of el.children) inner += typeof child === 'string' ? escapeXmlText(child) : serialize(child);
  return `<${el.name}${attrs}>${inner}</${el.name}>`;
}

/**
 * Whether `rel` (relative to `cwd`) is a file there, or one of `known` (planned files: the merge job may have no
 * checkout). Only called with paths built from a dotted classname's segments (never `..`, never absolute).
 */
export function workspaceFiles(cwd: string, known?: ReadonlySet<string>): (rel: string) => boolean {
  return (rel) => {
    if (known?.has(rel)) return true;
    try {
      return statSync(path.join(cwd, rel)).isFile();
    } catch {
      return false;
    }
  };
}

/**
 * Parses a runner's JUnit XML relative to `cwd`, with pytest's file-less (xunit2) cases given the file their
 * classname names (see @gauntlet/sharding junit-locate). Throws XmlError when there is no usable report.
 */
export function readJUnit(text: string, cwd: string, knownFiles?: ReadonlySet<string>): JUnitReport {
  return locateJUnitFiles(parseJUnitXml(serialize(rewrite(parseXml(text), cwd))), {
    isFile: workspaceFiles(cwd, knownFiles),
  });
}

/** A case's test id, as the timing store and the plan name tests. */
export function caseId(c: JUnitCase, suite: JUnitSuite): TestId {
  return junitCaseId(c, suite);
}

export function caseKey(c: JUnitCase, suite: JUnitSuite): string {
  return testKey(junitCaseId(c, suite));
}

/** Every case with its suite, in report order. */
export function* casesOf(report: JUnitReport): Generator<{ suite: JUnitSuite; testCase: JUnitCase }> {
  for (const suite of report.suites) for (const testCase of suite.cases) yield { suite, testCase };
}
