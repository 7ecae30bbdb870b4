/**
 * chaos-gate's events plug-in: `event:` probes and `type: event` faults on the brokers of the `brokers` input,
 * through @gauntlet/events. Every definition is read, and every broker it names reached, before the first write.
 * Faults live in this process (a relay, or the probes' own publishes made chaotic), so the fault life cycle's
 * in-process hooks revert them; the post step has nothing to undo after a kill, as they die with the process.
 * A relay's route is open for the whole run, carrying messages unchanged outside its faults' windows: the producer
 * writes one channel and the service reads another, so without it the system would not be steady before the first
 * fault and would lose what is written after the last.
 */
import { UserError, errorMessage, neutralize } from '@gauntlet/action-kit';
import {
  newEntry,
  type ExperimentSpec,
  type FaultBackend,
  type FaultSpec,
  type Observation,
  type ProbeRunner,
  type ProbeSpec,
} from '@gauntlet/chaos';
import {
  ChaoticClient,
  DataChaosRelay,
  RelayRoute,
  connectBroker,
  describeCounts,
  readEventFault,
  readEventProbe,
  runAcknowledgedDelivery,
  runCount,
  runExpect,
  runSequence,
  watchDeadLetters,
  type BrokerConnection,
  type DataFault,
  type DeadLetterWatcher,
  type EventFaultDefinition,
  type EventProbeDefinition,
  type ProbeContext,
  type ProbeVerdict,
} from '@gauntlet/events';

type EventProbe = Extract<ProbeSpec, { kind: 'event' }>;
type EventFault = Extract<FaultSpec, { type: 'event' }>;

/** Journal entries of a data fault copied into the experiment's journal (the totals are always exact). */
const JOURNAL_LINES = 20;

export interface EventsPlugin {
  /** The runner of `event:` probes, for createGuard. */
  readonly runner: ProbeRunner;
  /** The backend of `type: event` faults. */
  readonly backend: FaultBackend;
  /**
   * `backend` (of any fault type) telling the plug-in while one of its faults is injected, so that lag probes with
   * `afterFaults` are reported rather than judged then.
   */
  watch<F extends FaultSpec>(backend: FaultBackend<F>): FaultBackend<F>;
  /** Stops watchers and faults still running, then closes every broker connection. */
  close(): Promise<void>;
}

export interface EventsOptions {
  readonly runId: string;
  readonly log: (line: string) => void;
  readonly now: () => number;
}

export function usesEvents(experiments: readonly ExperimentSpec[]): boolean {
  return experiments.some(
    (e) =>
      [...e.steadyState.probes, ...e.haltProbes].some((p) => p.kind === 'event') ||
      e.steps.some((s) => s.faults.some((f) => f.type === 'event')),
  );
}

/** A verdict as a guard observation: pass is steady, fail is breached (naming the property), error is unknown. */
export function observationOf(verdict: ProbeVerdict): Observation {
  const what = `probe ${verdict.probe} (${verdict.type})`;
  const reason = neutralize(verdict.reason).slice(0, 400);
  const detail = verdict.details?.length
    ? ` [${neutralize(verdict.details.slice(0, 3).join(', ')).slice(0, 200)}]`
    : '';
  if (verdict.status === 'pass') return { state: 'steady', reason: `${what}: ${reason}` };
  if (verdict.status === 'fail')
    return { state: 'breached', reason: `${what}: ${verdict.property ?? 'failed'}: ${reason}${detail}` };
  return { state: 'unknown', reason: `${what} could not run: ${reason}` };
}

/**
 * Reads every event definition of the experiments against the named brokers, then connects to each broker they
 * use and pings it. Throws (a UserError naming the file and field, or the broker) before anything is published.
 */
