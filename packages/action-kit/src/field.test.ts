import { describe, expect, it } from 'vitest';
import { DocumentError } from './errors.js';
import { Field, describeValue } from './field.js';

class PlanError extends DocumentError {
  constructor(origin: string, path: string, problem: string) {
    super(origin, path, problem);
    this.name = 'PlanError';
  }
}

const doc = (value: unknown): Field => new Field('plan.yaml', '', value, PlanError);

describe('Field', () => {
  it('names the file and the path, with the error class it was given, all the way down', () => {
    const field = doc({ steps: [{ wait: 'soon' }] });
    const wait = field.child('steps').items()[0]!.child('wait');
    expect(() => wait.durationMs()).toThrow(PlanError);
    expect(() => wait.durationMs()).toThrow(/^plan\.yaml: steps\[0\]\.wait: expected a duration/);
    expect(() => new Field('x.yaml', '', 'text').map()).toThrow(DocumentError);
    expect(() => doc('text').map()).toThrow('plan.yaml: (document): expected a mapping, got "text"');
  });

  it('refuses an unknown key at its own path, naming the nearest allowed one (case first)', () => {
    expect(() => doc({ objetive: 1 }).onlyKeys(['objective', 'name'])).toThrow(
      "plan.yaml: objetive: unknown field; did you mean 'objective'? (allowed: objective, name)",
    );
    expect(() => doc({ Name: 1 }).onlyKeys(['objective', 'name'])).toThrow(/Name: unknown field; did you mean 'name'/);
    expect(() => doc({ zzzzzz: 1 }).onlyKeys(['objective'])).toThrow(/zzzzzz: unknown field \(allowed: objective\)/);
    expect(doc({ name: 1 }).onlyKeys(['name']).child('name').number()).toBe(1);
  });

  it('never coerces silently', () => {
    expect(doc('1e3').number()).toBe(1000);
    expect(() => doc('12 apples').number()).toThrow(/expected a finite number/);
    expect(() => doc('true').boolean()).toThrow(/expected true or false/);
    expect(() => doc('   ').string()).toThrow(/must not be empty/);
    expect(doc(7).scalarString()).toBe('7');
    expect(() => doc(2.5).integer(0, 10)).toThrow(/whole number from 0 to 10/);
    expect(doc('30%').percentage()).toBe(30);
    expect(doc('99.5%').fraction()).toBeCloseTo(0.995);
    expect(doc(99.9).fraction({ percentNumbers: true })).toBeCloseTo(0.999);
    expect(() => doc(1).fraction()).toThrow(/no error budget/);
    expect(doc('pod-kill').oneOf(['pod-kill', 'pod-failure'])).toBe('pod-kill');
    expect(() => doc('pod-kil').oneOf(['pod-kill', 'pod-failure'])).toThrow(/did you mean 'pod-kill'/);
    expect(doc({ a: 1, b: true, c: 'x' }).stringMap()).toEqual({ a: '1', b: 'true', c: 'x' });
  });

  it('reads durations as text or seconds, zero and maxima only when allowed', () => {
    expect(doc('1h30m').durationMs()).toBe(5_400_000);
    expect(doc(0.25).durationMs()).toBe(250);
    expect(() => doc('0s').durationMs()).toThrow(/greater than zero/);
    expect(doc('0s').durationMs({ allowZero: true })).toBe(0);
    expect(() => doc('2m').durationMs({ maxMs: 60_000 })).toThrow(/at most 60s/);
    expect(() => doc(-1).durationMs()).toThrow(/expected a duration/);
    expect(doc(0.0001).seconds()).toBe(0.0001);
    expect(doc('300ms').seconds()).toBe(0.3);
  });

  it('describes values briefly', () => {
    expect(describeValue(undefined)).toBe('nothing');
    expect(describeValue([1])).toBe('a list');
    expect(describeValue('x'.repeat(100))).toHaveLength(60);
  });
});
