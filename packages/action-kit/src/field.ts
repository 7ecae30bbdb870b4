/**
 * A value read from a parsed document (YAML or JSON) together with its origin and path, so every error names the
 * file and the field (`slos[1].objective.target`). Readers never coerce silently: a wrong type is an error, and an
 * unknown key is an error that offers the nearest allowed name. The one reader of SLO files and chaos experiments;
 * each package passes its own DocumentError class, so its errors keep their name.
 */
import { tryParseDuration } from './duration.js';
import { DocumentError } from './errors.js';
import { nearestName } from './nearest.js';

export type DocumentErrorClass = new (origin: string, path: string, problem: string) => Error;

export class Field {
  constructor(
    readonly origin: string,
    readonly path: string,
    readonly value: unknown,
    private readonly errorClass: DocumentErrorClass = DocumentError,
  ) {}

  fail(problem: string): never {
    throw new this.errorClass(this.origin, this.path, problem);
  }

  /** Another value of the same document (same origin and error class). */
  at(path: string, value: unknown): Field {
    return new Field(this.origin, path, value, this.errorClass);
  }

  get present(): boolean {
    return this.value !== undefined && this.value !== null;
  }

  child(key: string): Field {
    const map = this.map();
    return this.at(this.path ? `${this.path}.${key}` : key, Object.hasOwn(map, key) ? map[key] : undefined);
  }

  map(): Record<string, unknown> {
    if (typeof this.value !== 'object' || this.value === null || Array.isArray(this.value)) {
      this.fail(`expected a mapping, got ${describeValue(this.value)}`);
    }
    return this.value as Record<string, unknown>;
  }

  keys(): string[] {
    return Object.keys(this.map());
  }

  /**
   * Refuses keys outside `allowed`, at the key's own path, naming the nearest allowed one (a case-only difference
   * first): a typo (`objetive:`) is never a silent default.
   */
  onlyKeys(allowed: readonly string[]): this {
    for (const key of Object.keys(this.map())) {
      if (!allowed.includes(key)) {
        const hint = allowed.find((a) => a.toLowerCase() === key.toLowerCase()) ?? nearestName(key, allowed);
        this.child(key).fail(
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
    if (!Array.isArray(this.value)) this.fail(`expected a list, got ${describeValue(this.value)}`);
    return (this.value as unknown[]).map((v, i) => this.at(`${this.path}[${i}]`, v));
  }

  /** A list, or one item written without the list. */
  itemsOrOne(): Field[] {
    return Array.isArray(this.value) ? this.items() : [this];
  }

  string(): string {
    if (typeof this.value !== 'string') this.fail(`expected a string, got ${describeValue(this.value)}`);
    const text = this.value.trim();
    if (text === '') this.fail('must not be empty');
    return text;
  }

  optionalString(): string | undefined {
    return this.present ? this.string() : undefined;
  }

  /** A scalar written as a string, number or boolean (template variable values, PR numbers), untrimmed. */
  scalarString(): string {
    if (typeof this.value === 'number' || typeof this.value === 'boolean') return String(this.value);
    if (typeof this.value !== 'string') this.fail(`expected a string, got ${describeValue(this.value)}`);
    return this.value;
  }

  oneOf<T extends string>(allowed: readonly T[]): T {
    const text = this.string();
    if (!(allowed as readonly string[]).includes(text)) {
      const hint = nearestName(text, allowed);
      this.fail(`${describeValue(text)} is not one of ${allowed.join(', ')}${hint ? `; did you mean '${hint}'?` : ''}`);
    }
    return text as T;
  }

  /** A finite number, written as one or as a numeric string (`"0.5"`, `"1e3"`). */
  number(): number {
    const value =
      typeof this.value === 'string' && /^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(this.value.trim())
        ? Number(this.value)
        : this.value;
    if (typeof value !== 'number' || !Number.isFinite(value))
      this.fail(`expected a finite number, got ${describeValue(this.value)}`);
    return value;
  }

  integer(min: number, max: number): number {
    const value = this.number();
    if (!Number.isInteger(value) || value < min || value > max) {
      this.fail(`expected a whole number from ${min} to ${max}, got ${describeValue(this.value)}`);
    }
    return value;
  }

  /** A percentage 0..100 written as 30, "30" or "30%". */
  percentage(): number {
    const raw = typeof this.value === 'string' ? this.value.trim().replace(/%$/, '') : this.value;
    const value = this.at(this.path, raw).number();
    if (value < 0 || value > 100) this.fail(`expected a percentage from 0 to 100, got ${describeValue(this.value)}`);
    return value;
  }

  /**
   * A fraction in (0, 1): `0.995`, `99.5%`, or — with percentNumbers — a bare percentage such as Sloth's
   * `objective: 99.9`.
   */
  fraction(options: { percentNumbers?: boolean; allowOne?: boolean } = {}): number {
    let value: number;
    if (typeof this.value === 'string' && /^\s*[\d.]+\s*%\s*$/.test(this.value)) {
      value = Number(this.value.replace('%', '').trim()) / 100;
    } else {
      value = this.number();
      if (options.percentNumbers) value /= 100;
    }
    if (!Number.isFinite(value) || value <= 0 || value > 1 || (value === 1 && !options.allowOne)) {
      this.fail(
        `expected a fraction between 0 and 1 (0.995) or a percentage (99.5%), got ${describeValue(this.value)}` +
          (value === 1 ? '; a 100% target leaves no error budget' : ''),
      );
    }
    return value;
  }

  boolean(): boolean {
    if (typeof this.value !== 'boolean') this.fail(`expected true or false, got ${describeValue(this.value)}`);
    return this.value;
  }

  /** Milliseconds from `250ms`, `30s`, `5m`, `1h30m`, `3d` or a number of seconds; zero is refused unless allowed. */
  durationMs(options: { allowZero?: boolean; maxMs?: number } = {}): number {
    const ms = tryParseDuration(this.value);
    if (ms === undefined)
      this.fail(`expected a duration such as 250ms, 30s, 5m, 1h, 3d; got ${describeValue(this.value)}`);
    if (ms === 0 && !options.allowZero) this.fail('must be greater than zero');
    if (options.maxMs !== undefined && ms > options.maxMs) this.fail(`must be at most ${options.maxMs / 1000}s`);
    return ms;
  }

  /** Seconds from a duration (`300ms`, `0.3s`) or a bare number of seconds (kept exact, not rounded to ms). */
  seconds(): number {
    const ms = tryParseDuration(this.value);
    if (ms === undefined) this.fail(`expected seconds (0.3) or a duration (300ms); got ${describeValue(this.value)}`);
    return typeof this.value === 'number' ? this.value : ms / 1000;
  }

  /** A map of string to string (labels, annotations, headers); numbers and booleans become their text. */
  stringMap(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(this.map())) {
      out[key] = typeof value === 'number' || typeof value === 'boolean' ? String(value) : this.child(key).string();
    }
    return out;
  }
}

/** A value as an error message shows it: its kind for structures, its JSON (cut at 60 characters) for scalars. */
export function describeValue(value: unknown): string {
  if (value === undefined || value === null) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
