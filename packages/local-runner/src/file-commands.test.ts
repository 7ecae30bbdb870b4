import { describe, expect, it } from 'vitest';
import { parseKeyValueFile } from './file-commands.js';
import { CommandProcessor, LineSplitter, parseCommand } from './workflow-commands.js';
import { postShouldRun } from './run-action.js';

describe('runner files and commands', () => {
  it('parses both the name=value and the heredoc forms', () => {
    const text = 'a=1\nmulti<<ghadelimiter_1\nline one\nline=two\nghadelimiter_1\nb=\n';
    expect(parseKeyValueFile(text)).toEqual({ a: '1', multi: 'line one\nline=two', b: '' });
    expect(() => parseKeyValueFile('x<<EOF\nnever closed')).toThrow(/unterminated/);
  });

  it('applies add-mask and stop-commands as the runner does', () => {
    const processor = new CommandProcessor();
    expect(processor.process('::add-mask::hunter22')).toBe('');
    expect(processor.process('password is hunter22')).toBe('password is ***');
    processor.process('::stop-commands::tok123');
    expect(processor.process('::error::not a command now')).toBe('::error::not a command now');
    processor.process('::tok123::');
    expect(processor.process('::error::real%0Aerror')).toBe('error: real\nerror');
    expect(processor.commands.map((c) => c.name)).toEqual(['add-mask', 'stop-commands', 'error']);
  });

  it('parses properties with escapes', () => {
    expect(parseCommand('::warning file=a%2Cb.ts,line=3::msg')).toEqual({
      name: 'warning',
      properties: { file: 'a,b.ts', line: '3' },
      message: 'msg',
      syntax: 'v2',
    });
  });

  // The real runner's rules (actions/runner ActionCommand.TryParseV2 / TryParse): without them no test of the
  // neutraliser could fail on these forms.
  it('parses :: after leading whitespace, and command names in any case', () => {
    expect(parseCommand('   \t::error::indented')?.message).toBe('indented');
    expect(parseCommand('\u3000::Warning::wide space')?.name).toBe('warning');
    expect(parseCommand('\ufeff::error::x')).toBeUndefined(); // not whitespace to .NET
    expect(parseCommand('x ::error::mid-line')).toBeUndefined();
    expect(parseCommand('::not-a-command::x')).toBeUndefined();
  });

  it('parses the legacy ##[ syntax anywhere in a line, with its own escapes', () => {
    expect(parseCommand('AssertionError: ##[error]forged%5D%3B')).toEqual({
      name: 'error',
      properties: {},
      message: 'forged];',
      syntax: 'legacy',
    });
    expect(parseCommand('##[warning file=a.ts;line=3]msg')?.properties).toEqual({ file: 'a.ts', line: '3' });
    expect(parseCommand('##[ADD-MASK]x')?.name).toBe('add-mask');
    expect(parseCommand('##[section]not registered')).toBeUndefined();
  });

  it('stops and resumes commands in either syntax', () => {
    const processor = new CommandProcessor();
    expect(processor.process('text ##[add-mask]s3cr3t-value')).toBe('');
    expect(processor.process('the s3cr3t-value leaks')).toBe('the *** leaks');
    processor.process('##[stop-commands]PauseTok');
    expect(processor.process('##[error]inert')).toBe('##[error]inert');
    expect(processor.process('::pausetok::')).toBe('::pausetok::');
    expect(processor.process('##[error]live again')).toBe('error: live again');
    expect(processor.commands.map((c) => c.name)).toEqual(['add-mask', 'stop-commands', 'error']);
  });

  it('splits lines as the runner reads them: a lone CR ends a line', () => {
    const splitter = new LineSplitter();
    expect(splitter.push('a\rb\r')).toEqual(['a']);
    expect(splitter.push('\nc\r\nd')).toEqual(['b', 'c']);
    expect(splitter.end()).toEqual(['d']);
  });

  it('evaluates post-if like the runner', () => {
    expect(postShouldRun(undefined, 'cancelled')).toBe(true);
    expect(postShouldRun('success()', 'failure')).toBe(false);
    expect(postShouldRun('${{ failure() }}', 'failure')).toBe(true);
    expect(postShouldRun('!cancelled()', 'cancelled')).toBe(false);
    expect(() => postShouldRun('github.event_name == "push"', 'success')).toThrow(/unsupported/);
  });
});

describe('action.yml default expressions', async () => {
  const { evaluateDefault } = await import('./action-metadata.js');
  it('evaluates property paths and renders missing values as empty', () => {
    const context = { github: { token: 't0k', event: { pull_request: { number: 7, head: { sha: 'abc' } } } } };
    expect(evaluateDefault('${{ github.token }}', context)).toBe('t0k');
    expect(evaluateDefault('${{github.event.pull_request.head.sha}}', context)).toBe('abc');
    expect(evaluateDefault('pr-${{ github.event.pull_request.number }}', context)).toBe('pr-7');
    expect(evaluateDefault('${{ github.event.missing.deep }}', context)).toBe('');
  });
});
