// Toxiproxy server (built from the Go module proxy) on a random loopback port.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Binaries } from './binaries.js';
import { freeLoopbackPort } from './ports.js';
import { isProcessAlive, killProcessGroup, spawnDaemon } from './processes.js';
import { waitUntil, type Logger } from './progress.js';
import type { ToxiproxyState } from './state.js';

export async function toxiproxyHealthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/version`, { signal: AbortSignal.timeout(2_000) });
    return res.ok;
  } catch {
    return false;
  }
}

export async function startToxiproxy(bins: Binaries, runDir: string, log: Logger): Promise<ToxiproxyState> {
  const dir = join(runDir, 'toxiproxy');
  mkdirSync(dir, { recursive: true });
  const port = await freeLoopbackPort();
  const url = `http://127.0.0.1:${port}`;
  const pid = spawnDaemon({
    command: bins.toxiproxyServer,
    args: ['-host', '127.0.0.1', '-port', String(port)],
    logFile: join(dir, 'toxiproxy.log'),
    cwd: dir,
  });
  log(`toxiproxy: starting on ${url} (pid ${pid})`);
  await waitUntil(
    'toxiproxy /version',
    async () => {
      if (!isProcessAlive(pid)) throw new Error(`toxiproxy-server exited; see ${join(dir, 'toxiproxy.log')}`);
      return toxiproxyHealthy(url);
    },
    { timeoutMs: 30_000, log },
  );
  return { pid, port, url };
}

export async function stopToxiproxy(state: ToxiproxyState | undefined): Promise<void> {
  if (!state) return;
  await killProcessGroup(state.pid, 'toxiproxy-server');
}
