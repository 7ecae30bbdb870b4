import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A Prometheus of our own (Debian's binary, never the system service) on a free loopback port: 1 s scrapes from a
 * file_sd directory, the remote-write receiver, a 30-day out-of-order window so tests can write history, and
 * optional promtool backfill of an OpenMetrics file before start (for the bench's million samples). Test and
 * bench support only: the library never spawns processes.
 */
export interface LocalPrometheus {
  readonly url: string;
  readonly targetsDir: string;
  readonly dataDir: string;
  readonly pid: number;
  addScrapeTarget(name: string, targets: string[], labels?: Record<string, string>): void;
  removeScrapeTarget(name: string): void;
  stop(): Promise<void>;
}

export interface LocalPrometheusOptions {
  /** OpenMetrics file to backfill with `promtool tsdb create-blocks-from openmetrics` before starting. */
  readonly backfill?: string;
  readonly prometheusBin?: string;
  readonly promtoolBin?: string;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startLocalPrometheus(options: LocalPrometheusOptions = {}): Promise<LocalPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'gauntlet-slo-prom-'));
  const dataDir = join(dir, 'data');
  const targetsDir = join(dir, 'targets');
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(targetsDir, { recursive: true });
  if (options.backfill) {
    const result = spawnSync(
      options.promtoolBin ?? 'promtool',
      ['tsdb', 'create-blocks-from', 'openmetrics', options.backfill, dataDir],
      { encoding: 'utf8' },
    );
    if (result.status !== 0) throw new Error(`promtool backfill failed: ${result.stderr || result.stdout}`);
  }
  const port = await freePort();
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nstorage:\n  tsdb:\n    out_of_order_time_window: 30d\nscrape_configs:\n  - job_name: slo-tests\n    file_sd_configs:\n      - files: ['${targetsDir}/*.json']\n        refresh_interval: 1s\n`,
  );
  const log = openSync(join(dir, 'prometheus.log'), 'a');
  const child = spawn(
    options.prometheusBin ?? 'prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${dataDir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-remote-write-receiver',
      '--storage.tsdb.retention.time=60d',
      '--log.level=warn',
    ],
    { cwd: dir, stdio: ['ignore', log, log], detached: true },
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error('prometheus did not start');
  child.unref();
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break;
    } catch {
      // not up yet
    }
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}; see ${dir}/prometheus.log`);
    if (Date.now() > deadline) throw new Error(`prometheus not ready after 60 s; see ${dir}/prometheus.log`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    targetsDir,
    dataDir,
    pid,
    addScrapeTarget(name, targets, labels = {}) {
      for (const t of targets) if (!/^127\.0\.0\.1:\d+$/.test(t)) throw new Error(`scrape target ${t} is not loopback`);
      const file = join(targetsDir, `${name}.json`);
      writeFileSync(`${file}.tmp`, JSON.stringify([{ targets, labels }]));
      renameSync(`${file}.tmp`, file);
    },
    removeScrapeTarget(name) {
      rmSync(join(targetsDir, `${name}.json`), { force: true });
    },
    async stop() {
      // Only the process we started, by its id.
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        return;
      }
      const until = Date.now() + 15_000;
      while (Date.now() < until) {
        try {
          process.kill(pid, 0);
        } catch {
          break;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
