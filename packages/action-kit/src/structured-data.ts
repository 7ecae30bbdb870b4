/**
 * The one bounded loader for YAML and JSON that a pull request (or a user) controls: manifests, SLO definitions,
 * kubeconfigs, timing files, plans, YAML inputs. Memory and time stay bounded on any input under the size cap:
 *
 * - the text is capped before parsing (maxChars);
 * - nesting is capped (YAML by js-yaml's maxDepth, JSON by a scan before JSON.parse, which would otherwise build a
 *   64 Mi-deep array first);
 * - YAML aliases are capped in number (maxAliases) and, since js-yaml shares one object per anchor, a 537-byte
 *   document of nested aliases is tiny when parsed and 10^9 nodes when anything walks or serialises it (the
 *   "billion laughs"): the expanded tree is counted, nodes and string characters, and refused past maxNodes and
 *   maxExpandedChars, and a recursive alias is refused by name;
 * - the caller's deadline is checked while counting, so a slow walk cannot outlive the step's timeout.
 *
 * Errors are YamlError/JsonError (UserErrors) naming the origin, the line and column and the parser's reason,
 * which quotes at most the offending token (a tag or alias name), never the document's text.
 */
import { CORE_SCHEMA, loadAll } from 'js-yaml';
import { UserError } from './errors.js';

export interface StructuredLimits {
  /** Largest text parsed, in UTF-16 code units. */
  readonly maxChars: number;
  /** Deepest nesting of mappings and sequences. */
  readonly maxDepth: number;
  /** Most alias nodes (`*ref`) in one document. */
  readonly maxAliases: number;
  /** Most nodes of the expanded tree (aliases counted each time they are used), over all documents. */
  readonly maxNodes: number;
  /** Most string characters (keys and values) of the expanded tree, over all documents. */
  readonly maxExpandedChars: number;
}

export const DEFAULT_STRUCTURED_LIMITS: StructuredLimits = {
  maxChars: 8 * 1024 * 1024,
  maxDepth: 100,
  maxAliases: 1_000,
  maxNodes: 1_000_000,
  maxExpandedChars: 64 * 1024 * 1024,
};

export interface LoadOptions {
  /** File or input name, for messages. */
  readonly origin: string;
  readonly limits?: Partial<StructuredLimits>;
  /** Epoch milliseconds after which loading stops with an error. */
  readonly deadline?: number;
  readonly now?: () => number;
  /**
   * A budget shared by several loads (the files of one stack): each load may expand to at most what is left of
   * it, and spends what it used.
   */
  readonly budget?: ExpansionBudget;
}

/** What is left to spend, in expanded nodes and characters; loads decrement it. */
export interface ExpansionBudget {
  nodes: number;
  chars: number;
}

export class StructuredDataError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'StructuredDataError';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

function limitsOf(options: LoadOptions): StructuredLimits {
  const limits = { ...DEFAULT_STRUCTURED_LIMITS, ...options.limits };
  if (options.budget === undefined) return limits;
  return {
    ...limits,
    maxNodes: Math.min(limits.maxNodes, options.budget.nodes),
    maxExpandedChars: Math.min(limits.maxExpandedChars, options.budget.chars),
  };
}

function checkSize(text: string, options: LoadOptions, limits: StructuredLimits): void {
  if (text.length > limits.maxChars) {
    throw new StructuredDataError(`${options.origin}: larger than ${limits.maxChars} characters`);
  }
}

function checkDeadline(options: LoadOptions): void {
  if (options.deadline !== undefined && (options.now ?? Date.now)() > options.deadline) {
    throw new StructuredDataError(`${options.origin}: the deadline passed while reading it`);
  }
}

interface YamlErrorShape {
  reason?: unknown;
  mark?: { line?: unknown; column?: unknown };
}

/** The parser's reason and position only: js-yaml's message carries a snippet of the source, which may be a secret. */
function yamlReason(error: unknown): string {
  const shape = (error ?? {}) as YamlErrorShape;
  const reason = typeof shape.reason === 'string' ? shape.reason : 'unreadable';
  const short = reason.length > 120 ? `${reason.slice(0, 117)}...` : reason;
  const line = shape.mark?.line;
  const column = shape.mark?.column;
  return typeof line === 'number' && typeof column === 'number'
    ? `${short} at line ${line + 1}, column ${column + 1}`
    : short;
}

/**
 * Counts the expanded tree of every document, iteratively (no recursion, so no stack overflow), refusing cycles
 * (recursive aliases) and trees past the node or character caps.
 */
