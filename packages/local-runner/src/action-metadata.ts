import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { load as loadYaml, CORE_SCHEMA } from 'js-yaml';

/** What the runner reads from action.yml: inputs with defaults, and the node entry points. */
export interface ActionMetadata {
  name: string;
  description: string;
  inputs: Record<string, { description?: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description?: string }>;
  runs: { using: string; main: string; post?: string; 'post-if'?: string };
}

export async function readActionMetadata(actionDir: string): Promise<ActionMetadata> {
  const file = path.join(actionDir, 'action.yml');
  const parsed = loadYaml(await readFile(file, 'utf8'), { schema: CORE_SCHEMA }) as Partial<ActionMetadata>;
  if (!parsed || typeof parsed !== 'object' || !parsed.runs?.main) throw new Error(`${file} has no runs.main`);
  if (parsed.runs.using !== 'node24') throw new Error(`${file}: runs.using is ${parsed.runs.using}, expected node24`);
  return {
    name: parsed.name ?? path.basename(actionDir),
    description: parsed.description ?? '',
    inputs: parsed.inputs ?? {},
    outputs: parsed.outputs ?? {},
    runs: parsed.runs,
  };
}

/**
 * INPUT_* variables exactly as the runner builds them: defaults from action.yml (with their `${{ … }}` expressions
 * evaluated against the context), then the caller's values.
 */
export function inputEnvironment(
  metadata: ActionMetadata,
  given: Record<string, string>,
  context: ExpressionContext = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, spec] of Object.entries(metadata.inputs)) {
    if (spec.default !== undefined) env[inputVariable(name)] = evaluateDefault(String(spec.default), context);
  }
  for (const [name, value] of Object.entries(given)) {
    if (!Object.hasOwn(metadata.inputs, name)) {
      throw new Error(
        `action '${metadata.name}' has no input '${name}'; it has: ${Object.keys(metadata.inputs).join(', ')}`,
      );
    }
    env[inputVariable(name)] = value;
  }
  return env;
}

export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/** The contexts a default may read: `github` (token, event, repository, sha, …) and `runner`. */
export type ExpressionContext = Record<string, unknown>;

/**
 * Evaluates the `${{ path.to.value }}` expressions that action.yml defaults use. Only property paths are
 * supported (that is all defaults need); a missing value becomes '' as the runner renders null.
 */
export function evaluateDefault(text: string, context: ExpressionContext): string {
  return text.replace(/\$\{\{\s*([A-Za-z_][\w-]*(?:\.[\w-]+)*)\s*\}\}/g, (_, expression: string) => {
    let value: unknown = context;
    for (const key of expression.split('.')) {
      value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
    }
    if (value === undefined || value === null) return '';
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
}
