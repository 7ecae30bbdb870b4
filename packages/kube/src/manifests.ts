/**
 * The stack: plain YAML manifests from paths or globs, parsed as data first and then transformed — variables are
 * substituted inside string values only, so a variable's value can never add YAML structure (no injection through a
 * PR number or a user variable), and images are overridden by repository name.
 */
import { globSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  confineGlob,
  DEFAULT_STRUCTURED_LIMITS,
  isInside,
  loadYamlDocuments,
  readFileInsideSync,
  UserError,
  type ExpansionBudget,
} from '@gauntlet/action-kit';
import type { KubeObject } from './client.js';

export interface ManifestSource {
  file: string;
  /** 0-based index of the YAML document in the file. */
  document: number;
}

export interface StackObject {
  object: KubeObject;
  source: ManifestSource;
}

const MAX_FILE_BYTES = 5 * 1024 * 1024;
/** All files of the stack together, as read and as expanded (aliases counted each time used). */
const MAX_STACK_BYTES = 16 * 1024 * 1024;
const MAX_OBJECTS = 1_000;

export interface LoadStackOptions {
  /** Epoch milliseconds: the step's deadline; reading the stack stops with an error past it. */
  deadline?: number;
  now?: () => number;
}

/** Resolves paths and globs against `cwd`, sorted and de-duplicated; a pattern that matches nothing is an error. */
export function resolveManifestFiles(patterns: readonly string[], cwd: string): string[] {
  const files = new Set<string>();
  for (const pattern of patterns) {
    // Manifests come from the workspace only: no absolute pattern, no .., no symlink out (the PR controls both).
    confineGlob(pattern, { input: 'manifests' });
    const matches = globSync(pattern, { cwd })
      .map((match) => path.resolve(cwd, match))
      .filter((match) => {
        if (isInside(cwd, match)) return true;
        throw new UserError(
          `Input 'manifests': ${JSON.stringify(path.relative(cwd, match))} leads outside the workspace through a symbolic link`,
        );
      });
    const yaml = matches.filter((file) => {
      try {
        return statSync(file).isFile() && /\.(ya?ml|json)$/i.test(file);
      } catch {
        return false;
      }
    });
    // A plain directory means every YAML file directly inside it.
    for (const match of matches) {
      try {
        if (statSync(match).isDirectory()) {
          for (const inner of globSync('*.{yaml,yml,json}', { cwd: match })) {
            const file = path.resolve(match, inner);
            if (!isInside(cwd, file)) {
              throw new UserError(
                `Input 'manifests': ${JSON.stringify(path.relative(cwd, file))} leads outside the workspace through a symbolic link`,
              );
            }
            yaml.push(file);
          }
        }
      } catch {
        // vanished between glob and stat
      }
    }
    if (yaml.length === 0) throw new UserError(`Input 'manifests': ${JSON.stringify(pattern)} matches no YAML file`);
    for (const file of yaml) files.add(file);
  }
  return [...files].sort();
}

/** Parses one file's YAML documents (core schema: no custom tags); `kind: List` items are flattened. */
export function parseManifests(
  text: string,
  file: string,
  options: LoadStackOptions & { budget?: ExpansionBudget } = {},
): StackObject[] {
  // Bounded: size, depth, aliases and the expanded size (a few hundred bytes of nested aliases expand to 10^9
  // nodes once variables are substituted), and the deadline.
  const documents = loadYamlDocuments(text, { origin: file, limits: { maxChars: MAX_FILE_BYTES }, ...options });
  const objects: StackObject[] = [];
  documents.forEach((doc, document) => {
    if (doc === null || doc === undefined) return;
    const source = { file, document };
    if (typeof doc !== 'object' || Array.isArray(doc))
      throw new UserError(`${where(source)}: a manifest must be a mapping`);
    const object = doc as KubeObject;
    if (
      object.kind === 'List' ||
      (typeof object.kind === 'string' && object.kind.endsWith('List') && Array.isArray(object.items))
    ) {
      for (const item of (object.items as unknown[]) ?? []) objects.push({ object: checkObject(item, source), source });
    } else {
      objects.push({ object: checkObject(object, source), source });
    }
  });
  return objects;
}

function checkObject(value: unknown, source: ManifestSource): KubeObject {
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new UserError(`${where(source)}: a manifest must be a mapping`);
  const object = value as KubeObject;
  if (typeof object.apiVersion !== 'string' || typeof object.kind !== 'string')
    throw new UserError(`${where(source)}: apiVersion and kind are required`);
  if (typeof object.metadata?.name !== 'string') {
    throw new UserError(
      `${where(source)}: ${object.kind} needs metadata.name (generateName cannot be applied idempotently)`,
    );
  }
  return object;
}

export function where(source: ManifestSource): string {
  return `${source.file}#${source.document + 1}`;
}