export async function prepareEvents(
  experiments: readonly ExperimentSpec[],
  brokers: ReadonlyMap<string, BrokerConnection>,
  options: EventsOptions,
): Promise<EventsPlugin> {
  const names = [...brokers.keys()];
  const probes = new Map<EventProbe, EventProbeDefinition>();
  const faults = new Map<string, EventFaultDefinition>();
  for (const experiment of experiments) {
    for (const probe of [...experiment.steadyState.probes, ...experiment.haltProbes])
      if (probe.kind === 'event') probes.set(probe, readEventProbe(probe.event, probe.name, names));
    for (const [s, step] of experiment.steps.entries()) {
      // The faults of a step run at once, and a route hands each message to one fault: refused here, not at inject.
      const routeUsers = new Map<string, string>();
      for (const fault of step.faults) {
        if (fault.type !== 'event') continue;
        const def = readEventFault(fault.event, `${experiment.name}/${fault.id}`, names);
        faults.set(faultKey(experiment.name, fault.id), def);
        if (def.kind !== 'relay') continue;
        const first = routeUsers.get(routeKey(def));
        if (first !== undefined)
          throw new UserError(
            `${experiment.origin}: experiment ${experiment.name}, step ${s + 1}: faults ${first} and ${fault.id} both ` +
              `relay ${def.spec.from.channel} → ${def.spec.to.channel} on broker ${def.broker}; a route hands each ` +
              'message to one fault at a time, so put them in separate steps or their faults in one relay',
          );
        routeUsers.set(routeKey(def), fault.id);
      }
    }
  }
  const used = new Set([...probes.values(), ...faults.values()].map((d) => d.broker));
  const clients = new Map<string, ChaoticClient>();
  const closeClients = async (): Promise<void> => {
    await Promise.all([...clients.values()].map((c) => c.close().catch(() => undefined)));
  };
  try {
    for (const name of used) {
      const connection = brokers.get(name)!;
      let client;
      try {
        client = await connectBroker(connection, options.now);
        await client.ping();
      } catch (error) {
        await client?.close().catch(() => undefined);
        throw new UserError(`broker ${name}: ${errorMessage(error)}`);
      }
      clients.set(name, new ChaoticClient(client));
      options.log(`broker ${name}: ${client.kind} at ${client.target} reached`);
    }
  } catch (error) {
    await closeClients();
    throw error;
  }

  // One route per broker and route, however many relay faults use it (one tap: each message carried once).
  const routes = new Map<string, RelayRoute>();
  const closeRoutes = async (): Promise<void> => {
    for (const r of routes.values()) await r.close().catch(() => undefined);
  };
  try {
    for (const def of faults.values()) {
      if (def.kind !== 'relay') continue;
      const key = routeKey(def);
      if (routes.has(key)) continue;
      const route = new RelayRoute(clients.get(def.broker)!.inner, { from: def.spec.from, to: def.spec.to });
      routes.set(key, route);
      await route.open();
      options.log(`relay ${route.describe()} on broker ${def.broker}: open, passing messages unchanged between faults`);
    }
  } catch (error) {
    await closeRoutes();
    await closeClients();
    throw new UserError(`relay route: ${errorMessage(error)}`);
  }

  const observations = new Map<EventProbe, number>();
  const watchers = new Map<EventProbe, Promise<DeadLetterWatcher>>();
  const context = (broker: string, probe: EventProbe, signal?: AbortSignal): ProbeContext => {
    const n = (observations.get(probe) ?? 0) + 1;
    observations.set(probe, n);
    // Each observation publishes fresh correlation ids: the system's idempotency must not hide a second round.
    return {
      client: clients.get(broker)!,
      runId: `${options.runId}-o${n}`,
      now: options.now,
      ...(signal ? { signal } : {}),
    };
  };

  // Faults injected and not yet reverted, of every backend that watch() wrapped.
  const injected = new Set<string>();
  const watch = <F extends FaultSpec>(inner: FaultBackend<F>): FaultBackend<F> => ({
    ...inner,
    async inject(fault, entry, ctx) {
      injected.add(faultKey(ctx.experiment, fault.id));
      await inner.inject(fault, entry, ctx);
    },
    // Every fault passes through this hook (the run calls it before the ledger's revert), with or without its own.
    async revert(fault, entry, ctx) {
      try {
        return (await inner.revert?.(fault, entry, ctx)) ?? [];
      } finally {
        injected.delete(faultKey(ctx.experiment, fault.id));
      }
    },
  });

  const runner: ProbeRunner = async (spec, signal) => {
    const probe = spec as EventProbe;
    const def = probes.get(probe);
    if (!def) throw new Error(`probe ${spec.name}: not an event probe read before the run`);
    const ctx = context(def.broker, probe, signal);
    switch (def.kind) {
      case 'expect':
      case 'expect-none':
        return observationOf(await runExpect(ctx, def.spec));
      case 'count':
        return observationOf(await runCount(ctx, def.spec));
      case 'sequence':
        return observationOf(await runSequence(ctx, def.spec));
      case 'acknowledged':
        return observationOf(await runAcknowledgedDelivery(ctx, def.spec));
      case 'dead-letters': {
        // A tap opened at the first observation; each observation judges the arrivals since the one before.
        let watcher = watchers.get(probe);
        if (!watcher) {
          watcher = watchDeadLetters(ctx, def.spec);
          watchers.set(probe, watcher);
          watcher.catch(() => watchers.delete(probe));
        }
        return observationOf((await watcher).checkpoint());
      }
      case 'lag': {
        // The lag now (not the peak since the start), so the guard sees it recover after the faults.
        const reading = await ctx.client.lag(def.spec.consumer);
        const { maxMessages, maxTimeMs } = def.spec;
        const what = `probe ${spec.name} (lag)`;
        if (def.spec.afterFaults && injected.size > 0)
          return {
            state: 'steady',
            reason: `${what}: ${reading.messages} messages${reading.timeMs !== undefined ? ` / ${reading.timeMs} ms` : ''}, ${reading.consumers} consumer(s) attached; judged once the faults are reverted`,
          };
        if ((def.spec.requireConsumer ?? true) && reading.consumers === 0)
          return { state: 'breached', reason: `${what}: consumer-missing: the service consumer is not attached` };
        const time = reading.timeMs !== undefined ? ` / ${reading.timeMs} ms` : '';
        if (maxMessages !== undefined && reading.messages > maxMessages)
          return { state: 'breached', reason: `${what}: lag: ${reading.messages} messages (bound ${maxMessages})` };
        if (maxTimeMs !== undefined && (reading.timeMs ?? 0) > maxTimeMs)
          return { state: 'breached', reason: `${what}: lag: ${reading.timeMs} ms (bound ${maxTimeMs} ms)` };
        if (
          maxTimeMs !== undefined &&
          maxMessages === undefined &&
          reading.timeMs === undefined &&
          reading.messages > 0
        )
          return {
            state: 'unknown',
            reason: `${what}: the broker gives no age for ${reading.messages} pending messages`,
          };
        return { state: 'steady', reason: `${what}: ${reading.messages} messages${time}, within bounds` };
      }
    }
  };

  const live = new Map<string, DataFault>();
  const backend: FaultBackend<EventFault> = {
    plan(fault, ctx) {
      const def = faults.get(faultKey(ctx.experiment, fault.id));
      if (!def) return Promise.reject(new Error(`${fault.id}: not an event fault read before the run`));
      return Promise.resolve(
        newEntry(fault, ctx, ctx.defaultNamespace, { inProcess: `${def.kind} on broker ${def.broker}` }),
      );
    },
    async inject(fault, _entry, ctx) {
      const key = faultKey(ctx.experiment, fault.id);
      const def = faults.get(key)!;
      const client = clients.get(def.broker)!;
      const dataFault: DataFault =
        def.kind === 'producer'
          ? client.fault(def.spec)
          : new DataChaosRelay(client.inner, def.spec, routes.get(routeKey(def)));
      if (ctx.dryRun) {
        ctx.log(`would start ${dataFault.describe()} (dry run: nothing altered)`);
        return;
      }
      live.set(key, dataFault);
      await dataFault.inject();
    },
    verifyInjected(fault, _entry, ctx) {
      const f = live.get(faultKey(ctx.experiment, fault.id));
      if (!f)
        return Promise.resolve(
          ctx.dryRun
            ? { ok: true, detail: 'dry run: not started' }
            : { ok: false, detail: 'the data fault is not running' },
        );
      const check = f.verifyInjected();
      return Promise.resolve({ ok: check.ok, detail: neutralize(check.reason) });
    },
    describe(fault, entry) {
      const f = live.get(faultKey(entry.experiment, fault.id));
      return f
        ? `event fault on broker ${faults.get(faultKey(entry.experiment, fault.id))!.broker}: ${f.describe()}`
        : `event fault ${fault.id} (${entry.inProcess ?? 'not running'})`;
    },
    async revert(fault, _entry, ctx) {
      const key = faultKey(ctx.experiment, fault.id);
      const f = live.get(key);
      if (!f) return [];
      await f.revert();
      return [`${f.describe()}: stopped (${describeCounts(f.counts)})`, ...journalLines(f)];
    },
    verifyReverted(fault, _entry, ctx) {
      const key = faultKey(ctx.experiment, fault.id);
      const f = live.get(key);
      if (!f) return Promise.resolve({ ok: true, detail: 'nothing running' });
      const check = f.verifyReverted();
      if (check.ok) live.delete(key);
      return Promise.resolve({ ok: check.ok, detail: neutralize(check.reason) });
    },
  };

  return {
    runner,
    backend,
    watch,
    async close() {
      for (const f of live.values()) await f.revert().catch(() => undefined);
      live.clear();
      for (const w of watchers.values()) await w.then((x) => x.stop()).catch(() => undefined);
      watchers.clear();
      await closeRoutes();
      routes.clear();
      await closeClients();
    },
  };
}

function faultKey(experiment: string, faultId: string): string {
  return `${experiment}\0${faultId}`;
}

function routeKey(def: Extract<EventFaultDefinition, { kind: 'relay' }>): string {
  const { from, to } = def.spec;
  return JSON.stringify([def.broker, from.channel, from.bindingKey, to.channel, to.key]);
}

/** What the fault did to which message: the exact totals, then the first entries, neutralised (payload text). */
function journalLines(f: DataFault): string[] {
  const totals = Object.entries(f.journal.totals)
    .map(([action, n]) => `${action} ${n}`)
    .join(', ');
  const lines = f.journal.entries
    .filter((e) => e.action !== 'injected' && e.action !== 'reverted')
    .slice(0, JOURNAL_LINES)
    .map((e) => neutralize(`${e.at} ${e.action} ${e.detail}`).slice(0, 200));
  return [`journal: ${totals || 'nothing'}`, ...lines];
}
