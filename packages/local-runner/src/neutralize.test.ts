import { neutralize } from '@gauntlet/action-kit';
import { describe, expect, it } from 'vitest';
import { CommandProcessor, LineSplitter, parseCommand, RUNNER_COMMANDS } from './workflow-commands.js';

/**
 * whatever untrusted text holds, once neutralised no line of it is a command to the runner. Checked with the
 * runner model (workflow-commands.ts), which parses both syntaxes as actions/runner does.
 */
const corpus = [
  '::add-mask::secret',
  '::warning file=x.ts,line=1::forged',
  '  ::error::indented',
  '\t\u00a0\u2003::error::unicode-indented',
  '\u0085::error::next-line-indented',
  '::stop-commands::token',
  '::set-output name=x::y',
  'ok line\n::notice::second line',
  '\u001b[31m::error::coloured\u001b[0m',
  'carriage\r::error::return',
  'nul\u0000::debug::x',
  '##[error]legacy at the start',
  'expected 1 to be 2 ##[add-mask]canary',
  'AssertionError: ##[stop-commands]tok',
  '##[warning file=a.ts;line=1]legacy with properties',
  '#\u001b[0m#[error]split by an escape',
  '##\u0000[error]split by a control',
  '   ##[group]legacy group',
  '::ERROR::upper case',
  '##[Add-Mask]mixed case',
];

function splitAsRunner(text: string): string[] {
  const splitter = new LineSplitter();
  return [...splitter.push(text), ...splitter.end()];
}

describe('neutralize against the runner model', () => {
  it('the corpus raw is full of commands (the model sees the attack)', () => {
    const inert = corpus.filter((text) => !splitAsRunner(text).some((line) => parseCommand(line)));
    // Escapes and controls in front of or inside a prefix hide it from the runner, until something strips them.
    expect(inert).toEqual([
      '\u001b[31m::error::coloured\u001b[0m',
      'nul\u0000::debug::x',
      '#\u001b[0m#[error]split by an escape',
      '##\u0000[error]split by a control',
    ]);
  });

  it('leaves no line of untrusted text that the runner would parse as a command', () => {
    for (const text of corpus) {
      for (const line of splitAsRunner(neutralize(text))) {
        expect(parseCommand(line), JSON.stringify(line)).toBeUndefined();
      }
    }
  });

  it('holds for every registered command in both syntaxes, at any indent and position', () => {
    for (const name of RUNNER_COMMANDS) {
      for (const text of [`::${name}::x`, ` ::${name} a=b::x`, `##[${name}]x`, `text ##[${name} a=b]x`]) {
        const processor = new CommandProcessor();
        for (const line of splitAsRunner(neutralize(text))) processor.process(line);
        expect(processor.commands, text).toEqual([]);
      }
    }
  });
});
