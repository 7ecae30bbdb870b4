// The run state file: what `up` started, so `status` and `down` (maybe in another process, maybe after
// a crash) can find it again. Written atomically so a crash mid-write never leaves half a file.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, openSync, closeSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive } from './processes.js';
import { sleep } from './progress.js';
import { runStateDir } from './paths.js';
import type { KafkaState } from './brokers/kafka.js';
import type { NatsState } from './brokers/nats.js';
import type { RabbitmqState } from './brokers/rabbitmq.js';
import type { ChaosMeshState } from './chaos-mesh.js';

export interface ClusterState {
  name: string;
  kubeconfig: string;
  /** KWOK_WORKDIR used for kwokctl (keeps ~/.kwok untouched). */
  kwokWorkdir: string;
  apiServerUrl: string;
}

export interface PrometheusState {
  pid: number;
  port: number;
  url: string;
  dataDir: string;
  configFile: string;
  /** file_sd directory: drop a JSON target list here and Prometheus scrapes it within ~1 s. */
  targetsDir: string;
}

export interface ToxiproxyState {
  pid: number;
  port: number;
  url: string;
}

export interface TestbedState {
  cluster?: ClusterState;
  prometheus?: PrometheusState;
  toxiproxy?: ToxiproxyState;
  /** Message brokers: started only for the tests that ask for them (ensureBrokers), never by default. */
  nats?: NatsState;
  rabbitmq?: RabbitmqState;
  kafka?: KafkaState;
  /** Chaos Mesh's controller-manager: started only for the tests that ask for it (ensureChaosMesh). */
  chaosMesh?: ChaosMeshState;
  /**
   * Pids of test runs (vitest global set-ups) currently using the test bed. Several runs on one machine
   * share it; the last one to leave stops what set-ups started (`autoStop`).
   */
  holders?: number[];
  /** Components started by a test run rather than by `env:up`: stopped when the last holder leaves. */
  autoStop?: ('cluster' | 'prometheus' | 'toxiproxy' | 'nats' | 'rabbitmq' | 'kafka' | 'chaos-mesh')[];
}

export function stateFile(): string {
  return join(runStateDir(), 'state.json');
}

export function readState(): TestbedState {
  try {
    return JSON.parse(readFileSync(stateFile(), 'utf8')) as TestbedState;
  } catch {
    return {};
  }
}

export function writeState(state: TestbedState): void {
  mkdirSync(runStateDir(), { recursive: true });
  const tmp = `${stateFile()}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2));
  renameSync(tmp, stateFile());
}

/**
 * Serialises up/down across processes (two vitest runs, or `env:up` while tests start). The lock file
 * holds the owner's pid; a lock whose owner is dead is stale (crashed run) and is taken over. Waiters wait
 * up to an hour because the owner may be doing a cold build (about 11 min on 2 quiet cores, longer when busy).
 */
export async function withStateLock<T>(work: () => Promise<T>, timeoutMs = 60 * 60_000): Promise<T> {
  mkdirSync(runStateDir(), { recursive: true });
  const lock = join(runStateDir(), 'lock');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = openSync(lock, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let owner = 0;
      try {
        owner = Number(readFileSync(lock, 'utf8').trim());
      } catch {
        /* the owner just released it */
      }
      if (owner && owner !== process.pid && !isProcessAlive(owner)) {
        rmSync(lock, { force: true });
        continue;
      }
      if (owner === process.pid) throw new Error('testbed state lock is already held by this process', { cause: e });
      if (Date.now() > deadline)
        throw new Error(`testbed state lock ${lock} held by pid ${owner} for too long`, { cause: e });
      await sleep(200);
    }
  }
  try {
    return await work();
  } finally {
    if (existsSync(lock)) rmSync(lock, { force: true });
  }
}
