import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readEventPayload, readWorkflowRun } from './workflow-run.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'workflow-run-'));
function eventFile(content: string): string {
  const file = path.join(dir, `${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, content);
  return file;
}

describe('readWorkflowRun', () => {
  it('takes the PR head SHA and number from a pull_request event, not the merge commit', () => {
    const run = readWorkflowRun({
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: eventFile(JSON.stringify({ pull_request: { number: 7, head: { sha: 'head' } } })),
      GITHUB_SHA: 'merge',
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_RUN_ID: '42',
      GITHUB_RUN_ATTEMPT: '3',
    });
    expect(run).toMatchObject({ owner: 'acme', repo: 'shop', prNumber: 7, headSha: 'head', sha: 'merge' });
    expect([run.runId, run.runAttempt]).toEqual([42, 3]);
  });

  it('reads workflow_run heads and the top-level number of pull_request_target events', () => {
    const workflowRun = readWorkflowRun({
      GITHUB_EVENT_NAME: 'workflow_run',
      GITHUB_EVENT_PATH: eventFile(JSON.stringify({ workflow_run: { head_sha: 'h', pull_requests: [{ number: 9 }] } })),
    });
    expect([workflowRun.prNumber, workflowRun.headSha]).toEqual([9, 'h']);
    const target = readWorkflowRun({
      GITHUB_EVENT_NAME: 'pull_request_target',
      GITHUB_EVENT_PATH: eventFile(JSON.stringify({ number: 11 })),
    });
    expect(target.prNumber).toBe(11);
    // A push event's top-level `number` is not a PR.
    const push = readWorkflowRun({ GITHUB_EVENT_NAME: 'push', GITHUB_EVENT_PATH: eventFile('{"number": 5}') });
    expect(push.prNumber).toBeUndefined();
  });

  it('never trusts nonsense: bad numbers fall back, bad PR numbers are dropped', () => {
    const run = readWorkflowRun({
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: eventFile(JSON.stringify({ pull_request: { number: -3 } })),
      GITHUB_RUN_ID: 'abc',
      GITHUB_RUN_ATTEMPT: '0',
    });
    expect([run.prNumber, run.runId, run.runAttempt]).toEqual([undefined, 1, 1]);
  });
});

describe('readEventPayload', () => {
  it('is empty for a missing, corrupt or non-object file', () => {
    expect(readEventPayload(undefined)).toEqual({});
    expect(readEventPayload(path.join(dir, 'absent.json'))).toEqual({});
    expect(readEventPayload(eventFile('{not json'))).toEqual({});
    expect(readEventPayload(eventFile('[1,2]'))).toEqual({});
    expect(readEventPayload(eventFile('null'))).toEqual({});
  });
});
