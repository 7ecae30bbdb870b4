import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { RecordingLogger } from '@gauntlet/action-kit/testing';
import type { JUnitReport, PlanItem } from '@gauntlet/sharding';
import { parseCommandTemplate, RUNNERS } from '@gauntlet/test-runners';
import { describe, expect, it } from 'vitest';
import { COMMAND_CASE, executeItems, retryItems, syntheticReport } from './execute.js';
import type { CommandInput } from './inputs.js';
import { casesOf } from './junit-read.js';
import { NODE_TEST_COMMAND, tempWorkspace, writeNodeTestFile } from './test-helpers.js';

function command(text: string): CommandInput {
  const words = parseCommandTemplate(text);
  const has = (n: string) => words.some((w) => w.kind === 'placeholder' && w.name === n);
  return { text, words, hasFiles: has('files'), hasTests: has('tests') };
}

const item = (file: string, seconds = 1, tests?: string[]): PlanItem => ({
  file,
  seconds,
  estimated: false,
  ...(tests ? { tests } : {}),
});

function statusOf(report: JUnitReport): Record<string, string> {
  return Object.fromEntries([...casesOf(report)].map(({ testCase }) => [testCase.name, testCase.status]));
}

describe('retryItems', () => {
  const failing = (file: string, name: string): JUnitReport => ({
    suites: [{ name: file, file, cases: [{ name, file, time: 0, status: 'failed', failures: [], attempts: 1 }] }],
  });
  it('retries only the items of files with failures', () => {
    const items = [item('a.test.ts'), item('b.test.ts')];
    expect(retryItems(items, failing('b.test.ts', 'x'))).toEqual([item('b.test.ts')]);
    expect(retryItems(items, { suites: [] })).toEqual([]);
  });
  it('keeps only the failed tests of a test-level item when names match, else the whole item', () => {
    const items = [item('t.py', 1, ['TestA::one', 'TestA::two'])];
    expect(retryItems(items, failing('t.py', 'TestA::two'))).toEqual([item('t.py', 1, ['TestA::two'])]);
    expect(retryItems(items, failing('t.py', 'unmatched'))).toEqual(items);
  });
  it('never re-runs a test that passed because another test of its file failed (one item per test)', () => {
    const items = [item('t.py', 1, ['test_flaky']), item('t.py', 1, ['test_broken']), item('u.py', 1, ['test_ok'])];
    expect(retryItems(items, failing('t.py', 'test_broken'))).toEqual([item('t.py', 1, ['test_broken'])]);
    // A case named without its class still finds its planned test.
    const classy = [item('t.py', 1, ['TestA::one']), item('t.py', 1, ['TestA::two'])];
    expect(retryItems(classy, failing('t.py', 'two'))).toEqual([item('t.py', 1, ['TestA::two'])]);
  });
  it('retries everything when a failure maps to no planned file or is the command itself', () => {
    const items = [item('a.test.ts'), item('b.test.ts')];
    expect(retryItems(items, failing('elsewhere.ts', 'x'))).toEqual(items);
    const command: JUnitReport = {
      suites: [
        { name: COMMAND_CASE, cases: [{ name: COMMAND_CASE, time: 0, status: 'error', failures: [], attempts: 1 }] },
      ],
    };
    expect(retryItems(items, command)).toEqual(items);
  });
});

describe('syntheticReport', () => {
  it('gives each planned test the command’s verdict', () => {
    const report = syntheticReport([item('a.js'), item('b.py', 1, ['x', 'y'])], 3000, 'exit 2');
    expect([...casesOf(report)].map((c) => [c.testCase.file, c.testCase.name, c.testCase.status])).toEqual([
      ['a.js', 'a.js', 'failed'],
      ['b.py', 'x', 'failed'],
      ['b.py', 'y', 'failed'],
    ]);
  });
});

