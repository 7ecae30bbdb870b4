// NATS with JetStream: Debian's nats-server (never its system service) as our own process on loopback ports.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freeLoopbackPort } from '../ports.js';
import { isProcessAlive, killProcessGroup, spawnDaemon } from '../processes.js';
import { waitUntil, type Logger } from '../progress.js';

export interface NatsState {
  pid: number;
  /** Client URL, nats://127.0.0.1:<port>. */
  url: string;
  port: number;
  monitorPort: number;
  dataDir: string;
  version: string;
}

const NATS_SERVER = '/usr/sbin/nats-server';

export function natsServerBinary(): string {
  if (existsSync(NATS_SERVER)) return NATS_SERVER;
  throw new Error(`${NATS_SERVER} is missing: run .ci/testbed-deps.sh (installs Debian's nats-server)`);
}

export async function natsHealthy(state: NatsState): Promise<boolean> {
  if (!isProcessAlive(state.pid, 'nats-server')) return false;
  try {
    const res = await fetch(`http://127.0.0.1:${state.monitorPort}/healthz?js-enabled-only=true`, {
      signal: AbortSignal.timeout(2_000),
    });
    return res.ok;
  } catch {
    return false;
  }
}

/** Starts nats-server; `previous` reuses its ports and JetStream store (a restart after a broker-down fault). */
export async function startNats(runDir: string, log: Logger, previous?: NatsState): Promise<NatsState> {
  const bin = natsServerBinary();
  const dir = join(runDir, 'nats');
  const dataDir = previous?.dataDir ?? join(dir, 'jetstream');
  mkdirSync(dataDir, { recursive: true });
  const port = previous?.port ?? (await freeLoopbackPort());
  const monitorPort = previous?.monitorPort ?? (await freeLoopbackPort());
  const pid = spawnDaemon({
    command: bin,
    args: ['-a', '127.0.0.1', '-p', String(port), '-m', String(monitorPort), '-js', '-sd', dataDir, '-n', 'gauntlet'],
    logFile: join(dir, 'nats.log'),
    cwd: dir,
  });
  const state: NatsState = { pid, url: `nats://127.0.0.1:${port}`, port, monitorPort, dataDir, version: '' };
  log(`nats: starting on ${state.url} (pid ${pid})`);
  await waitUntil(
    'nats-server /healthz',
    async () => {
      if (!isProcessAlive(pid)) throw new Error(`nats-server exited; see ${join(dir, 'nats.log')}`);
      return natsHealthy(state);
    },
    { timeoutMs: 30_000, log },
  );
  const varz = (await (await fetch(`http://127.0.0.1:${monitorPort}/varz`)).json()) as { version?: string };
  state.version = varz.version ?? '';
  return state;
}

export async function stopNats(state: NatsState | undefined): Promise<void> {
  if (state) await killProcessGroup(state.pid, 'nats-server');
}
