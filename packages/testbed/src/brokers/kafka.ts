// Kafka 4 in KRaft mode (one combined broker+controller) from Maven Central's jars on the machine's Java.
// Two client listeners: PLAINTEXT for the harness (probes, relays) and CHAOS, whose *advertised* address is a
// port the broker does not listen on: a Toxiproxy proxy created on that port (chaosListener.advertised →
// chaosListener.upstream) puts a partition between the service and the broker without rewriting any metadata.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { packageDir, testbedCacheDir } from '../paths.js';
import { freeLoopbackPort } from '../ports.js';
import { isProcessAlive, killProcessGroup, runChecked, spawnDaemon } from '../processes.js';
import { waitUntil, type Logger } from '../progress.js';

export const KAFKA_VERSION = process.env.KAFKA_VERSION ?? '4.1.1';

export interface KafkaState {
  pid: number;
  /** host:port of the PLAINTEXT listener. */
  bootstrap: string;
  port: number;
  controllerPort: number;
  chaosListener: { advertised: string; upstream: string };
  dataDir: string;
  dir: string;
  version: string;
}

function kafkaHome(): string {
  return join(testbedCacheDir(), `kafka-${KAFKA_VERSION}`);
}

async function ensureKafkaJars(log: Logger): Promise<string> {
  const home = kafkaHome();
  if (existsSync(join(home, '.complete'))) return home;
  log(`kafka ${KAFKA_VERSION}: jars missing; running scripts/fetch-kafka.sh`);
  await new Promise<void>((resolve, reject) => {
    const child = spawn('bash', [join(packageDir, 'scripts', 'fetch-kafka.sh')], {
      stdio: ['ignore', 2, 2],
      env: { ...process.env, KAFKA_VERSION },
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`fetch-kafka.sh exited with ${code}`))));
  });
  return home;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port });
    s.setTimeout(1_000);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
  });
}

export async function kafkaHealthy(state: KafkaState): Promise<boolean> {
  return isProcessAlive(state.pid, 'java') && (await portOpen(state.port));
}

export async function startKafka(runDir: string, log: Logger, previous?: KafkaState): Promise<KafkaState> {
  const home = await ensureKafkaJars(log);
  const dir = previous?.dir ?? join(runDir, 'kafka');
  const dataDir = previous?.dataDir ?? join(dir, 'data');
  mkdirSync(dir, { recursive: true });
  const port = previous?.port ?? (await freeLoopbackPort());
  const controllerPort = previous?.controllerPort ?? (await freeLoopbackPort());
  const chaosUpstream = previous ? Number(previous.chaosListener.upstream.split(':')[1]) : await freeLoopbackPort();
  const chaosAdvertised = previous ? Number(previous.chaosListener.advertised.split(':')[1]) : await freeLoopbackPort();
  const props = join(dir, 'server.properties');
  writeFileSync(
    props,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CHAOS://127.0.0.1:${chaosUpstream},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port},CHAOS://127.0.0.1:${chaosAdvertised}`,
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CHAOS:PLAINTEXT,CONTROLLER:PLAINTEXT',
      'controller.listener.names=CONTROLLER',
      'inter.broker.listener.name=PLAINTEXT',
      `log.dirs=${dataDir}`,
      'num.partitions=1',
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=4',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'share.coordinator.state.topic.replication.factor=1',
      'share.coordinator.state.topic.min.isr=1',
      // A probe's consumer group must not wait the default 3 s for other members before its first assignment.
      'group.initial.rebalance.delay.ms=0',
      'auto.create.topics.enable=true',
      '',
    ].join('\n'),
  );
  const cp = `${join(home, 'libs')}/*`;
  const java = ['-Xms128m', '-Xmx768m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Djava.awt.headless=true'];
  const log4j = `-Dlog4j2.configurationFile=${join(home, 'log4j2.properties')}`;
  if (!existsSync(join(dataDir, 'meta.properties'))) {
    const id = (await runChecked('java', ['-cp', cp, 'kafka.tools.StorageTool', 'random-uuid']))
      .trim()
      .split('\n')
      .pop();
    await runChecked('java', [log4j, '-cp', cp, 'kafka.tools.StorageTool', 'format', '-t', id ?? '', '-c', props]);
  }
  const pid = spawnDaemon({
    command: 'java',
    args: [...java, log4j, '-cp', cp, 'kafka.Kafka', props],
    logFile: join(dir, 'kafka.log'),
    cwd: dir,
  });
  const state: KafkaState = {
    pid,
    bootstrap: `127.0.0.1:${port}`,
    port,
    controllerPort,
    chaosListener: { advertised: `127.0.0.1:${chaosAdvertised}`, upstream: `127.0.0.1:${chaosUpstream}` },
    dataDir,
    dir,
    version: KAFKA_VERSION,
  };
  log(`kafka: starting ${KAFKA_VERSION} (KRaft) on ${state.bootstrap} (pid ${pid})`);
  await waitUntil(
    'kafka listener',
    async () => {
      if (!isProcessAlive(pid)) throw new Error(`kafka exited; see ${join(dir, 'kafka.log')}`);
      return kafkaHealthy(state);
    },
    { timeoutMs: 120_000, intervalMs: 250, log },
  );
  return state;
}

export async function stopKafka(state: KafkaState | undefined): Promise<void> {
  if (state) await killProcessGroup(state.pid, 'java', 15_000);
}
