import { formatDuration, parseDuration } from './duration.js';
import { InputError } from './errors.js';
import { loadYaml } from './structured-data.js';

/**
 * Typed input reading. Each action has one parser (its inputs.ts) that calls these and nothing else reads inputs.
 * Defaults live in action.yml only (the runner, and our local runner, fill them in); an empty value here means the
 * user cleared it, so optional readers return undefined and required ones throw.
 */
export type InputSource = (name: string) => string | undefined;

/** Reads inputs the way the runner passes them: INPUT_<NAME> with spaces as underscores, upper-cased. */
export function envInputSource(env: NodeJS.ProcessEnv = process.env): InputSource {
  return (name) => env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`];
}

export class InputReader {
  constructor(private readonly source: InputSource = envInputSource()) {}

  /** The trimmed raw value, or undefined when absent or blank. */
  raw(name: string): string | undefined {
    const value = this.source(name)?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  string(name: string, options: { required: true; pattern?: RegExp; hint?: string; maxLength?: number }): string;
  string(
    name: string,
    options?: { required?: false; pattern?: RegExp; hint?: string; maxLength?: number },
  ): string | undefined;
  string(
    name: string,
    options: { required?: boolean; pattern?: RegExp; hint?: string; maxLength?: number } = {},
  ): string | undefined {
    const value = this.raw(name);
    if (value === undefined) {
      if (options.required) throw new InputError(name, 'is required');
      return undefined;
    }
    if (options.maxLength !== undefined && value.length > options.maxLength) {
      throw new InputError(name, `is ${value.length} characters long; at most ${options.maxLength} are allowed`);
    }
    if (options.pattern && !options.pattern.test(value)) {
      throw new InputError(name, `${quote(value)} is not valid${options.hint ? `: ${options.hint}` : ''}`);
    }
    return value;
  }

  /** YAML 1.2 core-schema booleans, as @actions/core accepts them. */
  boolean(name: string): boolean | undefined;
  boolean(name: string, fallback: boolean): boolean;
  boolean(name: string, fallback?: boolean): boolean | undefined {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (['true', 'True', 'TRUE'].includes(value)) return true;
    if (['false', 'False', 'FALSE'].includes(value)) return false;
    throw new InputError(name, `${quote(value)} is not a boolean; use true or false`);
  }

  /**
   * A whole number within `range`. The maximum is required: an unbounded count (min-requests=99999999999999999999999)
   * loses precision past 2^53 and overflows whatever it sizes, so every numeric input says how large it may be.
   */
  integer(name: string, range: { min?: number; max: number }): number | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (!/^[-+]?\d+$/.test(value)) throw new InputError(name, `${quote(value)} is not a whole number`);
    // Checked on the digits, before Number() rounds them: 9007199254740993 must not pass as ...992.
    if (value.replace(/^[-+]?0*/, '').length > 15) {
      throw new InputError(
        name,
        value.startsWith('-')
          ? `${quote(value)} is below the minimum ${range.min ?? -Number.MAX_SAFE_INTEGER}`
          : `${quote(value)} is above the maximum ${range.max}`,
      );
    }
    const number = Number(value);
    checkRange(name, number, range);
    return number;
  }

  /** A finite number within `range`; the maximum is required, as for integer(). */
  number(name: string, range: { min?: number; max: number }): number | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    const number = Number(value);
    if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(value) || !Number.isFinite(number)) {
      throw new InputError(name, `${quote(value)} is not a number`);
    }
    checkRange(name, number, range);
    return number;
  }

  enumeration<const T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(value)) {
      throw new InputError(name, `${quote(value)} is not one of: ${allowed.join(', ')}`);
    }
    return value as T;
  }

  /** Milliseconds, from `90s`, `5m`, `1h30m` or a bare number of seconds. */
  duration(name: string, range: { minMs?: number; maxMs: number }): number | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    let ms: number;
    try {
      ms = parseDuration(value);
    } catch (error) {
      throw new InputError(name, (error as Error).message);
    }
    if (range.minMs !== undefined && ms < range.minMs)
      throw new InputError(name, `${quote(value)} is shorter than the minimum, ${formatDuration(range.minMs)}`);
    if (!Number.isFinite(ms) || ms > range.maxMs)
      throw new InputError(name, `${quote(value)} is longer than the maximum, ${formatDuration(range.maxMs)}`);
    return ms;
  }

  /** YAML (a superset of JSON), one document, with the bounded loader (structured-data.ts): core schema, no tags. */
  yaml(name: string): unknown {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    try {
      return loadYaml(value, { origin: name, limits: { maxChars: 1024 * 1024 } });
    } catch (error) {
      const reason = (error as Error).message.replace(`${name}: `, '');
      throw new InputError(name, reason.startsWith('not valid YAML') ? `is ${reason}` : reason);
    }
  }

  /** A multi-line list: one item per line (commas also separate unless `commas: false`), blanks and # comments skipped. */
  list(name: string, options: { commas?: boolean } = {}): string[] {
    const value = this.raw(name);
    if (value === undefined) return [];
    const separator = options.commas === false ? /\r?\n/ : /\r?\n|,/;
    return value
      .split(separator)
      .map((item) => item.trim())
      .filter((item) => item !== '' && !item.startsWith('#'));
  }

  /** `key=value` lines into a record; duplicate keys are an error, since one would silently win. */
  keyValues(name: string): Record<string, string> {
    const result: Record<string, string> = {};
    for (const line of this.list(name, { commas: false })) {
      const at = line.indexOf('=');
      if (at <= 0) throw new InputError(name, `${quote(line)} is not of the form key=value`);
      const key = line.slice(0, at).trim();
      if (Object.hasOwn(result, key)) throw new InputError(name, `key ${quote(key)} is given twice`);
      result[key] = line.slice(at + 1).trim();
    }
    return result;
  }
}

function checkRange(name: string, value: number, range: { min?: number; max: number }): void {
  if (range.min !== undefined && value < range.min)
    throw new InputError(name, `${value} is below the minimum ${range.min}`);
  if (value > range.max) throw new InputError(name, `${value} is above the maximum ${range.max}`);
}

/** Quotes a user value for an error message, shortened so a huge input cannot flood the log. */
export function quote(value: string): string {
  const shown = value.length > 80 ? `${value.slice(0, 77)}...` : value;
  return JSON.stringify(shown);
}
