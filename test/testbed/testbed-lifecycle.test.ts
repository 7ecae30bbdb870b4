// up/down are idempotent and survive a crash. Uses its own state directory and only the cheap
// components, so it never disturbs the shared test bed the other files use.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { down, release, status, up } from '@gauntlet/testbed';

const quiet = (): void => {};

describe('test bed lifecycle', () => {
  const previous = process.env.GAUNTLET_TESTBED_STATE_DIR;
  const dir = mkdtempSync(join(tmpdir(), 'gauntlet-testbed-lifecycle-'));

  beforeAll(() => {
    process.env.GAUNTLET_TESTBED_STATE_DIR = dir;
  });
  afterAll(async () => {
    await down({ components: ['prometheus', 'toxiproxy'], log: quiet });
    if (previous === undefined) delete process.env.GAUNTLET_TESTBED_STATE_DIR;
    else process.env.GAUNTLET_TESTBED_STATE_DIR = previous;
    rmSync(dir, { recursive: true, force: true });
  });

  it('up twice returns the running components; a crashed one is restarted; down cleans up', async () => {
    const components = ['prometheus', 'toxiproxy'] as const;
    const first = await up({ components, log: quiet });
    expect(first.started).toEqual(['prometheus', 'toxiproxy']);

    const second = await up({ components, log: quiet });
    expect(second.started).toEqual([]);
    expect(second.state.toxiproxy?.url).toBe(first.state.toxiproxy?.url);

    // Crash: the toxiproxy process dies hard and a dead process left the state lock behind.
    process.kill(first.state.toxiproxy!.pid, 'SIGKILL');
    writeFileSync(join(dir, 'lock'), '2147483646');
    const third = await up({ components, log: quiet });
    expect(third.started).toEqual(['toxiproxy']);
    expect(third.state.toxiproxy?.pid).not.toBe(first.state.toxiproxy?.pid);
    expect(third.state.prometheus?.pid).toBe(first.state.prometheus?.pid);
    expect((await status()).healthy).toMatchObject({ prometheus: true, toxiproxy: true });

    await down({ components, log: quiet });
    await down({ components, log: quiet }); // down twice is fine too
    const after = await status();
    expect(after.healthy).toMatchObject({ prometheus: false, toxiproxy: false });
    await expect(fetch(`${third.state.toxiproxy!.url}/version`)).rejects.toThrow();
    await expect(fetch(`${third.state.prometheus!.url}/-/ready`)).rejects.toThrow();
  });

  it('shares the test bed between concurrent test runs; the last one stops only what test runs started', async () => {
    // "Another vitest run": any live process whose pid holds the test bed.
    const other = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      const byCli = await up({ components: ['prometheus'], log: quiet }); // like `pnpm env:up`
      expect(byCli.started).toEqual(['prometheus']);
      const a = await up({ components: ['prometheus', 'toxiproxy'], holder: process.pid, log: quiet });
      expect(a.started).toEqual(['toxiproxy']);
      await up({ components: ['prometheus', 'toxiproxy'], holder: other.pid!, log: quiet });

      expect(await release(process.pid, { log: quiet })).toEqual([]); // the other run still uses it
      expect((await status()).healthy).toMatchObject({ prometheus: true, toxiproxy: true });

      other.kill('SIGKILL'); // the other run crashes without releasing
      await new Promise((r) => other.once('exit', r));
      expect(await release(process.pid, { log: quiet })).toEqual(['toxiproxy']);
      // Prometheus was started by the "CLI" and stays up.
      expect((await status()).healthy).toMatchObject({ prometheus: true, toxiproxy: false });
    } finally {
      other.kill('SIGKILL');
      await down({ log: quiet });
    }
  });
});
