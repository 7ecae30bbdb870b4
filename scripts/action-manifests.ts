/**
 * Checks every `actions/<name>/action.yml` the way GitHub's runner reads it when it loads the action (the template
 * schema in actions/runner's `src/Runner.Worker/action_yaml.json`): the runner evaluates `${{ }}` while it loads
 * the manifest, and an expression anywhere but an input's `default` fails the job at "Set up job" with
 * "Unrecognized named-value" before any step runs. In a `default`, only the contexts the runner allows there
 * are accepted. `tsx scripts/action-manifests.ts` exits 1 and names the file and line of each problem.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { load as loadYaml } from 'js-yaml';

/** Named values the runner allows in an input default (`input-default-context` in action_yaml.json). */
const DEFAULT_CONTEXTS = new Set(['github', 'strategy', 'matrix', 'job', 'runner']);
/** Functions of the expression language, plus the one action_yaml.json adds for defaults (hashFiles). */
const FUNCTIONS = new Set(['contains', 'startswith', 'endswith', 'format', 'join', 'tojson', 'fromjson', 'hashfiles']);
const LITERALS = new Set(['true', 'false', 'null']);
/** Keys the runner reads at the root (others are "loose" and carried as any, e.g. author, branding). */
const NODE_RUNTIMES = new Set(['node20', 'node24']);

export interface ManifestProblem {
  file: string;
  line: number;
  message: string;
}

interface LineWithPath {
  line: number;
  /** Key path of the mapping entry the text on this line belongs to, e.g. ['inputs', 'shard', 'description']. */
  keys: string[];
  text: string;
}

/**
 * Assigns each line of a block-style YAML document to the key path it belongs to, so a problem found in the
 * parsed document can be reported at its line. Handles block mappings, `- ` sequences (as index-less keys) and
 * block scalars (`|`, `>`), which is all action manifests use.
 */
