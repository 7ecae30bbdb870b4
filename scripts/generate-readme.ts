/**
 * `pnpm readme`: writes the inputs/outputs tables of every action, generated from its action.yml, into README.md
 * and the action's own README.md, between `<!-- action-docs:NAME -->` and `<!-- /action-docs:NAME -->` markers, so
 * the docs cannot drift from the metadata. `--check` fails instead of writing when anything would change.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { load as loadYaml } from 'js-yaml';

interface ActionYaml {
  name: string;
  description: string;
  inputs?: Record<string, { description?: string; required?: boolean; default?: unknown }>;
  outputs?: Record<string, { description?: string }>;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');

function cell(text: string): string {
  return text
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\|/g, '\\|')
    .trim();
}

export function renderTables(action: ActionYaml): string {
  const lines = ['| Input | Required | Default | Description |', '|---|---|---|---|'];
  for (const [name, spec] of Object.entries(action.inputs ?? {})) {
    const fallback =
      spec.default === undefined || spec.default === ''
        ? ''
        : `\`${cell(typeof spec.default === 'string' ? spec.default : JSON.stringify(spec.default))}\``;
    lines.push(`| \`${name}\` | ${spec.required ? 'yes' : 'no'} | ${fallback} | ${cell(spec.description ?? '')} |`);
  }
  lines.push('', '| Output | Description |', '|---|---|');
  for (const [name, spec] of Object.entries(action.outputs ?? {})) {
    lines.push(`| \`${name}\` | ${cell(spec.description ?? '')} |`);
  }
  return lines.join('\n');
}

function replaceBlock(text: string, name: string, body: string, file: string): string {
  const start = `<!-- action-docs:${name} -->`;
  const end = `<!-- /action-docs:${name} -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${file} lacks the markers ${start} … ${end}`);
  return `${text.slice(0, from + start.length)}\n${body}\n${text.slice(to)}`;
}

const actionsDir = path.join(root, 'actions');
const names = readdirSync(actionsDir)
  .filter((name) => existsSync(path.join(actionsDir, name, 'action.yml')))
  .sort();
const stale: string[] = [];
const files = new Map<string, string>();
const read = (file: string): string => files.get(file) ?? readFileSync(file, 'utf8');
for (const name of names) {
  const action = loadYaml(readFileSync(path.join(actionsDir, name, 'action.yml'), 'utf8')) as ActionYaml;
  const tables = renderTables(action);
  for (const file of [path.join(root, 'README.md'), path.join(actionsDir, name, 'README.md')]) {
    files.set(file, replaceBlock(read(file), name, tables, path.relative(root, file)));
  }
}
for (const [file, text] of files) {
  if (readFileSync(file, 'utf8') === text) continue;
  stale.push(path.relative(root, file));
  if (!check) writeFileSync(file, text);
}
if (check && stale.length > 0) {
  process.stderr.write(`generated docs are stale in: ${stale.join(', ')}; run 'pnpm readme'\n`);
  process.exit(1);
}
process.stdout.write(stale.length > 0 ? `updated ${stale.join(', ')}\n` : 'action docs are up to date\n');
