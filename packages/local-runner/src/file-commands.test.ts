import { describe, expect, it } from 'vitest';
import { parseKeyValueFile } from './file-commands.js';
import { CommandProcessor, parseCommand } from './workflow-commands.js';
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
    });
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
