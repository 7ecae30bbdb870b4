import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { analyzeMarkdown } from '@gauntlet/github/testing';
import { startGitHubStandIn, type GitHubStandIn } from '@gauntlet/github-api-standin';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEAD_SHA, matrixFlow, sampleWorkspace } from './helpers.js';

/**
 * SH-07 / X-04: test names and output are attacker-controlled on public repositories. Names carrying workflow
 * commands, ANSI escapes and Markdown must not forge a command in the log, and must render as text in the report.
 */
const HOSTILE = [
  '::warning::forged annotation',
  '::add-mask::canary-mask-value',
  '::stop-commands::canarytoken',
  '\u001b[31m::error::forged red\u001b[0m',
  'two lines\n::error file=a.ts,line=1::forged second line',
  '[click](javascript:alert(1)) @octocat #1 <img src=x onerror=alert(1)>',
  '<!-- gauntlet:section:shard-and-run -->',
  // The runner also reads `::` after leading whitespace and the legacy `##[` syntax anywhere in a line.
  '   ::warning::forged indented',
  'expected ##[error]forged legacy',
  'AssertionError ##[add-mask]canary-mask-value',
  'see ##[stop-commands]canarytoken',
];

let gh: GitHubStandIn;
beforeAll(async () => {
  gh = await startGitHubStandIn({ seed: 9 });
  gh.seedPull(7, { headSha: HEAD_SHA });
});
afterAll(async () => {
  await gh?.close();
});

describe('untrusted test names and output', () => {
  it('never forge workflow commands and render literally in the report', async () => {
    const workspace = await sampleWorkspace();
    const body = HOSTILE.map(
      (name, i) =>
        `test(${JSON.stringify(name)}, () => {\n  console.log(${JSON.stringify(`${name} (stdout ${i})`)});\n` +
        (i % 2
          ? `  assert.fail(${JSON.stringify(`::error::forged from a message ${i} ##[error]forged legacy ${i}`)});\n`
          : '') +
        '});\n',
    );
    await mkdir(path.join(workspace, 'tests'), { recursive: true });
    await writeFile(
      path.join(workspace, 'tests', 'hostile.test.mjs'),
      `import assert from 'node:assert/strict';\nimport test from 'node:test';\n${body.join('')}`,
    );
    const { runs, merge } = await matrixFlow(workspace, { shards: 2, gh });
    for (const result of [...runs, merge]) {
      const forged = result.main.commands.filter(
        (c) =>
          /forged|canary-mask-value|canarytoken/.test(JSON.stringify(c)) ||
          (c.name === 'add-mask' && !JSON.stringify(c).includes(gh.token)) || // our own token is masked, nothing else
          c.name === 'stop-commands',
      );
      expect(forged, result.main.rawOutput).toEqual([]);
    }
    // The names are still visible in the log, just unable to act.
    const log = runs.flatMap((r) => r.main.log).join('\n');
    expect(log).toContain('forged annotation');
    // Commands were not stopped: the failing shard's own error still reached the runner.
    expect(runs.some((r) => r.main.commands.some((c) => c.name === 'error' && /tests? failed/.test(c.message)))).toBe(
      true,
    );

    const comment = gh.store.comments.find((c) => (c.body ?? '').includes('Failures'))?.body ?? '';
    const structure = analyzeMarkdown(comment);
    // The only link is publishReport's own footer, to the workflow run.
    expect(
      structure.links.filter((l) => !l.startsWith('https://github.com/gauntlet-org/gauntlet/actions/runs/')),
    ).toEqual([]);
    expect(structure.images).toEqual([]);
    expect(structure.mentions).toEqual([]);
    expect(structure.issueRefs).toEqual([]);
    // The only HTML is ours (markers, the footer's <sub>); the hostile marker text is escaped, so our section
    // opens exactly once.
    const ours = /^(<!-- \/?gauntlet:[a-z]+:[a-z-]+( rev=[0-9.]+)? -->|<\/?sub>)$/;
    expect(structure.html.filter((h) => !ours.test(h.trim()))).toEqual([]);
    expect(comment.split('<!-- gauntlet:section:shard-and-run').length - 1).toBe(1);
    expect(comment).toContain('forged annotation');
    const check = gh.store.checkRuns.find((c) => c.name === 'Tests')!;
    const annotations = gh.store.annotations.get(check.id) ?? [];
    // Every other hostile test fails, plus the sample suite's own failing test.
    expect(annotations.map((a) => a.path).sort()).toEqual([
      ...Array(Math.floor(HOSTILE.length / 2)).fill('tests/hostile.test.mjs'),
      'tests/strings.test.mjs',
    ]);
    expect(gh.violations).toEqual([]);
  });
});
