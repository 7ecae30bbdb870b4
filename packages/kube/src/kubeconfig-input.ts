/**
 * The `kubeconfig` input every action takes, read one way: its content (YAML or JSON, or base64 of it; a secret) or
 * a path to a file. One detection rule (classifyKubeconfigInput) decides which, so the same value means the same in
 * provision-ephemeral-env, shard-and-run and chaos-gate, and one masking rule (kubeconfigInputSecrets) registers
 * what of it is secret before anything is parsed. Nothing here loads @kubernetes/client-node.
 */
import path from 'node:path';
import { InputError, confinePath, runnerTempRoot, type AllowedRoot, type InputReader } from '@gauntlet/action-kit';

/** A kubeconfig input: a file path, or its content (YAML, or base64 of it; a secret). */
export type KubeconfigInput = { readonly path: string } | { readonly data: string };

/** The top-level keys a kubeconfig starts with, as YAML (`clusters:`) or JSON (`"clusters":`). */
const KUBECONFIG_KEY = /(^|\n)\s*(apiVersion|kind|clusters|current-context)\s*:|"(apiVersion|clusters)"\s*:/;
const BASE64 = /^[A-Za-z0-9+/_-]+=*$/;
/** The longest value taken for a path; anything longer is content that did not look like any. */
const MAX_PATH_CHARS = 4096;

/**
 * The one base64 rule: only base64 characters (standard or URL-safe, line breaks allowed, as `base64` wraps them)
 * that decode to text with a kubeconfig's top-level keys. Returns the decoded text, else undefined.
 */
export function decodeBase64Kubeconfig(value: string): string | undefined {
  const compact = value.replace(/\s+/g, '');
  if (compact.length < 16 || !BASE64.test(compact)) return undefined;
  const decoded = Buffer.from(compact, 'base64').toString('utf8');
  return KUBECONFIG_KEY.test(decoded) ? decoded : undefined;
}

/**
 * The one detection rule: base64 of a kubeconfig (decoded); else content when it has several lines, is JSON or
 * starts like a kubeconfig; else a path, resolved against `base` (relative paths are relative to the workspace or
 * the action's working directory). Never parses the content.
 */
export function classifyKubeconfigInput(value: string, base: string, inputName = 'kubeconfig'): KubeconfigInput {
  const decoded = decodeBase64Kubeconfig(value);
  if (decoded !== undefined) return { data: decoded };
  if (
    value.trim().includes('\n') ||
    /^\s*\{/.test(value) ||
    /^\s*(apiVersion|kind|clusters|current-context)\s*:/.test(value)
  )
    return { data: value };
  if (value.length > 200 && BASE64.test(value.replace(/\s+/g, '')))
    throw new InputError(inputName, 'looks like base64 but does not decode to a kubeconfig');
  if (value.length > MAX_PATH_CHARS) throw new InputError(inputName, 'is neither a kubeconfig nor a path');
  if (value.includes('\0')) throw new InputError(inputName, 'is neither a kubeconfig nor a path (it has a NUL)');
  return { path: path.resolve(base, value.trim()) };
}

export interface ReadKubeconfigOptions {
  /** The input's name (default `kubeconfig`). */
  readonly name?: string;
  /** What a relative path is relative to. */
  readonly base: string;
  /**
   * The workspace: a path must be inside it (or under alsoUnder), resolved through symlinks. A path the workflow
   * names is still one a pull request can plant a symlink at, and a file read as a kubeconfig would be quoted in
   * its parse errors and sent as credentials to whatever server it names.
   */
  readonly confineTo: string;
  /** Other roots a path may be under; default RUNNER_TEMP, where setup actions write a kubeconfig. */
  readonly alsoUnder?: readonly AllowedRoot[];
}

/** Reads and classifies the kubeconfig input; undefined when it is empty (KUBECONFIG / in-cluster then). */
export function readKubeconfigInput(reader: InputReader, options: ReadKubeconfigOptions): KubeconfigInput | undefined {
  const name = options.name ?? 'kubeconfig';
  const value = reader.raw(name);
  if (value === undefined || value.trim() === '') return undefined;
  const given = classifyKubeconfigInput(value, options.base, name);
  if ('path' in given)
    confinePath(options.confineTo, value.trim(), {
      input: name,
      base: options.base,
      alsoUnder: options.alsoUnder ?? runnerTempRoot(),
    });
  return given;
}
