// The test bed's message brokers, started lazily: only a test that calls ensureBrokers() pays for them, and
// several test files (and concurrent test runs) share one running broker of each kind.
import { runStateDir } from '../paths.js';
import { stderrLogger, type Logger } from '../progress.js';
import { readState, withStateLock, writeState, type TestbedState } from '../state.js';
import { kafkaHealthy, startKafka, stopKafka, type KafkaState } from './kafka.js';
import { natsHealthy, startNats, stopNats, type NatsState } from './nats.js';
import { rabbitmqHealthy, startRabbitmq, stopRabbitmq, type RabbitmqState } from './rabbitmq.js';

export type BrokerKind = 'nats' | 'rabbitmq' | 'kafka';
export type { KafkaState, NatsState, RabbitmqState };

export async function brokerHealthy(state: TestbedState, kind: BrokerKind): Promise<boolean> {
  switch (kind) {
    case 'nats':
      return !!state.nats && (await natsHealthy(state.nats));
    case 'rabbitmq':
      return !!state.rabbitmq && (await rabbitmqHealthy(state.rabbitmq));
    case 'kafka':
      return !!state.kafka && (await kafkaHealthy(state.kafka));
  }
}

/** Starts one broker into `state` (mutated); `reuse` keeps the recorded ports and data (a restart). */
export async function startBroker(
  state: TestbedState,
  kind: BrokerKind,
  runDir: string,
  log: Logger,
  reuse = false,
): Promise<void> {
  switch (kind) {
    case 'nats':
      state.nats = await startNats(runDir, log, reuse ? state.nats : undefined);
      return;
    case 'rabbitmq':
      state.rabbitmq = await startRabbitmq(runDir, log, reuse ? state.rabbitmq : undefined);
      return;
    case 'kafka':
      state.kafka = await startKafka(runDir, log, reuse ? state.kafka : undefined);
      return;
  }
}

/** Stops one broker; the recorded state stays (for a restart) unless `forget`. */
export async function stopBroker(state: TestbedState, kind: BrokerKind, forget = true): Promise<void> {
  switch (kind) {
    case 'nats':
      await stopNats(state.nats);
      break;
    case 'rabbitmq':
      await stopRabbitmq(state.rabbitmq);
      break;
    case 'kafka':
      await stopKafka(state.kafka);
      break;
  }
  if (forget) delete state[kind];
}

/** Connection facts of the running brokers, for tests and for the sample system's environment. */
export interface BrokerFacts {
  nats?: { url: string; monitorUrl: string; version: string };
  rabbitmq?: { url: string; managementUrl: string; version: string };
  kafka?: { bootstrap: string; chaosListener: { advertised: string; upstream: string }; version: string };
}

function facts(state: TestbedState): BrokerFacts {
  const f: BrokerFacts = {};
  if (state.nats)
    f.nats = {
      url: state.nats.url,
      monitorUrl: `http://127.0.0.1:${state.nats.monitorPort}`,
      version: state.nats.version,
    };
  if (state.rabbitmq)
    f.rabbitmq = {
      url: state.rabbitmq.url,
      managementUrl: state.rabbitmq.managementUrl,
      version: state.rabbitmq.version,
    };
  if (state.kafka)
    f.kafka = {
      bootstrap: state.kafka.bootstrap,
      chaosListener: state.kafka.chaosListener,
      version: state.kafka.version,
    };
  return f;
}

/** The pid that holds the test bed for this test run (set by the vitest global set-up), else this process. */
export function holderPid(): number {
  const fromSetup = Number(process.env.GAUNTLET_TESTBED_HOLDER);
  return Number.isInteger(fromSetup) && fromSetup > 0 ? fromSetup : process.pid;
}

/**
 * Brings the named brokers up (in parallel; already healthy ones are reused) and returns how to reach them.
 * Under vitest they are registered to the run's holder, so the global teardown stops them with the rest.
 */
export async function ensureBrokers(kinds: readonly BrokerKind[], log: Logger = stderrLogger): Promise<BrokerFacts> {
  const { up } = await import('../testbed.js');
  const { state } = await up({ components: kinds, log, holder: holderPid() });
  return facts(state);
}

/**
 * Stops and restarts a running broker with the same ports and data: the "broker down" fault of the events
 * tests. A restarted broker keeps its JetStream store, mnesia or Kafka log, so acknowledged messages survive.
 */
export function brokerProcessControl(kind: BrokerKind, log: Logger = stderrLogger) {
  return {
    kind,
    async stop(): Promise<void> {
      await withStateLock(async () => {
        const state = readState();
        await stopBroker(state, kind, false);
        writeState(state);
      });
      log(`${kind}: stopped (fault)`);
    },
    async start(): Promise<void> {
      await withStateLock(async () => {
        const state = readState();
        if (await brokerHealthy(state, kind)) return;
        await startBroker(state, kind, runStateDir(), log, true);
        writeState(state);
      });
      log(`${kind}: restarted`);
    },
    async running(): Promise<boolean> {
      return brokerHealthy(readState(), kind);
    },
  };
}
export type BrokerProcessControl = ReturnType<typeof brokerProcessControl>;
