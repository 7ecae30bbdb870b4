// Our own Prometheus process (from Debian's package; never the system service) on a random loopback
// port, with a config the tests control: 1 s scrapes, file_sd for test targets, remote-write receiver
// and admin API, and an out-of-order window so tests can write historical samples for long windows.
import { mkdirSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { Binaries } from './binaries.js';
import { freeLoopbackPort } from './ports.js';
import { isProcessAlive, killProcessGroup, spawnDaemon } from './processes.js';
import { waitUntil, type Logger } from './progress.js';
import type { PrometheusState } from './state.js';

export function prometheusConfigYaml(selfPort: number, targetsDir: string): string {
  // scrape_timeout must not exceed scrape_interval. The file_sd refresh is a fallback: Prometheus
  // watches the directory with inotify and normally picks a new file up immediately.
  return `global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
storage:
  tsdb:
    out_of_order_time_window: 30d
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ['127.0.0.1:${selfPort}']
  - job_name: testbed
    scrape_interval: 1s
    file_sd_configs:
      - files: ['${targetsDir}/*.json']
        refresh_interval: 1s
`;
}

export async function prometheusHealthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2_000) });
    return res.ok;
  } catch {
    return false;
  }
}

export async function startPrometheus(bins: Binaries, runDir: string, log: Logger): Promise<PrometheusState> {
  const dir = join(runDir, 'prometheus');
  rmSync(dir, { recursive: true, force: true }); // a fresh TSDB each start: tests must not see old samples
  const dataDir = join(dir, 'data');
  const targetsDir = join(dir, 'targets');
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(targetsDir, { recursive: true });
  const port = await freeLoopbackPort();
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, prometheusConfigYaml(port, targetsDir));
  const url = `http://127.0.0.1:${port}`;
  const pid = spawnDaemon({
    command: bins.prometheus,
    args: [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${dataDir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-remote-write-receiver',
      '--web.enable-admin-api',
      '--web.enable-lifecycle',
      '--storage.tsdb.retention.time=60d',
      '--log.level=warn',
    ],
    logFile: join(dir, 'prometheus.log'),
    cwd: dir,
  });
  log(`prometheus: starting on ${url} (pid ${pid})`);
  await waitUntil(
    'prometheus /-/ready',
    async () => {
      if (!isProcessAlive(pid)) throw new Error(`prometheus exited; see ${join(dir, 'prometheus.log')}`);
      return prometheusHealthy(url);
    },
    { timeoutMs: 60_000, log },
  );
  return { pid, port, url, dataDir, configFile, targetsDir };
}

export async function stopPrometheus(state: PrometheusState | undefined): Promise<void> {
  if (!state) return;
  await killProcessGroup(state.pid, 'prometheus');
}

/**
 * Adds (or replaces) a scrape target group under `name`. Prometheus scrapes it every second.
 * Labels may override `job`, `__metrics_path__` and `__scheme__`.
 */
export function writeScrapeTargets(
  targetsDir: string,
  name: string,
  targets: string[],
  labels: Record<string, string> = {},
): void {
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new Error(`invalid scrape target group name ${JSON.stringify(name)}`);
  for (const t of targets) {
    // Only loopback: the test bed must never make Prometheus connect anywhere else.
    if (!/^(127\.0\.0\.1|localhost|\[::1\]):\d+$/.test(t))
      throw new Error(`scrape target ${t} is not a loopback host:port`);
  }
  const file = join(targetsDir, `${name}.json`);
  // Write-then-rename so Prometheus never reads a half-written file.
  writeFileSync(`${file}.tmp`, JSON.stringify([{ targets, labels }]));
  renameSync(`${file}.tmp`, file);
}

export function removeScrapeTargets(targetsDir: string, name: string): void {
  rmSync(join(targetsDir, `${name}.json`), { force: true });
}
