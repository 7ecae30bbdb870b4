import { InputError, InputReader } from '@gauntlet/action-kit';
import { describe, expect, it } from 'vitest';
import { parseInputs } from './inputs.js';

const base = { 'prometheus-url': 'http://127.0.0.1:9090', slos: 'slos: []' };
const parse = (values: Record<string, string>) =>
  parseInputs(new InputReader((name) => ({ ...base, ...values })[name]));

describe('slo-check numeric inputs are bounded', () => {
  it('refuses a min-requests past its maximum with the input named, never a rounded number', () => {
    expect(parse({ 'min-requests': '250' }).minRequests).toBe(250);
    expect(parse({ 'min-requests': '1000000000' }).minRequests).toBe(1_000_000_000);
    for (const huge of ['99999999999999999999999', '1000000001', '9007199254740993']) {
      expect(() => parse({ 'min-requests': huge }), huge).toThrow(InputError);
      expect(() => parse({ 'min-requests': huge })).toThrow(/Input 'min-requests'.*above the maximum 1000000000/);
    }
    expect(() => parse({ 'min-coverage': '1e400' })).toThrow(/Input 'min-coverage'/);
    expect(() => parse({ timeout: '99999999999999999999999s' })).toThrow(/Input 'timeout'/);
  });
});