function checkExpandedSize(
  documents: readonly unknown[],
  options: LoadOptions,
  limits: StructuredLimits,
): { nodes: number; chars: number } {
  let nodes = 0;
  let chars = 0;
  // Each frame: a value, and the ancestors on its path (for cycles). Ancestors are kept as a linked list.
  interface Frame {
    value: unknown;
    parent: Ancestor | undefined;
  }
  interface Ancestor {
    value: object;
    parent: Ancestor | undefined;
  }
  const stack: Frame[] = documents.map((value) => ({ value, parent: undefined }));
  while (stack.length > 0) {
    const { value, parent } = stack.pop()!;
    if (++nodes > limits.maxNodes) {
      throw new StructuredDataError(
        `${options.origin}: expands to more than ${limits.maxNodes} nodes (aliases count each time they are used)`,
      );
    }
    if ((nodes & 0x3fff) === 0) checkDeadline(options);
    if (typeof value === 'string') chars += value.length;
    else if (value !== null && typeof value === 'object') {
      for (let a = parent; a !== undefined; a = a.parent) {
        if (a.value === value)
          throw new StructuredDataError(`${options.origin}: a recursive alias (it contains itself)`);
      }
      const self: Ancestor = { value, parent };
      if (Array.isArray(value)) {
        for (const item of value) stack.push({ value: item, parent: self });
      } else {
        for (const [key, item] of Object.entries(value)) {
          chars += key.length;
          stack.push({ value: item, parent: self });
        }
      }
    }
    if (chars > limits.maxExpandedChars) {
      throw new StructuredDataError(
        `${options.origin}: expands to more than ${limits.maxExpandedChars} characters of text (aliases count each time they are used)`,
      );
    }
  }
  return { nodes, chars };
}

/** Every YAML document of `text` (YAML 1.2 core schema: no custom tags, no code, no merge keys), bounded. */
export function loadYamlDocuments(text: string, options: LoadOptions): unknown[] {
  const limits = limitsOf(options);
  checkSize(text, options, limits);
  checkDeadline(options);
  let documents: unknown[];
  try {
    documents = loadAll(text, {
      schema: CORE_SCHEMA,
      maxDepth: limits.maxDepth,
      maxAliases: limits.maxAliases,
    });
  } catch (error) {
    throw new StructuredDataError(`${options.origin}: not valid YAML (${yamlReason(error)})`);
  }
  const spent = checkExpandedSize(documents, options, limits);
  if (options.budget) {
    options.budget.nodes -= spent.nodes;
    options.budget.chars -= spent.chars;
  }
  checkDeadline(options);
  return documents;
}

/** One YAML document (undefined for an empty text); several documents are an error. */
export function loadYaml(text: string, options: LoadOptions): unknown {
  const documents = loadYamlDocuments(text, options);
  if (documents.length > 1) {
    throw new StructuredDataError(`${options.origin}: holds ${documents.length} YAML documents; one is expected`);
  }
  return documents[0];
}

/**
 * Refuses JSON (or a JSON-like text) larger than maxChars, nested deeper than maxDepth or with more than maxNodes
 * values, by a scan of the text before a parser builds anything.
 */
export function checkJsonBounds(text: string, options: LoadOptions): void {
  const limits = limitsOf(options);
  checkSize(text, options, limits);
  scanJson(text, options, limits);
}

function scanJson(text: string, options: LoadOptions, limits: StructuredLimits): void {
  let depth = 0;
  let nodes = 1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limits.maxDepth) {
        throw new StructuredDataError(`${options.origin}: JSON nested deeper than ${limits.maxDepth} levels`);
      }
      nodes++;
    } else if (c === 0x5d || c === 0x7d) depth--;
    else if (c === 0x2c) nodes++;
    if (nodes > limits.maxNodes) {
      throw new StructuredDataError(`${options.origin}: JSON with more than ${limits.maxNodes} values`);
    }
  }
}

/** JSON, bounded in size, depth and value count; the parse error names the position, not the text. */
export function loadJson(text: string, options: LoadOptions): unknown {
  const limits = limitsOf(options);
  checkSize(text, options, limits);
  checkDeadline(options);
  scanJson(text, options, limits);
  try {
    return JSON.parse(text);
  } catch (error) {
    // V8's messages quote a few characters around the error ("Unexpected token 'x', "...secret..." is not valid
    // JSON"): keep only the position.
    const position = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
    throw new StructuredDataError(
      `${options.origin}: not valid JSON${position === undefined ? '' : ` (at character ${position})`}`,
    );
  }
}
