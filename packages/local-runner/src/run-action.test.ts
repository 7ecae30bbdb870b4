import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runActionLocally } from './run-action.js';

/** A one-file action that reports RUNNER_NAME and an input defaulting to ${{ runner.name }}. */
async function echoAction(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'local-runner-test-'));
  await writeFile(
    path.join(dir, 'action.yml'),
    "name: echo\ninputs:\n  who:\n    default: '${{ runner.name }}'\nruns:\n  using: node24\n  main: main.mjs\n",
  );
  await writeFile(
    path.join(dir, 'main.mjs'),
    "import { appendFileSync } from 'node:fs';\n" +
      'appendFileSync(process.env.GITHUB_OUTPUT, `env=${process.env.RUNNER_NAME ?? "(unset)"}\\nwho=${process.env.INPUT_WHO}\\n`);\n',
  );
  return dir;
}

describe('runActionLocally: the runner name', () => {
  it('sets RUNNER_NAME and runner.name when asked, and never passes the caller’s own through', async () => {
    const actionDir = await echoAction();
    const named = await runActionLocally({ actionDir, runnerName: 'runner-7' });
    expect(named.outputs).toEqual({ env: 'runner-7', who: 'runner-7' });

    const saved = process.env['RUNNER_NAME'];
    process.env['RUNNER_NAME'] = 'the-machine-running-the-tests';
    try {
      const unnamed = await runActionLocally({ actionDir });
      expect(unnamed.outputs).toEqual({ env: '(unset)', who: '' });
    } finally {
      if (saved === undefined) delete process.env['RUNNER_NAME'];
      else process.env['RUNNER_NAME'] = saved;
    }
  });
});

/** An action that logs each signal it receives and ignores it, so the whole sequence is sent. */
async function stubbornAction(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'local-runner-signals-'));
  await writeFile(path.join(dir, 'action.yml'), 'name: stubborn\nruns:\n  using: node24\n  main: main.mjs\n');
  await writeFile(
    path.join(dir, 'main.mjs'),
    "for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => console.log(`got ${s}`));\n" +
      "console.log('ready');\nsetInterval(() => undefined, 1000);\n",
  );
  return dir;
}

describe('runActionLocally: where the cancellation sequence starts', () => {
  const schedule = { sigintToSigterm: 300, sigtermToSigkill: 300 };
  it.each([
    ['SIGINT', ['SIGINT', 'SIGTERM', 'SIGKILL']],
    ['SIGTERM', ['SIGTERM', 'SIGKILL']],
    ['SIGKILL', ['SIGKILL']],
  ] as const)('cancelWith %s sends %j', async (cancelWith, sent) => {
    const result = await runActionLocally({
      actionDir: await stubbornAction(),
      cancelAfterMs: 500,
      signalScheduleMs: schedule,
      cancelWith,
    });
    expect(result.main.signalsSent).toEqual(sent);
    expect(result.main.signal).toBe('SIGKILL');
    expect(result.main.log.filter((l) => l.startsWith('got '))).toEqual(
      sent.filter((s) => s !== 'SIGKILL').map((s) => `got ${s}`),
    );
  });
});
