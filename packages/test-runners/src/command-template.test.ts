import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { expandCommand, parseCommandTemplate } from './command-template.js';

describe('command templates', () => {
  it('expands placeholders into one argument per item', () => {
    const words = parseCommandTemplate('npx vitest run --reporter=junit {files}');
    expect(expandCommand(words, { files: ['a.test.ts', 'b c.test.ts'] })).toEqual({
      file: 'npx',
      args: ['vitest', 'run', '--reporter=junit', 'a.test.ts', 'b c.test.ts'],
    });
  });

  it('honours quotes without expanding anything', () => {
    const words = parseCommandTemplate(`pytest -k 'not slow and $HOME' "a \\"b\\"" {tests} --shard={shard-index}`);
    expect(words).toContainEqual({ kind: 'text', value: 'not slow and $HOME' });
    expect(words).toContainEqual({ kind: 'text', value: 'a "b"' });
    // Only a placeholder standing alone expands; inside a word it is an error for lists.
    expect(() => parseCommandTemplate('pytest --tests={tests}')).toThrow(/stand alone/);
    expect(() => parseCommandTemplate('run {bogus}')).toThrow(/unknown placeholder \{bogus\}/);
  });

  it('refuses shell syntax with a clear reason', () => {
    for (const bad of ['npm test && rm -rf /', 'a | b', 'x; y', 'echo $(id)', 'a > out', 'echo `id`']) {
      expect(() => parseCommandTemplate(bad), bad).toThrow(/needs a shell/);
    }
    expect(() => parseCommandTemplate("a 'open")).toThrow(/unterminated single quote/);
    expect(() => parseCommandTemplate('   ')).toThrow(/empty/);
  });

  it('passes hostile test ids to the program as inert arguments (no shell is involved)', () => {
    const hostile = ['$(touch /tmp/gauntlet-pwned)', '`id`', 'a; rm -rf ~', 'it\'s "quoted"', '::error::x', '\n'];
    const words = parseCommandTemplate(
      `${process.execPath} -e "console.log(JSON.stringify(process.argv.slice(1)))" {tests}`,
    );
    const { file, args } = expandCommand(words, { tests: hostile });
    const printed = execFileSync(file, args, { encoding: 'utf8' });
    expect(JSON.parse(printed)).toEqual(hostile);
  });
});
