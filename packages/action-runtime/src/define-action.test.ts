import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InputError, neutralize } from '@gauntlet/action-kit';
import { startGitHubStandIn } from '@gauntlet/github-api-standin';
import { describe, expect, it } from 'vitest';
import { defineAction } from './define-action.js';
import { NO_TOKEN_WARNING } from './report.js';
import type { ActionRuntime } from './runtime.js';
import { TestHost, runStep } from './testing/index.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'action-runtime-'));
function eventFile(payload: unknown): string {
  const file = path.join(dir, `${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(payload));
  return file;
}

/** An action that records what its steps saw; `host` is the one whose secrets parseInputs looks at. */
function probe(body: (rt: ActionRuntime, inputs: { greeting: string }) => Promise<void> = async () => undefined) {
  const seen: { secretsAtParse?: string[]; parsed: number; rt?: ActionRuntime; host?: TestHost } = { parsed: 0 };
  const action = defineAction({
    name: 'probe-action',
    secretInputs: ['password', { name: 'headers', secrets: (v) => v.split('\n').map((l) => l.split('=')[1] ?? '') }],
    parseInputs: (reader) => {
      seen.parsed++;
      seen.secretsAtParse = [...(seen.host?.secrets ?? [])];
      return { greeting: reader.string('greeting', { required: true }) };
    },
    main: async (inputs, rt) => {
      seen.rt = rt;
      await body(rt, inputs);
    },
    post: async (rt, inputs) => {
      seen.rt = rt;
      if (rt.getState('parse') === 'yes') inputs();
    },
  });
  return { action, seen };
}

describe('defineAction', () => {
  it('masks the token and every secret input before the inputs are parsed', async () => {
    const { action, seen } = probe();
    const host = (seen.host = new TestHost({
      inputs: {
        greeting: 'hi',
        'github-token': 'ghs_secret_token_1',
        password: 'pw-12345678',
        headers: 'X-A=value-one\nX-B=value-two',
      },
    }));
    await action.main(host);
    expect(host.failed).toBeUndefined();
    expect(seen.secretsAtParse).toEqual(
      expect.arrayContaining(['ghs_secret_token_1', 'pw-12345678', 'value-one', 'value-two']),
    );
    expect(seen.secretsAtParse).not.toContain('X-A=value-one\nX-B=value-two');
    expect(host.exited).toBe(true);
  });

  it('fails the main step with the action name and the message, without a stack for user errors', async () => {
    const { action } = probe();
    const host = await runStep(action, 'main', { inputs: {} });
    expect(host.failed).toBe("probe-action: Input 'greeting': is required");
    expect(host.error).toBeInstanceOf(InputError);
    expect(host.logger.messages('debug')).toEqual([]);
    expect(host.exited).toBe(true);
  });

  it('prints the stack of an unexpected error in debug, and neutralises workflow commands in the message', async () => {
    const { action } = probe(async () => {
      throw new Error('::error::forged');
    });
    const host = await runStep(action, 'main', { inputs: { greeting: 'hi' } });
    expect(host.failed).toBe(`probe-action: ${neutralize('::error::forged')}`);
    expect(host.logger.messages('debug').join('\n')).toContain('define-action.test.ts');
  });

  it('fails on a non-Error throw too', async () => {
    const { action } = probe(async () => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- what a careless dependency may throw
      throw { code: 7 };
    });
    expect((await runStep(action, 'main', { inputs: { greeting: 'hi' } })).failed).toBe('probe-action: {"code":7}');
  });

  it('post: parses inputs only when asked, and downgrades its failures to a warning', async () => {
    const { action, seen } = probe();
    let host = await runStep(action, 'post', { inputs: {} });
    expect(seen.parsed).toBe(0);
    expect(host.failed).toBeUndefined();
    expect(host.logger.messages('warning')).toEqual([]);

    host = await runStep(action, 'post', { inputs: {}, state: { parse: 'yes' } });
    expect(seen.parsed).toBe(1);
    expect(host.failed).toBeUndefined();
    expect(host.logger.messages('warning')).toEqual(["probe-action (post): Input 'greeting': is required"]);
    expect(seen.rt?.userAgent).toBe('gauntlet/probe-action-post');
  });

  it('turns the first cancellation signal into one aborted signal with its reason', async () => {
    const cancel = new AbortController();
    let reason: unknown;
    const { action, seen } = probe(async (rt) => {
      expect(rt.signal.aborted).toBe(false);
      cancel.abort();
      reason = rt.signal.reason;
    });
    const host = await runStep(action, 'main', { inputs: { greeting: 'hi' }, cancel: cancel.signal });
    expect(host.failed).toBeUndefined();
    expect((reason as Error).message).toBe('cancelled by SIGINT');
    expect(host.logger.messages('info')).toEqual(['Received SIGINT: cancelling.']);
    expect(seen.rt?.userAgent).toBe('gauntlet/probe-action');
  });

  it('reads the workflow run once for every action: PR head SHA, not the merge commit', async () => {
    const { action, seen } = probe();
    await runStep(action, 'main', {
      inputs: { greeting: 'hi' },
      env: {
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_EVENT_PATH: eventFile({ pull_request: { number: 5, head: { sha: 'head-sha' } } }),
        GITHUB_SHA: 'merge-sha',
        GITHUB_REPOSITORY: 'acme/shop',
      },
    });
    expect(seen.rt?.run).toMatchObject({ prNumber: 5, headSha: 'head-sha', sha: 'merge-sha', owner: 'acme' });
  });

  it('registers each secret once, with its lines', async () => {
    const { action } = probe(async (rt) => {
      rt.registerSecret('line-one-secret\nline-two-secret');
      rt.registerSecret('line-one-secret\nline-two-secret');
      rt.registerSecret('');
      rt.registerSecret(undefined);
    });
    const host = await runStep(action, 'main', { inputs: { greeting: 'hi' } });
    expect(host.secrets).toEqual(['line-one-secret\nline-two-secret', 'line-one-secret', 'line-two-secret']);
  });
});

describe('the report publisher', () => {
  const report = { title: 'Probe', markdown: 'all **good**' };

  it('without a token writes the job summary and exactly one warning', async () => {
    const { action } = probe(async (rt) => {
      const result = await rt.report({ ...report, checkRun: { name: 'Probe', title: 't', summary: 's' } });
      expect(result.summary.status).toBe('written');
      expect(result.checkRun).toMatchObject({ status: 'skipped', reason: 'no token' });
      expect(result.comment).toMatchObject({ status: 'skipped' });
    });
    const host = await runStep(action, 'main', { inputs: { greeting: 'hi' } });
    expect(host.failed).toBeUndefined();
    expect(host.summary.text()).toContain('### Probe');
    expect(host.logger.messages('warning')).toEqual([NO_TOKEN_WARNING]);
  });

  it('with post: false writes the job summary only, silently', async () => {
    const { action } = probe(async (rt) => void (await rt.report({ ...report, post: false })));
    const host = await runStep(action, 'main', { inputs: { greeting: 'hi', 'github-token': 'ghs_x_123456' } });
    expect(host.summary.text()).toContain('all **good**');
    expect(host.logger.messages('warning')).toEqual([]);
  });

  it('with a token posts the check run on the PR head and the comment section, redacting every secret', async () => {
    const gh = await startGitHubStandIn({ owner: 'acme', repo: 'shop' });
    try {
      gh.seedPull(9, { headSha: 'b'.repeat(40) });
      const { action } = probe(async (rt) => {
        rt.registerSecret('kube-token-abcdef');
        const result = await rt.report({
          title: 'Probe',
          markdown: 'leaked kube-token-abcdef here',
          checkRun: { name: 'Probe', conclusion: 'success', title: 'ok', summary: 'ok' },
        });
        expect(result.warning).toBeUndefined();
      });
      const host = await runStep(action, 'main', {
        inputs: { greeting: 'hi', 'github-token': gh.token },
        env: {
          GITHUB_API_URL: gh.url,
          GITHUB_REPOSITORY: 'acme/shop',
          GITHUB_EVENT_NAME: 'pull_request',
          GITHUB_EVENT_PATH: eventFile({ pull_request: { number: 9, head: { sha: 'b'.repeat(40) } } }),
        },
        github: { writeSpacingMs: 0, secondMs: 1 },
        reportSettleMs: 10,
      });
      expect(host.failed).toBeUndefined();
      expect(gh.violations).toEqual([]);
      expect(gh.store.checkRuns.map((c) => c.head_sha)).toEqual(['b'.repeat(40)]);
      const [comment] = gh.store.comments;
      expect(comment?.body).toContain('leaked *** here');
      expect(gh.requests.every((r) => r.headers['user-agent']?.startsWith('gauntlet/probe-action'))).toBe(true);
    } finally {
      await gh.close();
    }
  });
});
