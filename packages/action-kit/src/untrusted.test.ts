import { describe, expect, it } from 'vitest';
import { neutralize, stripControls } from './untrusted.js';

// Whether the runner would parse the output is checked against the runner's own rules in
// packages/local-runner/src/neutralize.test.ts (the runner model lives there).
describe('neutralize', () => {
  it('breaks the :: prefix after leading whitespace, line by line', () => {
    expect(neutralize('::error::x')).toBe(':\u200b:error::x');
    expect(neutralize(' \t\u3000::warning::x')).toBe(' \t\u3000:\u200b:warning::x');
    expect(neutralize('ok\n  ::notice::y')).toBe('ok\n  :\u200b:notice::y');
    expect(neutralize('a :: b')).toBe('a :: b');
  });

  it('breaks the legacy ##[ prefix anywhere in a line', () => {
    expect(neutralize('expected ##[error]forged and ##[add-mask]x')).toBe(
      'expected ##\u200b[error]forged and ##\u200b[add-mask]x',
    );
  });

  it('strips escapes and controls before looking, so they cannot assemble a prefix', () => {
    expect(neutralize('#\u001b[0m#[error]x')).toBe('##\u200b[error]x');
    expect(neutralize('\u0085::error::x')).toBe(':\u200b:error::x');
    expect(neutralize('carriage\r::error::return')).toBe('carriage::error::return');
  });

  it('strips ANSI escapes and control characters but keeps the readable text', () => {
    expect(stripControls('\u001b[31mred\u001b[0m\tand\u0007 bell')).toBe('red\tand bell');
    expect(neutralize('plain text: fine')).toBe('plain text: fine');
  });
});
