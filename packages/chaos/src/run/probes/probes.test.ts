import { describe, expect, it } from 'vitest';
import { createPrometheusClient } from '@gauntlet/slo';
import { startFakePrometheus, success } from '@gauntlet/slo/testing';
import { createGuard } from '../guard.js';
import { commandEnv } from '../command.js';
import { commandProbe } from './command.js';
import { prometheusProbe } from './prometheus.js';

const node = process.execPath;
const probe = (argv: string[], expectExit = 0, timeoutMs = 10_000) =>
  ({ name: 'c', kind: 'command', argv, expectExit, timeoutMs }) as const;

describe('command probe', () => {
  it('runs argv without a shell: the expected exit is steady, another is breached with the code', async () => {
    expect(await commandProbe(probe([node, '-e', 'process.exit(0)']), {})).toMatchObject({ state: 'steady' });
    const three = await commandProbe(probe([node, '-e', 'console.error("db down"); process.exit(3)']), {});
    expect(three.state).toBe('breached');
    expect(three.reason).toMatch(/exit 3 \(db down\), expected exit 0$/);
    expect((await commandProbe(probe([node, '-e', 'process.exit(3)'], 3), {})).state).toBe('steady');
  });

  it('shell syntax is only text: `$(…)`, `;` and `|` reach the program as arguments', async () => {
    const hostile = ['$(touch /tmp/gauntlet-pwned)', '; rm -rf /', '| cat /etc/passwd', '`id`'];
    const out = await commandProbe(
      probe([
        node,
        '-e',
        'process.exit(JSON.stringify(process.argv.slice(1)) === process.env.WANT ? 0 : 9)',
        ...hostile,
      ]),
      { env: { ...commandEnv(), WANT: JSON.stringify(hostile) } },
    );
    expect(out.state, out.reason).toBe('steady');
  });

  it('a timeout kills the process group and breaches; a missing program breaches naming why', async () => {
    const slow = await commandProbe(probe([node, '-e', 'setInterval(() => {}, 1000)'], 0, 300), {});
    expect(slow.state).toBe('breached');
    expect(slow.reason).toMatch(/did not finish within 300 ms \(killed\)/);
    const missing = await commandProbe(probe(['/nonexistent/gauntlet-probe']), {});
    expect(missing).toMatchObject({ state: 'breached' });
    expect(missing.reason).toMatch(/could not start \(ENOENT\)/);
  });

  it('what the command prints never becomes a workflow command, and its environment has no action inputs', async () => {
    const out = await commandProbe(
      probe([node, '-e', 'console.log("::add-mask::x\\n::error::forged ##[stop-commands]t"); process.exit(1)']),
      {},
    );
    expect(out.reason).not.toMatch(/(^|\n)\s*::/);
    expect(out.reason).not.toContain('##[');
    const env = commandEnv({ PATH: '/bin', INPUT_KUBECONFIG: 'secret', ACTIONS_RUNTIME_TOKEN: 't', STATE_ledger: 'x' });
    expect(env).toEqual({ PATH: '/bin' });
  });

  it('the guard runs command probes with no extra connection', async () => {
    const guard = createGuard({ probes: [probe([node, '-e', 'process.exit(2)'])] });
    expect((await guard.observe()).state).toBe('breached');
  });
});

describe('prometheus probe', () => {
  async function answering(result: unknown, resultType = 'vector') {
    const fake = await startFakePrometheus(() => ({ status: 200, body: success(resultType, result) }));
    const client = createPrometheusClient({ url: fake.url, registerSecret: () => undefined, maxRetries: 0 });
    return { fake, client };
  }
  const spec = { name: 'errors', kind: 'prometheus', query: 'rate(errors[1m])', op: '<', threshold: 0.05 } as const;

  it('compares every series with the threshold; the worst failing one is reported', async () => {
    const { fake, client } = await answering([
      { metric: { job: 'a' }, value: [1, '0.01'] },
      { metric: { job: 'b' }, value: [1, '0.2'] },
    ]);
    const out = await prometheusProbe(spec, client, Date.now);
    expect(out).toEqual({ state: 'breached', reason: 'probe errors: {job="b"} 0.2, expected < 0.05' });
    await fake.close();
  });

  it('no series, NaN, a failed query or a matrix is unknown — no data is never steady', async () => {
    for (const [result, type] of [
      [[], 'vector'],
      [[{ metric: {}, value: [1, 'NaN'] }], 'vector'],
      [[{ metric: {}, values: [[1, '1']] }], 'matrix'],
    ] as const) {
      const { fake, client } = await answering(result, type);
      expect((await prometheusProbe(spec, client, Date.now)).state).toBe('unknown');
      await fake.close();
    }
    const down = createPrometheusClient({ url: 'http://127.0.0.1:9', registerSecret: () => undefined, maxRetries: 0 });
    const out = await prometheusProbe(spec, down, Date.now);
    expect(out.state).toBe('unknown');
    expect(out.reason).toMatch(/query failed/);
  });

  it('a scalar within the threshold is steady; label text is neutralised', async () => {
    const { fake, client } = await answering([1, '0.01'], 'scalar');
    expect(await prometheusProbe(spec, client, Date.now)).toEqual({
      state: 'steady',
      reason: 'probe errors: 0.01 < 0.05',
    });
    await fake.close();
    const hostile = await answering([{ metric: { job: '\n::error::x ##[warning]y' }, value: [1, '1'] }]);
    const out = await prometheusProbe(spec, hostile.client, Date.now);
    expect(out.reason).not.toContain('##[');
    expect(out.reason).not.toMatch(/\n\s*::/);
    await hostile.fake.close();
  });
});
