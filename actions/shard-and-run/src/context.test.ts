import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRunContext } from './context.js';

async function ctx(event: string, ref: string, payload: unknown) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ctx-'));
  await writeFile(path.join(dir, 'event.json'), JSON.stringify(payload));
  return readRunContext({
    GITHUB_EVENT_NAME: event,
    GITHUB_REF: ref,
    GITHUB_EVENT_PATH: path.join(dir, 'event.json'),
    GITHUB_SHA: 'b'.repeat(40),
  });
}

describe('readRunContext', () => {
  it('reads the PR head SHA and number from the event', async () => {
    const c = await ctx('pull_request', 'refs/pull/7/merge', {
      pull_request: { number: 7, head: { sha: 'a'.repeat(40) } },
    });
    expect(c.headSha).toBe('a'.repeat(40));
    expect(c.prNumber).toBe(7);
    expect(c.sha).toBe('b'.repeat(40));
    expect(c.runnerTemp).not.toBe('');
  });
});
