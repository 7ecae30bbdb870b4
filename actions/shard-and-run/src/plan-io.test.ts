import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PLAN_FORMAT, PLAN_VERSION, planShards, validatePlan } from '@gauntlet/sharding';
import { RUNNER_NAMES, RUNNERS } from '@gauntlet/test-runners';
import { describe, expect, it } from 'vitest';
import { commandArguments, loadPlan, planFileReader } from './plan-io.js';

/** Runner selectors (RSpec example ids) travel in the plan and become the shards' {tests} words. */
describe('plan selectors', () => {
  const tests = ['spec/a_spec.rb::A adds', 'spec/a_spec.rb::A subtracts', 'spec/b_spec.rb::B works'];
  const selectors = new Map([
    ['spec/a_spec.rb::A adds', './spec/a_spec.rb[1:1,1:3]'],
    ['spec/a_spec.rb::A subtracts', './spec/a_spec.rb[1:2]'],
    ['spec/b_spec.rb::B works', './spec/b_spec.rb[1:1]'],
  ]);

  it('keeps every planned selector in the plan, covered by its id, and runs tests by them', () => {
    const plan = planShards({ tests, shards: 2, runnerFiltersTests: true, runner: 'rspec', selectors });
    const without = planShards({ tests, shards: 2, runnerFiltersTests: true, runner: 'rspec' });
    expect(plan.selectors).toEqual(Object.fromEntries(selectors));
    expect(plan.id).not.toBe(without.id);
    const roundTripped = validatePlan(JSON.parse(JSON.stringify(plan)), { runners: RUNNER_NAMES });
    const words = roundTripped.shards.flatMap(
      (s) => commandArguments(s.items, RUNNERS.rspec, roundTripped.selectors).tests,
    );
    expect(words.sort()).toEqual(['./spec/a_spec.rb[1:1,1:3]', './spec/a_spec.rb[1:2]', './spec/b_spec.rb[1:1]']);
    // A selector of a test the plan does not hold is not kept.
    const extra = new Map([...selectors, ['spec/gone_spec.rb::Gone', './spec/gone_spec.rb[1:1]']]);
    expect(planShards({ tests, shards: 2, runnerFiltersTests: true, selectors: extra }).selectors).toEqual(
      Object.fromEntries(selectors),
    );
  });

  it('never takes a selector from the prototype, and refuses one that reads as an option', async () => {
    const item = { file: 'spec/a_spec.rb', tests: ['constructor', '__proto__'], seconds: 1, estimated: false };
    expect(commandArguments([item], RUNNERS.rspec, {}).tests).toEqual(['spec/a_spec.rb', 'spec/a_spec.rb']);
    const plan = JSON.parse(
      JSON.stringify(planShards({ tests, shards: 1, runnerFiltersTests: true, runner: 'rspec', selectors })),
    );
    const unread = () => Promise.reject(new Error('an inline plan is not read from a file'));
    plan.selectors['spec/b_spec.rb::B works'] = '--require=/tmp/evil.rb';
    await expect(loadPlan(JSON.stringify(plan), unread)).rejects.toThrow(
      /^Input 'plan': has selectors that are not test selectors/,
    );
    plan.selectors = ['x'];
    await expect(loadPlan(JSON.stringify(plan), unread)).rejects.toThrow(/selectors that are not test selectors/);
  });
});

describe('loadPlan from a file', () => {
  const top = mkdtempSync(path.join(tmpdir(), 'plan-io-'));
  const workspace = path.join(top, 'ws');
  mkdirSync(workspace);
  const read = planFileReader({ workingDirectory: workspace, alsoUnder: [] }, workspace);
  const plan = {
    format: PLAN_FORMAT,
    version: PLAN_VERSION,
    id: '0123456789abcdef',
    shardCount: 1,
    shards: [{ index: 1, items: [{ file: 'a.test.js', seconds: 1 }] }],
  };

  it('reads a plan inside the workspace', async () => {
    writeFileSync(path.join(workspace, 'plan.json'), JSON.stringify(plan));
    expect((await loadPlan('plan.json', read)).id).toBe('0123456789abcdef');
  });

  it('refuses a FIFO at the plan path at once (stat said 0 bytes and the read then took whatever came)', async () => {
    execFileSync('mkfifo', [path.join(workspace, 'fifo.json')]);
    await expect(loadPlan('fifo.json', read)).rejects.toThrow(/^Input 'plan': "fifo.json": .*not a regular file/);
  });

  it('refuses a plan outside the workspace, directly or through a symlink', async () => {
    await expect(loadPlan('/etc/passwd', read)).rejects.toThrow(/^Input 'plan'.*outside the workspace/);
    symlinkSync('/etc/passwd', path.join(workspace, 'linked.json'));
    await expect(loadPlan('linked.json', read)).rejects.toThrow(/outside the workspace/);
  });
});

describe('commandArguments never makes an option of a file or test id', () => {
  it('gives ./ to dash-led files in {files} and {tests}, for every runner', () => {
    const items = [
      { file: '--inject=1.test.js', seconds: 1, estimated: false },
      { file: '-rf.test.js', tests: ['t'], seconds: 1, estimated: false },
    ];
    for (const runner of Object.values(RUNNERS)) {
      const { files, tests } = commandArguments(items, runner);
      expect(files, runner.name).toEqual(['./--inject=1.test.js', './-rf.test.js']);
      expect(
        tests.every((t) => t.startsWith('./')),
        runner.name,
      ).toBe(true);
    }
  });
});
