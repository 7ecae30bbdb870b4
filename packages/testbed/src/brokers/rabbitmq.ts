// RabbitMQ: Debian's rabbitmq-server (never its system service, never the `su rabbitmq` wrapper) as our own
// Erlang node on loopback. Everything that would listen on all interfaces is pinned to 127.0.0.1: AMQP, the
// management API, the Erlang distribution port and our own epmd (on a port of its own, so a system epmd on 4369,
// if any, is never used or stopped).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freeLoopbackPort } from '../ports.js';
import { isProcessAlive, killProcessGroup, runCommand, spawnDaemon } from '../processes.js';
import { waitUntil, type Logger } from '../progress.js';

export interface RabbitmqState {
  pid: number;
  epmdPid: number;
  /** amqp://guest:guest@127.0.0.1:<port> — the test bed's throw-away default user. */
  url: string;
  port: number;
  managementUrl: string;
  managementPort: number;
  epmdPort: number;
  distPort: number;
  dir: string;
  version: string;
}

const SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';
const CTL = '/usr/lib/rabbitmq/bin/rabbitmqctl';

/** The environment every rabbitmq-server / rabbitmqctl call needs to find our node (and only ours). */
export function rabbitmqEnv(s: Pick<RabbitmqState, 'dir' | 'port' | 'epmdPort' | 'distPort'>): NodeJS.ProcessEnv {
  return {
    ...process.env,
    HOME: s.dir, // the Erlang cookie lives here
    RABBITMQ_NODENAME: 'gauntlet@localhost',
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(s.port),
    RABBITMQ_DIST_PORT: String(s.distPort),
    RABBITMQ_MNESIA_BASE: join(s.dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(s.dir, 'log'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(s.dir, 'enabled_plugins'),
    RABBITMQ_CONFIG_FILE: join(s.dir, 'rabbitmq.conf'),
    RABBITMQ_ADVANCED_CONFIG_FILE: join(s.dir, 'advanced.config'),
    RABBITMQ_CONF_ENV_FILE: join(s.dir, 'rabbitmq-env.conf'),
    RABBITMQ_PID_FILE: join(s.dir, 'rabbitmq.pid'),
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
    ERL_EPMD_ADDRESS: '127.0.0.1',
    ERL_EPMD_PORT: String(s.epmdPort),
  };
}

export async function rabbitmqHealthy(state: RabbitmqState): Promise<boolean> {
  if (!isProcessAlive(state.pid) || !isProcessAlive(state.epmdPid, 'epmd')) return false;
  try {
    const res = await fetch(`${state.managementUrl}/api/health/checks/alarms`, {
      headers: { authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}` },
      signal: AbortSignal.timeout(2_000),
    });
    return res.ok;
  } catch {
    return false;
  }
}

export async function startRabbitmq(runDir: string, log: Logger, previous?: RabbitmqState): Promise<RabbitmqState> {
  const dir = previous?.dir ?? join(runDir, 'rabbitmq');
  mkdirSync(join(dir, 'log'), { recursive: true });
  const port = previous?.port ?? (await freeLoopbackPort());
  const managementPort = previous?.managementPort ?? (await freeLoopbackPort());
  const epmdPort = previous?.epmdPort ?? (await freeLoopbackPort());
  const distPort = previous?.distPort ?? (await freeLoopbackPort());
  writeFileSync(join(dir, 'enabled_plugins'), '[rabbitmq_management].\n');
  writeFileSync(
    join(dir, 'rabbitmq.conf'),
    [
      `listeners.tcp.default = 127.0.0.1:${port}`,
      'management.tcp.ip = 127.0.0.1',
      `management.tcp.port = ${managementPort}`,
      // Stats every second instead of 5: DLQ depth and lag read through the management API stay fresh.
      'collect_statistics_interval = 1000',
      'log.console = true',
      'log.console.level = warning',
      'log.file = false',
      '',
    ].join('\n'),
  );
  const env = rabbitmqEnv({ dir, port, epmdPort, distPort });
  const epmdPid = spawnDaemon({
    command: 'epmd',
    args: ['-address', '127.0.0.1', '-port', String(epmdPort)],
    logFile: join(dir, 'epmd.log'),
    cwd: dir,
    env,
  });
  const pid = spawnDaemon({ command: SERVER, args: [], logFile: join(dir, 'rabbitmq.log'), cwd: dir, env });
  const state: RabbitmqState = {
    pid,
    epmdPid,
    url: `amqp://guest:guest@127.0.0.1:${port}`,
    port,
    managementUrl: `http://127.0.0.1:${managementPort}`,
    managementPort,
    epmdPort,
    distPort,
    dir,
    version: '',
  };
  log(`rabbitmq: starting on 127.0.0.1:${port}, management ${state.managementUrl} (pid ${pid})`);
  await waitUntil(
    'rabbitmq management API',
    async () => {
      if (!isProcessAlive(pid)) throw new Error(`rabbitmq-server exited; see ${join(dir, 'rabbitmq.log')}`);
      return rabbitmqHealthy(state);
    },
    { timeoutMs: 120_000, intervalMs: 500, log },
  );
  const r = await runCommand(CTL, ['version'], { env, timeoutMs: 30_000 });
  state.version = r.code === 0 ? r.stdout.trim() : '';
  return state;
}

export async function stopRabbitmq(state: RabbitmqState | undefined): Promise<void> {
  if (!state) return;
  await killProcessGroup(state.pid, undefined, 10_000);
  await killProcessGroup(state.epmdPid, 'epmd');
}
