import { describe, expect, it } from 'vitest';
import { loadJson, loadYaml, loadYamlDocuments, StructuredDataError } from './structured-data.js';
import { moduleUrl, runWithHeapLimit } from './testing/heap-limit.js';

/** Nine levels of nine aliases to the level below: ~500 bytes, 9^9 = 387 million leaves when expanded. */
function aliasBomb(levels = 9, fanOut = 9): string {
  const lines = ['apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: bomb}', 'data:', '  a0: &a0 "lol"'];
  for (let i = 1; i <= levels; i++)
    lines.push(
      `  a${i}: &a${i} [${Array(fanOut)
        .fill(`*a${i - 1}`)
        .join(',')}]`,
    );
  return lines.join('\n');
}

describe('loadYamlDocuments', () => {
  it('loads ordinary multi-document YAML, aliases included', () => {
    const docs = loadYamlDocuments('a: &x {b: 1}\nc: *x\n---\n- 1\n- two\n', { origin: 'm.yaml' });
    expect(docs).toEqual([{ a: { b: 1 }, c: { b: 1 } }, [1, 'two']]);
  });

  it('refuses a nested alias bomb by its expanded size, quickly and by name', () => {
    const text = aliasBomb();
    expect(text.length).toBeLessThan(600);
    expect(() => loadYamlDocuments(text, { origin: 'bomb.yaml' })).toThrow(
      /^bomb\.yaml: expands to more than 1000000 nodes/,
    );
  });

  it('refuses an alias repeated to build a huge text', () => {
    const big = 'x'.repeat(1024 * 1024);
    const text = `s: &s "${big}"\nl: [${Array(100).fill('*s').join(',')}]\n`;
    expect(() => loadYamlDocuments(text, { origin: 'o', limits: { maxExpandedChars: 50 * 1024 * 1024 } })).toThrow(
      /more than 52428800 characters/,
    );
  });

  it('refuses too many aliases, too deep nesting, too large input and a recursive alias', () => {
    expect(() =>
      loadYamlDocuments(`a: &a 1\nb: [${Array(20).fill('*a').join(',')}]`, { origin: 'o', limits: { maxAliases: 10 } }),
    ).toThrow(/maxAliases/);
    expect(() => loadYamlDocuments(`${'['.repeat(200)}${']'.repeat(200)}`, { origin: 'o' })).toThrow(/maxDepth/);
    expect(() => loadYamlDocuments('a: 1', { origin: 'o', limits: { maxChars: 3 } })).toThrow(/larger than 3/);
    expect(() => loadYamlDocuments('a: &a [*a]', { origin: 'o' })).toThrow(/recursive alias|not valid YAML/);
  });

  it('honours the deadline', () => {
    let now = 0;
    const clock = (): number => (now += 1_000);
    expect(() => loadYamlDocuments(aliasBomb(9, 3), { origin: 'o', deadline: 500, now: clock })).toThrow(
      /deadline passed/,
    );
  });

  it('quotes no source text in a parse error, only the reason and the position', () => {
    const text = 'token: sk-live-very-secret-value\n  bad: indentation: here\n';
    try {
      loadYamlDocuments(text, { origin: 'kubeconfig' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(StructuredDataError);
      expect((error as Error).message).toMatch(/^kubeconfig: not valid YAML \(.* at line 2, column \d+\)$/);
      expect((error as Error).message).not.toContain('secret');
    }
  });

  it('refuses custom tags (no code, no classes)', () => {
    expect(() => loadYaml('a: !!js/function "x"', { origin: 'o' })).toThrow(/not valid YAML/);
    expect(() => loadYaml('a: 1\n---\nb: 2', { origin: 'o' })).toThrow(/one is expected/);
  });
});

describe('loadJson', () => {
  it('parses JSON and refuses deep nesting and huge value counts before building them', () => {
    expect(loadJson('{"a":[1,"]",{"b":null}]}', { origin: 'p' })).toEqual({ a: [1, ']', { b: null }] });
    expect(() => loadJson('['.repeat(10_000), { origin: 'plan.json' })).toThrow(/deeper than 100/);
    expect(() => loadJson(`[${'0,'.repeat(2_000)}0]`, { origin: 'p', limits: { maxNodes: 1_000 } })).toThrow(
      /more than 1000 values/,
    );
  });

  it('names the position of a syntax error, never the text around it', () => {
    try {
      loadJson('{"token": "ghp_secretsecret" x}', { origin: 'timings.json' });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toMatch(/^timings\.json: not valid JSON/);
      expect((error as Error).message).not.toContain('secret');
    }
  });
});

describe('memory stays bounded on the worst inputs (child with a capped heap)', () => {
  const loader = moduleUrl('packages/action-kit/src/structured-data.ts');

  it('a nested alias bomb and a 16 Mi-deep JSON array are refused within a 96 MiB heap', async () => {
    const run = await runWithHeapLimit({
      heapMiB: 96,
      script: `
        import { loadJson, loadYamlDocuments } from '${loader}';
        const bomb = ['a0: &a0 "lol"', ...Array.from({ length: 9 }, (_, i) => 'a' + (i + 1) + ': &a' + (i + 1) + ' [' + Array(9).fill('*a' + i).join(',') + ']')].join('\\n');
        for (const attempt of [
          () => loadYamlDocuments(bomb, { origin: 'bomb' }),
          () => loadJson('['.repeat(16 * 1024 * 1024), { origin: 'deep', limits: { maxChars: Infinity } }),
        ]) {
          try { attempt(); console.log('accepted'); } catch (error) { console.log(error.message); }
        }`,
    });
    expect(run.outOfMemory, run.stderr).toBe(false);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /^bomb: expands to more than 1000000 nodes .*\ndeep: JSON nested deeper than 100 levels\n$/,
    );
  });
});
