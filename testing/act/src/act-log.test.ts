import { describe, expect, it } from 'vitest';
import { ActLog } from './act-log.js';

const line = (fields: Record<string, unknown>) => JSON.stringify({ level: 'info', dryrun: false, ...fields });

describe('ActLog', () => {
  it("gives each matrix leg its own steps' conclusion, not act's shared matrix result", () => {
    const log = new ActLog();
    const leg1 = { jobID: 'test', matrix: { shard: 1, shardTotal: 2 } };
    const leg2 = { jobID: 'test', matrix: { shardTotal: 2, shard: 2 } };
    log.add(
      line({
        ...leg1,
        msg: '  ❌  Failure - Main npm test',
        stage: 'Main',
        step: 'npm test',
        stepID: ['1'],
        stepResult: 'failure',
      }),
    );
    log.add(line({ ...leg1, msg: '🏁  Job failed', jobResult: 'failure' }));
    log.add(
      line({
        ...leg2,
        msg: '  ✅  Success - Main npm test',
        stage: 'Main',
        step: 'npm test',
        stepID: ['1'],
        stepResult: 'success',
      }),
    );
    // act logs the sibling's failure for a leg that passed
    log.add(line({ ...leg2, msg: '🏁  Job failed', jobResult: 'failure' }));
    const jobs = log.result();
    expect(jobs.map((j) => [j.matrix['shard'], j.conclusion, j.actResult])).toEqual([
      [1, 'failure', 'failure'],
      [2, 'success', 'failure'],
    ]);
  });

  it('collects step outputs by step id (last value wins) and the log text', () => {
    const log = new ActLog();
    const job = { jobID: 'plan', matrix: {}, stage: 'Main', stepID: ['plan'] };
    log.add(
      line({ ...job, command: 'set-output', name: 'matrix', arg: '{"shard":[1]}', msg: '::set-output:: matrix' }),
    );
    log.add(line({ ...job, command: 'set-output', name: 'plan-id', arg: 'a', msg: 'x' }));
    log.add(line({ ...job, command: 'set-output', name: 'plan-id', arg: 'b', msg: 'x' }));
    log.add(line({ ...job, msg: 'Discovered 4 tests.\n', raw_output: true }));
    log.add(line({ ...job, stepResult: 'success', step: 'plan', msg: 'ok' }));
    log.add(line({ jobID: 'plan', matrix: {}, jobResult: 'success', msg: '🏁  Job succeeded' }));
    const [plan] = log.result();
    expect(plan!.outputs).toEqual({ plan: { matrix: '{"shard":[1]}', 'plan-id': 'b' } });
    expect(plan!.log).toContain('Discovered 4 tests.');
    expect(plan!.conclusion).toBe('success');
  });

  it('a failed set-up fails the job; declared jobs that never ran are skipped; other lines are kept apart', () => {
    const log = new ActLog();
    log.add("Error: Job 'x' failed");
    log.add('{not json');
    log.add(
      line({ jobID: 'x', matrix: {}, step: 'Set up job', stepid: ['--setup-job'], stepResult: 'failure', msg: 'f' }),
    );
    log.add(line({ jobID: 'x', matrix: {}, jobResult: 'failure', msg: '🏁  Job failed' }));
    const jobs = log.result(['x', 'teardown']);
    expect(jobs.map((j) => [j.id, j.conclusion])).toEqual([
      ['x', 'failure'],
      ['teardown', 'skipped'],
    ]);
    expect(log.general).toEqual(["Error: Job 'x' failed", '{not json']);
  });
});