describe('executeItems', () => {
  const base = { runner: RUNNERS.generic, env: {}, label: 'test', shardIndex: 1, shardTotal: 1 };

  it('retries failed files, marks failed-then-passed tests flaky and keeps real failures failed', async () => {
    const cwd = await tempWorkspace();
    await writeNodeTestFile(cwd, 't/a.test.mjs', [{ name: 'steady' }, { name: 'wobbly', flaky: true }]);
    await writeNodeTestFile(cwd, 't/b.test.mjs', [{ name: 'broken', fails: true }]);
    await writeNodeTestFile(cwd, 't/c.test.mjs', [{ name: 'fine' }]);
    const logger = new RecordingLogger();
    const result = await executeItems({
      ...base,
      items: [item('t/a.test.mjs'), item('t/b.test.mjs'), item('t/c.test.mjs')],
      command: command(NODE_TEST_COMMAND),
      cwd,
      junitPath: 'junit.xml',
      retries: 2,
      logger,
    });
    expect(statusOf(result.report)).toEqual({ steady: 'passed', wobbly: 'flaky', broken: 'failed', fine: 'passed' });
    expect(result.failed).toBe(true);
    // Attempt 1 runs all three files, retry 1 the two with failures, retry 2 only the still-failing one.
    expect(result.attempts.map((a) => a.items)).toEqual([3, 2, 1]);
    expect(logger.text()).toContain('Retry 1 of 2');
    // Every run is a cost-model sample: wall time beside the files it ran and their JUnit seconds.
    expect(result.attempts.map((a) => a.sample?.files)).toEqual([3, 2, 1]);
    for (const a of result.attempts) {
      expect(a.sample!.wallSeconds).toBeCloseTo(a.durationMs / 1000, 6);
      expect(a.sample!.testSeconds).toBeGreaterThanOrEqual(0);
    }
  });

  it('without JUnit, judges each planned file by the exit code, and a retry that passes makes them flaky', async () => {
    const cwd = await tempWorkspace();
    // Exits 1 on the first run and 0 on the retry (GAUNTLET_RETRY is set by the action).
    const script = 'process.exit(process.env.GAUNTLET_RETRY === "0" ? 1 : 0)';
    const result = await executeItems({
      ...base,
      items: [item('x.js'), item('y.js')],
      command: command(`node -e '${script}' {files}`),
      cwd,
      retries: 1,
      logger: new RecordingLogger(),
    });
    expect(statusOf(result.report)).toEqual({ 'x.js': 'flaky', 'y.js': 'flaky' });
    expect(result.failed).toBe(false);
  });

  it('never passes a non-zero exit that reported no failing test', async () => {
    const cwd = await tempWorkspace();
    await writeNodeTestFile(cwd, 'ok.test.mjs', [{ name: 'fine' }]);
    const text = `node -e 'require("fs").writeFileSync("junit.xml", "<testsuite name=\\"s\\"><testcase name=\\"fine\\" file=\\"ok.test.mjs\\"/></testsuite>"); process.exit(3)' {files}`;
    const result = await executeItems({
      ...base,
      items: [item('ok.test.mjs')],
      command: command(text),
      cwd,
      junitPath: 'junit.xml',
      retries: 0,
      logger: new RecordingLogger(),
    });
    expect(statusOf(result.report)).toEqual({ fine: 'passed', [COMMAND_CASE]: 'error' });
    expect(result.failed).toBe(true);
  });

  it('creates the JUnit directory and records a cancellation', async () => {
    const cwd = await tempWorkspace();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const result = await executeItems({
      ...base,
      items: [item('slow.js')],
      command: command(`node -e 'setTimeout(() => {}, 20000)' {files}`),
      cwd,
      junitPath: 'out/deep/junit.xml',
      retries: 3,
      logger: new RecordingLogger(),
      signal: controller.signal,
    });
    expect(result.cancelled).toBe(true);
    expect(result.attempts).toHaveLength(1);
    await expect(readFile(path.join(cwd, 'out/deep/junit.xml'))).rejects.toThrow(); // created dir, no file
  });
});
