import { readFileSync } from 'node:fs';
import { RecordingLogger } from '@gauntlet/action-kit/testing';
import { describe, expect, it } from 'vitest';
import { runCommand } from './run-command.js';

const node = process.execPath;

/** Alive and not a zombie: an orphan's zombie lingers where init does not reap, but it runs nothing. */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX]/.test(stat);
  } catch {
    return false;
  }
}

describe('runCommand', () => {
  it('neutralises forged workflow commands in the output', async () => {
    const logger = new RecordingLogger();
    const script = `console.log('::add-mask::x\\n::warning file=a::forged'); console.error('  ::error::e ##[error]legacy')`;
    const run = await runCommand({ file: node, args: ['-e', script], cwd: process.cwd(), logger });
    expect(run.exitCode).toBe(0);
    const lines = logger.messages('info');
    expect(lines).toHaveLength(3);
    // Both syntaxes the runner reads (the runner model checks the neutraliser in depth: local-runner).
    for (const line of lines) expect(line).not.toMatch(/^\s*::|##\[/);
  });

  it('reports the exit code and keeps a tail of the output', async () => {
    const logger = new RecordingLogger();
    const script = `for (let i = 0; i < 100; i++) console.log('line ' + i); process.exit(3)`;
    const run = await runCommand({ file: node, args: ['-e', script], cwd: process.cwd(), logger, tailLines: 5 });
    expect(run.exitCode).toBe(3);
    expect(run.tail).toEqual(['line 95', 'line 96', 'line 97', 'line 98', 'line 99']);
  });

  it('kills the whole process group on abort, grandchildren included', async () => {
    const logger = new RecordingLogger();
    const controller = new AbortController();
    // The child starts a grandchild that would outlive a plain kill of the child.
    const script = `const c = require('child_process').spawn(process.execPath, ['-e', 'setInterval(()=>{}, 1000); console.log(process.pid)'], { stdio: 'inherit' }); setInterval(() => {}, 1000);`;
    const promise = runCommand({
      file: node,
      args: ['-e', script],
      cwd: process.cwd(),
      logger,
      signal: controller.signal,
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    controller.abort();
    const run = await promise;
    expect(run.signal ?? run.exitCode).toBeTruthy();
    const grandchild = Number(logger.messages('info').find((l) => /^\d+$/.test(l)));
    if (grandchild) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(isRunning(grandchild)).toBe(false);
    }
  });

  it('turns a missing program into a clear error', async () => {
    await expect(
      runCommand({ file: 'definitely-not-a-program-xyz', args: [], cwd: process.cwd(), logger: new RecordingLogger() }),
    ).rejects.toThrow(/could not start definitely-not-a-program-xyz/);
  });
});
