// Locates the cached binaries, building them first when the cache is cold.
import { existsSync, readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { buildScript, testbedCacheDir } from './paths.js';
import type { Logger } from './progress.js';

export interface Binaries {
  k8sVersion: string;
  /** Directory holding kube-apiserver, kube-controller-manager, kube-scheduler and kubectl. */
  kubeBinDir: string;
  etcd: string;
  kwok: string;
  kwokctl: string;
  /** Stock kwok stage definitions copied from the kwok module (kustomize/stage). */
  kwokStageDir: string;
  toxiproxyServer: string;
  prometheus: string;
  promtool: string;
  /** nektos/act, the workflow runner of the act harness (testing/act). */
  act: string;
}

function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m?.[1]) out[m[1]] = m[2] ?? '';
  }
  return out;
}

/** Reads manifest.env; returns undefined if it is missing or names a binary that no longer exists. */
export function readBinaries(): Binaries | undefined {
  const manifest = join(testbedCacheDir(), 'manifest.env');
  if (!existsSync(manifest)) return undefined;
  const m = parseEnvFile(readFileSync(manifest, 'utf8'));
  if (!m.K8S_BIN || !m.ETCD_BIN || !m.KWOK_BIN || !m.TOXIPROXY_BIN || !m.PROMETHEUS || !m.PROMTOOL || !m.ACT_BIN)
    return undefined;
  const b: Binaries = {
    k8sVersion: m.K8S_VERSION ?? '',
    kubeBinDir: m.K8S_BIN,
    etcd: join(m.ETCD_BIN, 'etcd'),
    kwok: join(m.KWOK_BIN, 'kwok'),
    kwokctl: join(m.KWOK_BIN, 'kwokctl'),
    kwokStageDir: join(m.KWOK_BIN, 'stage'),
    toxiproxyServer: join(m.TOXIPROXY_BIN, 'toxiproxy-server'),
    prometheus: m.PROMETHEUS,
    promtool: m.PROMTOOL,
    act: join(m.ACT_BIN, 'act'),
  };
  const required = [
    join(b.kubeBinDir, 'kube-apiserver'),
    join(b.kubeBinDir, 'kube-controller-manager'),
    join(b.kubeBinDir, 'kube-scheduler'),
    join(b.kubeBinDir, 'kubectl'),
    b.etcd,
    b.kwok,
    b.kwokctl,
    b.kwokStageDir,
    b.toxiproxyServer,
    b.prometheus,
    b.promtool,
    b.act,
  ];
  return required.every((p) => existsSync(p)) ? b : undefined;
}

/** Returns the cached binaries, running build-binaries.sh (minutes when cold) only if something is missing. */
export async function ensureBinaries(log: Logger): Promise<Binaries> {
  const ready = readBinaries();
  if (ready) return ready;
  log(`binaries missing from ${testbedCacheDir()}; running ${buildScript} (a cold build takes several minutes)`);
  await new Promise<void>((resolve, reject) => {
    // The script prints its own progress every 10 s; pass it through on stderr.
    const child = spawn('bash', [buildScript], { stdio: ['ignore', 2, 2] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${buildScript} exited with ${code}`))));
  });
  const built = readBinaries();
  if (!built) throw new Error(`${buildScript} finished but ${testbedCacheDir()}/manifest.env is incomplete`);
  return built;
}