export function loadStack(patterns: readonly string[], cwd: string, options: LoadStackOptions = {}): StackObject[] {
  const objects: StackObject[] = [];
  const budget: ExpansionBudget = { nodes: DEFAULT_STRUCTURED_LIMITS.maxNodes, chars: MAX_STACK_BYTES };
  let bytes = 0;
  for (const file of resolveManifestFiles(patterns, cwd)) {
    // Read once, through the workspace check again and with the cap on that one read: a size from stat before
    // the read would let a file that grows in between through whole.
    const text = readFileInsideSync(cwd, file, { maxBytes: MAX_FILE_BYTES });
    bytes += Buffer.byteLength(text);
    if (bytes > MAX_STACK_BYTES)
      throw new UserError(`the stack's files are larger than ${MAX_STACK_BYTES} bytes together`);
    objects.push(...parseManifests(text, path.relative(cwd, file) || file, { ...options, budget }));
    if (objects.length > MAX_OBJECTS) throw new UserError(`the stack has more than ${MAX_OBJECTS} objects`);
  }
  return objects;
}

const VARIABLE = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)(?::(int|bool))?\}/g;
const WHOLE_TYPED = /^\$\{([A-Za-z_][A-Za-z0-9_]*):(int|bool)\}$/;

export interface SubstitutionResult<T> {
  value: T;
  /** Variables referenced but not defined (left as written). */
  unknown: string[];
}

/**
 * Replaces `${NAME}` in every string value (and mapping key) with `variables[NAME]`. `$${NAME}` is a literal
 * `${NAME}`. A string that is exactly `${NAME:int}` or `${NAME:bool}` becomes a number or a boolean, for fields such
 * as replicas. Unknown names are left as written and reported; an unknown name in a typed reference is an error.
 */
export function substituteVariables<T>(input: T, variables: Readonly<Record<string, string>>): SubstitutionResult<T> {
  const unknown = new Set<string>();
  const replaceString = (text: string): string | number | boolean => {
    const typed = WHOLE_TYPED.exec(text);
    if (typed) {
      const value = variables[typed[1] as string];
      // A typed reference is written for this action alone (no shell spells `:int`), and left as written it would
      // reach the API server as a string where a number or boolean belongs: an error now, before anything applies.
      if (value === undefined)
        throw new UserError(
          `\${${typed[1]}:${typed[2]}} needs variable ${typed[1]}, which is not set: set it in the variables input`,
        );
      if (typed[2] === 'int') {
        if (!/^-?\d+$/.test(value))
          throw new UserError(
            `variable ${typed[1]} is used as an integer but is ${JSON.stringify(value.slice(0, 40))}`,
          );
        return Number(value);
      }
      if (value !== 'true' && value !== 'false')
        throw new UserError(`variable ${typed[1]} is used as a boolean but is ${JSON.stringify(value.slice(0, 40))}`);
      return value === 'true';
    }
    return text.replace(VARIABLE, (match, escaped: string, name: string, type: string | undefined) => {
      if (escaped) return match.slice(1);
      if (type) throw new UserError(`\${${name}:${type}} must be the whole value`);
      const value = variables[name];
      if (value === undefined) {
        unknown.add(name);
        return match;
      }
      return value;
    });
  };
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') return replaceString(node);
    if (Array.isArray(node)) return node.map(walk);
    if (node && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
        const newKey = replaceString(key);
        out[String(newKey)] = walk(value);
      }
      return out;
    }
    return node;
  };
  return { value: walk(input) as T, unknown: [...unknown].sort() };
}

/** Image reference split into repository and tag/digest (`registry:5000/app:1` → `registry:5000/app`, `:1`). */
export function splitImage(image: string): { repository: string; suffix: string } {
  const at = image.indexOf('@');
  if (at >= 0) return { repository: image.slice(0, at), suffix: image.slice(at) };
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  if (colon > slash) return { repository: image.slice(0, colon), suffix: image.slice(colon) };
  return { repository: image, suffix: '' };
}

/** Pod specs inside any workload kind: Pod, templates, CronJob job templates. */
export function podSpecsOf(object: KubeObject): Array<Record<string, unknown>> {
  const specs: Array<Record<string, unknown>> = [];
  const spec = object.spec as Record<string, unknown> | undefined;
  if (!spec) return specs;
  if (object.kind === 'Pod') specs.push(spec);
  const template = spec.template as { spec?: Record<string, unknown> } | undefined;
  if (template?.spec) specs.push(template.spec);
  const jobTemplate = spec.jobTemplate as { spec?: { template?: { spec?: Record<string, unknown> } } } | undefined;
  if (jobTemplate?.spec?.template?.spec) specs.push(jobTemplate.spec.template.spec);
  return specs;
}

/**
 * Overrides container images by repository: `{ 'ghcr.io/acme/api': 'ghcr.io/acme/api:pr-42' }`, or a value that
 * starts with `:` or `@` to keep the repository and replace the tag or digest. Returns how many images changed.
 */
export function overrideImages(object: KubeObject, overrides: Readonly<Record<string, string>>): number {
  if (Object.keys(overrides).length === 0) return 0;
  let changed = 0;
  for (const spec of podSpecsOf(object)) {
    for (const field of ['containers', 'initContainers', 'ephemeralContainers']) {
      const containers = spec[field];
      if (!Array.isArray(containers)) continue;
      for (const container of containers as Array<{ image?: unknown }>) {
        if (typeof container.image !== 'string') continue;
        const { repository } = splitImage(container.image);
        const replacement = overrides[repository];
        if (replacement === undefined) continue;
        container.image =
          replacement.startsWith(':') || replacement.startsWith('@') ? `${repository}${replacement}` : replacement;
        changed++;
      }
    }
  }
  return changed;
}