export function linesWithKeyPaths(text: string): LineWithPath[] {
  const out: LineWithPath[] = [];
  const stack: { indent: number; key: string }[] = [];
  let blockScalarIndent = -1;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    const indent = raw.length - raw.trimStart().length;
    const body = raw.trim();
    if (blockScalarIndent >= 0) {
      if (body === '' || indent > blockScalarIndent) {
        out.push({ line: i + 1, keys: stack.map((s) => s.key), text: raw });
        continue;
      }
      blockScalarIndent = -1;
    }
    if (body === '' || body.startsWith('#')) continue;
    const match = /^(-\s+)?(['"]?)([^'":#][^:]*?)\2\s*:(\s+|$)(.*)$/.exec(body);
    if (!match) {
      out.push({ line: i + 1, keys: stack.map((s) => s.key), text: raw });
      continue;
    }
    const keyIndent = indent + (match[1]?.length ?? 0);
    while (stack.length > 0 && (stack[stack.length - 1]?.indent ?? 0) >= keyIndent) stack.pop();
    stack.push({ indent: keyIndent, key: match[3] ?? '' });
    const value = match[5] ?? '';
    if (/^[|>][-+0-9]*\s*(#.*)?$/.test(value)) blockScalarIndent = keyIndent;
    out.push({ line: i + 1, keys: stack.map((s) => s.key), text: value });
  }
  return out;
}

/** The expressions in a string: the text between each `${{` and its `}}`. */
export function expressionsIn(value: string): string[] {
  const found: string[] = [];
  let from = 0;
  for (;;) {
    const start = value.indexOf('${{', from);
    if (start < 0) return found;
    const end = value.indexOf('}}', start + 3);
    found.push(value.slice(start + 3, end < 0 ? value.length : end).trim());
    if (end < 0) return found;
    from = end + 2;
  }
}

/** Named values and function calls an expression uses that the runner does not allow in an input default. */
export function disallowedInDefault(expression: string): string[] {
  const bad: string[] = [];
  // Drop string literals ('it''s'), then look at identifiers that are not property names (after a dot).
  const code = expression.replace(/'(?:[^']|'')*'/g, "''");
  const identifier = /(^|[^.\w])([A-Za-z_][\w-]*)(\s*\()?/g;
  for (let m = identifier.exec(code); m; m = identifier.exec(code)) {
    const name = m[2] ?? '';
    const lower = name.toLowerCase();
    if (m[3] !== undefined) {
      if (!FUNCTIONS.has(lower)) bad.push(`${name}()`);
    } else if (!DEFAULT_CONTEXTS.has(lower) && !LITERALS.has(lower)) {
      bad.push(name);
    }
  }
  return bad;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks one manifest's text; `file` is only used in the messages. */
export function checkActionManifest(text: string, file: string): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  let doc: unknown;
  try {
    doc = loadYaml(text);
  } catch (error) {
    const line = (error as { mark?: { line?: number } }).mark?.line;
    return [{ file, line: (line ?? 0) + 1, message: `not valid YAML: ${(error as Error).message.split('\n')[0]}` }];
  }
  if (!isMapping(doc)) return [{ file, line: 1, message: 'an action manifest must be a mapping' }];
  const lineOf = (keys: string[]): number =>
    linesWithKeyPaths(text).find((l) => keys.every((k, i) => l.keys[i] === k))?.line ?? 1;

  for (const entry of linesWithKeyPaths(text)) {
    if (!entry.text.includes('${{')) continue;
    const [section, , field] = entry.keys;
    const where = entry.keys.join('.');
    if (section === 'inputs' && field === 'default' && entry.keys.length === 3) {
      for (const expression of expressionsIn(entry.text)) {
        const bad = disallowedInDefault(expression);
        if (bad.length > 0) {
          problems.push({
            file,
            line: entry.line,
            message: `${where}: \${{ ${expression} }} uses ${bad.join(', ')}, which the runner does not allow in an input default (allowed: ${[...DEFAULT_CONTEXTS].join(', ')}, hashFiles)`,
          });
        }
      }
      continue;
    }
    problems.push({
      file,
      line: entry.line,
      message: `${where}: an expression (\${{ … }}) is evaluated while the runner loads the action and fails the job ("Unrecognized named-value"); expressions are allowed only in an input's default`,
    });
  }

  const runs = doc.runs;
  if (!isMapping(runs)) {
    problems.push({
      file,
      line: lineOf(['runs']),
      message: 'runs: missing; the runner needs runs.using and runs.main',
    });
  } else if (typeof runs.using !== 'string' || !NODE_RUNTIMES.has(runs.using)) {
    problems.push({
      file,
      line: lineOf(['runs', 'using']),
      message: `runs.using: ${JSON.stringify(runs.using)} is not one of ${[...NODE_RUNTIMES].join(', ')}`,
    });
  }
  for (const section of ['inputs', 'outputs'] as const) {
    const entries = doc[section];
    if (entries === undefined) continue;
    if (!isMapping(entries)) {
      problems.push({ file, line: lineOf([section]), message: `${section}: must be a mapping` });
      continue;
    }
    for (const [name, spec] of Object.entries(entries)) {
      if (!isMapping(spec) || typeof spec.description !== 'string' || spec.description.trim() === '') {
        problems.push({ file, line: lineOf([section, name]), message: `${section}.${name}: needs a description` });
      }
    }
  }
  return problems;
}

/** Checks every action under `root/actions`; returns the problems of all of them. */
export function checkActionManifests(root: string): ManifestProblem[] {
  const actionsDir = path.join(root, 'actions');
  return readdirSync(actionsDir)
    .filter((name) => existsSync(path.join(actionsDir, name, 'action.yml')))
    .sort()
    .flatMap((name) => {
      const file = path.join('actions', name, 'action.yml');
      return checkActionManifest(readFileSync(path.join(root, file), 'utf8'), file);
    });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const problems = checkActionManifests(root);
  for (const p of problems) console.error(`${p.file}:${p.line}: ${p.message}`);
  if (problems.length > 0) process.exit(1);
  console.log('action manifests: every expression is where the runner allows it');
}
