// A pod's process lives exactly as long as its owner wants: stop() frees its port, and a SIGKILLed owner
// (a test worker killed by a timeout) takes it along, so no test leaves servers behind.
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freeLoopbackPort } from '../ports.js';
import { sleep } from '../progress.js';
import { PodProcess, repoRoot, sampleMain } from './pod-process.js';

const accepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

async function closedWithin(port: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!(await accepts(port))) return true;
    await sleep(100);
  }
  return false;
}

describe('PodProcess', () => {
  it('serves on its port until stop(), then the port is closed', async () => {
    const port = await freeLoopbackPort();
    const pod = await PodProcess.start({
      argv: [process.execPath, '--import', 'tsx', sampleMain],
      env: { PATH: process.env.PATH ?? '', PORT: String(port), POD_NAME: 'p', POD_NAMESPACE: 'n' },
      port,
      logFile: join(tmpdir(), `gauntlet-pod-process-${port}.log`),
    });
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toContain('demo_http_requests_total{code="200"} 0');
    await pod.stop();
    expect(pod.alive).toBe(false);
    expect(await closedWithin(port, 5_000)).toBe(true);
  });

  it('a command that exits at once is an error naming its log, not a hang', async () => {
    const port = await freeLoopbackPort();
    await expect(
      PodProcess.start({
        argv: [process.execPath, '-e', 'process.exit(3)'],
        env: { PATH: process.env.PATH ?? '' },
        port,
        logFile: join(tmpdir(), `gauntlet-pod-process-${port}.log`),
      }),
    ).rejects.toThrow(/exited before its port .* accepted .*gauntlet-pod-process-/);
  });

  it('dies with its owner even when the owner is SIGKILLed', async () => {
    const port = await freeLoopbackPort();
    const fixture = fileURLToPath(new URL('./pod-process.fixture.ts', import.meta.url));
    const owner = spawn(process.execPath, ['--import', 'tsx', fixture, String(port)], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      owner.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ready')) resolve();
      });
      owner.once('exit', (code) => reject(new Error(`fixture exited ${code}`)));
    });
    expect(await accepts(port)).toBe(true);
    owner.kill('SIGKILL');
    expect(await closedWithin(port, 10_000)).toBe(true);
  });
});
