import { nearestName } from '@gauntlet/action-kit';
import { SloDefinitionError } from '../errors.js';
import { tryParseDuration } from '../duration.js';

/**
 * A value read from a parsed YAML document together with its path, so every validation error names the field
 * (`slos[1].objective.target`) and the file. Readers never coerce silently: a wrong type is an error.
 */
export class Field {
  constructor(
    readonly origin: string,
    readonly path: string,
    readonly value: unknown,
  ) {}

  fail(problem: string): never {
    throw new SloDefinitionError(this.origin, this.path, problem);
  }

  get present(): boolean {
    return this.value !== undefined && this.value !== null;
  }

  child(key: string): Field {
    const map = this.asMap();
    const value = Object.hasOwn(map, key) ? map[key] : undefined;
    return new Field(this.origin, this.path ? `${this.path}.${key}` : key, value);
  }

  asMap(): Record<string, unknown> {
    if (typeof this.value !== 'object' || this.value === null || Array.isArray(this.value)) {
      this.fail(`expected a mapping, got ${describe(this.value)}`);
    }
    return this.value as Record<string, unknown>;
  }

  /** Rejects keys outside the allowed set, so a typo (`objetive:`) is an error rather than a silent default. */
  onlyKeys(allowed: readonly string[]): this {
    for (const key of Object.keys(this.asMap())) {
      if (!allowed.includes(key)) {
        const hint = allowed.find((a) => a.toLowerCase() === key.toLowerCase()) ?? nearestName(key, allowed);
        this.fail(`unknown field '${key}'${hint ? ` (did you mean '${hint}'?)` : ''}; allowed: ${allowed.join(', ')}`);
      }
    }
    return this;
  }

  items(): Field[] {
    if (!Array.isArray(this.value)) this.fail(`expected a list, got ${describe(this.value)}`);
    return (this.value as unknown[]).map((v, i) => new Field(this.origin, `${this.path}[${i}]`, v));
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

  /** A scalar written as a string or number (template variable values, PR numbers). */
  scalarString(): string {
    if (typeof this.value === 'number' || typeof this.value === 'boolean') return String(this.value);
    if (typeof this.value !== 'string') this.fail(`expected a string, got ${describe(this.value)}`);
    return this.value;
  }

  number(): number {
    const value =
      typeof this.value === 'string' && /^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(this.value.trim())
        ? Number(this.value)
        : this.value;
    if (typeof value !== 'number' || !Number.isFinite(value))
      this.fail(`expected a finite number, got ${describe(this.value)}`);
    return value;
  }

  boolean(): boolean {
    if (typeof this.value !== 'boolean') this.fail(`expected true or false, got ${describe(this.value)}`);
    return this.value;
  }

  /** Milliseconds from `5m`, `1h30m`, `3d`, or a number of seconds. */
  durationMs(): number {
    const ms = tryParseDuration(this.value);
    if (ms === undefined) this.fail(`expected a duration such as 30s, 5m, 1h, 3d; got ${describe(this.value)}`);
    if (ms === 0) this.fail('duration must be greater than zero');
    return ms;
  }

  /** Seconds from a duration (`300ms`, `0.3s`) or a bare number of seconds. */
  seconds(): number {
    const ms = tryParseDuration(this.value);
    if (ms === undefined) {
      // tryParseDuration rounds numbers to whole milliseconds; keep sub-millisecond bucket bounds exact.
      this.fail(`expected seconds (0.3) or a duration (300ms); got ${describe(this.value)}`);
    }
    return typeof this.value === 'number' ? this.value : ms / 1000;
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
        `expected a fraction between 0 and 1 (0.995) or a percentage (99.5%), got ${describe(this.value)}` +
          (value === 1 ? '; a 100% target leaves no error budget' : ''),
      );
    }
    return value;
  }
}

function describe(value: unknown): string {
  if (value === undefined || value === null) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
