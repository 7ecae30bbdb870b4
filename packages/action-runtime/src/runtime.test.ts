import { describe, expect, it } from 'vitest';
import { createRuntime } from './runtime.js';
import { TestHost } from './testing/index.js';

function runtime(): { host: TestHost; register: (value: string) => void } {
  const host = new TestHost({ env: {} });
  const { runtime: rt } = createRuntime('probe-action', 'main', host);
  return { host, register: (value) => rt.registerSecret(value) };
}

describe('registerSecret', () => {
  it('warns about a secret too short to mask safely, without naming it, and still masks it', () => {
    const { host, register } = runtime();
    register('tok');
    expect(host.secrets).toContain('tok');
    const warnings = host.logger.lines.filter((e) => e.level === 'warning').map((e) => e.message);
    expect(warnings).toEqual([
      'a secret of 3 characters was registered: too short to mask safely (every occurrence of those characters in the log is masked). Use secrets of at least 8 characters',
    ]);
    expect(warnings.join('\n')).not.toMatch(/\btok\b/);
    register('a-secret-long-enough');
    expect(host.logger.lines.filter((e) => e.level === 'warning')).toHaveLength(1);
  });

  it('masks the control-free form of a secret holding a control character (the log strips controls)', () => {
    const { host, register } = runtime();
    register('tok\u0007en-0123456789');
    expect(host.secrets).toEqual(expect.arrayContaining(['tok\u0007en-0123456789', 'token-0123456789']));
  });
});
