import { describe, expect, it } from 'vitest';
import { isWorkflowCommand, neutralize } from './untrusted.js';

const corpus = [
  '::add-mask::secret',
  '::warning file=x.ts,line=1::forged',
  '  ::error::indented',
  '::stop-commands::token',
  '::set-output name=x::y',
  'ok line\n::notice::second line',
  '\u001b[31m::error::coloured\u001b[0m',
  'carriage\r::error::return',
  'nul\u0000::debug::x',
];

describe('neutralize', () => {
  it('leaves no line of untrusted text that the runner would parse as a command', () => {
    for (const text of corpus) {
      for (const line of neutralize(text).split('\n'))
        expect(isWorkflowCommand(line), JSON.stringify(line)).toBe(false);
    }
  });

  it('strips ANSI escapes and control characters but keeps the readable text', () => {
    expect(neutralize('\u001b[31mred\u001b[0m\tand\u0007 bell')).toBe('red\tand bell');
    expect(neutralize('plain text: fine')).toBe('plain text: fine');
  });
});
