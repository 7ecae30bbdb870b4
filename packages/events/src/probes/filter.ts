/**
 * Event filters: every condition must hold. Header and payload conditions compare as strings (a number 3 in the
 * payload equals "3"), or by regular expression with `{ regex }`, or presence with `{ exists }`.
 */
import { bodyJson, type ObservedEvent } from '../model.js';
import { getPointer, parsePointer, scalarText } from './json-pointer.js';

export type Condition = string | number | boolean | { regex: string } | { exists: boolean };

export interface FilterSpec {
  headers?: Record<string, Condition>;
  /** JSON pointer → condition. */
  payload?: Record<string, Condition>;
  key?: Condition;
}

export interface EventFilter {
  (event: ObservedEvent): boolean;
  readonly spec: FilterSpec;
}

type Test = (value: unknown) => boolean;

function conditionTest(c: Condition): Test {
  if (typeof c === 'object') {
    if ('regex' in c) {
      const re = new RegExp(c.regex, 'u');
      return (v) => {
        const text = scalarText(v) ?? (v !== undefined && v !== null ? JSON.stringify(v) : undefined);
        return text !== undefined && re.test(text);
      };
    }
    return (v) => (v !== undefined) === c.exists;
  }
  const want = String(c);
  return (v) => scalarText(v) === want;
}

export function compileFilter(spec: FilterSpec = {}): EventFilter {
  const tests: ((e: ObservedEvent) => boolean)[] = [];
  for (const [name, c] of Object.entries(spec.headers ?? {})) {
    const t = conditionTest(c);
    const lower = name.toLowerCase();
    tests.push((e) => t(Object.entries(e.headers).find(([k]) => k.toLowerCase() === lower)?.[1]));
  }
  for (const [pointer, c] of Object.entries(spec.payload ?? {})) {
    const tokens = parsePointer(pointer);
    const t = conditionTest(c);
    tests.push((e) => {
      const body = bodyJson(e);
      return body.ok ? t(getPointer(body.value, tokens)) : t(undefined);
    });
  }
  if (spec.key !== undefined) {
    const t = conditionTest(spec.key);
    tests.push((e) => t(e.key));
  }
  const f = ((e: ObservedEvent) => tests.every((t) => t(e))) as EventFilter;
  Object.defineProperty(f, 'spec', { value: spec });
  return f;
}
