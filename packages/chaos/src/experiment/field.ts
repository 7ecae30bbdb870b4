import { parseDuration } from '@gauntlet/action-kit';
import { ExperimentError } from '../errors.js';
import { nearestName } from './nearest.js';

/**
 * A value from a parsed experiment document with its path, so every error names the file and the field. Readers
 * never coerce silently, and an unknown key is an error that offers the nearest allowed name.
 */
export class Field {
  constructor(
    readonly origin: string,
    readonly path: string,
    readonly value: unknown,
  ) {}

  fail(problem: string): never {
    throw new ExperimentError(this.origin, this.path, problem);
  }

  get present(): boolean {
    return this.value !== undefined && this.value !== null;
  }

  child(key: string): Field {
    const map = this.map();
    return new Field(
      this.origin,
      this.path ? `${this.path}.${key}` : key,
      Object.hasOwn(map, key) ? map[key] : undefined,
    );
  }

  map(): Record<string, unknown> {
    if (typeof this.value !== 'object' || this.value === null || Array.isArray(this.value)) {
      this.fail(`expected a mapping, got ${describe(this.value)}`);
    }
    return this.value as Record<string, unknown>;
  }

  keys(): string[] {
    return Object.keys(this.map());
  }

  /** Refuses keys outside `allowed`, naming the nearest one: a typo is never a silent default. */
  onlyKeys(allowed: readonly string[]): this {
    for (const key of Object.keys(this.map())) {
      if (!allowed.includes(key)) {
        const hint = nearestName(key, allowed);
        new Field(this.origin, this.path ? `${this.path}.${key}` : key, undefined).fail(
          `unknown field${hint ? `; did you mean '${hint}'?` : ''} (allowed: ${allowed.join(', ')})`,
        );
      }
    }
    return this;
  }

  required(): this {
    if (!this.present) this.fail('is required');
    return this;
  }

  items(): Field[] {
    if (!Array.isArray(this.value)) this.fail(`expected a list, got ${describe(this.value)}`);
    return (this.value as unknown[]).map((v, i) => new Field(this.origin, `${this.path}[${i}]`, v));
  }

  /** A list, or one item written without the list. */
  itemsOrOne(): Field[] {
    return Array.isArray(this.value) ? this.items() : [this];
  }

  string(): string {
    if (typeof this.value !== 'string') this.fail(`expected a string, got ${describe(this.value)}`);
    const text = this.value.trim();
    if (text === '') this.fail('must not be empty');
    return text;
  }

  optionalString(): string | undefined {
    return this.present ? this.string() : undefined;
  }

  oneOf<T extends string>(allowed: readonly T[]): T {
    const text = this.string();
    if (!(allowed as readonly string[]).includes(text)) {
      const hint = nearestName(text, allowed);
      this.fail(`${describe(text)} is not one of ${allowed.join(', ')}${hint ? `; did you mean '${hint}'?` : ''}`);
    }
    return text as T;
  }

  number(): number {
    const value =
      typeof this.value === 'string' && /^[+-]?\d+(\.\d+)?$/.test(this.value.trim()) ? Number(this.value) : this.value;
    if (typeof value !== 'number' || !Number.isFinite(value))
      this.fail(`expected a number, got ${describe(this.value)}`);
    return value;
  }

  integer(min: number, max: number): number {
    const value = this.number();
    if (!Number.isInteger(value) || value < min || value > max) {
      this.fail(`expected a whole number from ${min} to ${max}, got ${describe(this.value)}`);
    }
    return value;
  }

  /** A percentage 0..100 written as 30, "30" or "30%". */
  percentage(): number {
    const raw = typeof this.value === 'string' ? this.value.trim().replace(/%$/, '') : this.value;
    const value = new Field(this.origin, this.path, raw).number();
    if (value < 0 || value > 100) this.fail(`expected a percentage from 0 to 100, got ${describe(this.value)}`);
    return value;
  }

  boolean(): boolean {
    if (typeof this.value !== 'boolean') this.fail(`expected true or false, got ${describe(this.value)}`);
    return this.value;
  }

  /** Milliseconds from `30s`, `5m`, `250ms` or a number of seconds; zero is refused unless allowed. */
  durationMs(options: { allowZero?: boolean; maxMs?: number } = {}): number {
    let ms: number;
    try {
      ms = typeof this.value === 'number' ? Math.round(this.value * 1000) : parseDuration(this.string());
    } catch {
      return this.fail(`expected a duration such as 250ms, 30s, 5m; got ${describe(this.value)}`);
    }
    if (!Number.isFinite(ms) || ms < 0) this.fail(`expected a duration such as 30s; got ${describe(this.value)}`);
    if (ms === 0 && !options.allowZero) this.fail('must be greater than zero');
    if (options.maxMs !== undefined && ms > options.maxMs) this.fail(`must be at most ${options.maxMs / 1000}s`);
    return ms;
  }

  /** A map of string to string (labels, annotations, headers). */
  stringMap(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(this.map())) {
      const child = this.child(key);
      if (typeof value === 'number' || typeof value === 'boolean') out[key] = String(value);
      else out[key] = child.string();
    }
    return out;
  }
}

export function describe(value: unknown): string {
  if (value === undefined || value === null) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
