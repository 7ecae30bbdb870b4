// Process-backed pods for the test bed (test-only tooling; no product module imports it). kwok pods are not
// processes, so killing one changes nothing a probe or Prometheus sees. This controller watches pods of the
// namespaces it is given; every Running pod labelled gauntlet.dev/process=true gets one real loopback process
// (the sample service, or a command the test registered), registered as a Prometheus file_sd target, and
// stopped when the pod goes, terminates, fails or is paused. Services get loopback TCP balancers over their
// live pods' processes that honour the namespaces' NetworkPolicies. Deleting pods, scaling down and partition
// policies therefore really remove capacity.
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CoreV1Api,
  NetworkingV1Api,
  makeInformer,
  type Informer,
  type KubeConfig,
  type KubernetesObject,
  type ListPromise,
  type ObjectCache,
  type V1Namespace,
  type V1NetworkPolicy,
  type V1Pod,
  type V1Service,
} from '@kubernetes/client-node';
import { removeScrapeTargets, writeScrapeTargets } from '../prometheus.js';
import { freeLoopbackPort } from '../ports.js';
import { silentLogger, stderrLogger, waitUntil, type Logger } from '../progress.js';
import {
  connectionAllowed,
  PolicyError,
  type NetworkPolicyObject,
  type PolicyClient,
  type PolicyPod,
} from './network-policy.js';
import { PodProcess, sampleMain } from './pod-process.js';
import {
  expandArgv,
  imagesOf,
  isReady,
  processRequest,
  SAMPLE_COMMAND,
  serviceEnvName,
  wantsProcess,
  type RegisteredCommand,
} from './pod-spec.js';
import { BalancerListener, type Backend, type Outcome, type RouteResult } from './service-balancer.js';

export interface ProcessPodsOptions {
  readonly kubeConfig: KubeConfig;
  /** Namespaces whose pods, Services and NetworkPolicies this controller owns (another controller must not). */
  readonly namespaces: readonly string[];
  /** Local Prometheus's file_sd directory (getTestbed().prometheusTargetsDir); targets are not written without it. */
  readonly prometheusTargetsDir?: string;
  /** Commands pods may name in gauntlet.dev/process-command; pods can never supply an argv themselves. */
  readonly commands?: Readonly<Record<string, RegisteredCommand>>;
  /** Where process logs go (default: a fresh temporary directory). */
  readonly logDir?: string;
  readonly log?: Logger;
}

export interface ServiceAddressOptions {
  /** Service port (number or name); default: the first port. */
  readonly port?: number | string;
  /** Connect as this pod (its egress policies apply, and ingress rules see its labels); default: external. */
  readonly fromPod?: { readonly namespace: string; readonly name: string };
  /** An external client's address, for ipBlock rules (default none: ipBlock rules never admit it). */
  readonly fromIp?: string;
}

export interface ProcessPodInfo {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly address: string;
  readonly pid: number | undefined;
  readonly restarts: number;
}

export interface ProcessPods {
  /** host:port of a balancer for the Service port, for this client identity (created on first use, then stable). */
  serviceAddress(namespace: string, service: string, options?: ServiceAddressOptions): Promise<string>;
  /** The pods a Service currently balances over (ready, process up), ignoring policies. */
  backends(namespace: string, service: string): Array<{ pod: string; address: string }>;
  /** Every pod process that is up. */
  processes(): ProcessPodInfo[];
  /** Waits (progress every 10 s) until `check` holds on the controller's view. */
  waitFor(what: string, check: () => boolean, timeoutMs?: number): Promise<void>;
  /** Names of the NetworkPolicies the balancer currently enforces in `namespace` (its watch's view). */
  policyNames(namespace: string): string[];
  /** Pods and policies the controller could not honour, with the reason (a pod with a bad annotation gets no process). */
  problems(): string[];
  /** The balancer's metrics endpoint (also a Prometheus target, job testbed-balancer, when targets are written). */
  readonly metricsUrl: string;
  close(): Promise<void>;
}

interface Running {
  readonly pod: V1Pod;
  readonly uid: string;
  state: 'starting' | 'up' | 'stopped';
  process?: PodProcess;
  restarts: number;
  readonly abort: AbortController;
  readonly target: string;
}

interface ListenerEntry {
  readonly listener: BalancerListener;
  readonly namespace: string;
  readonly service: string;
  readonly port: number | string | undefined;
  readonly client: ServiceAddressOptions;
}

const key = (o: KubernetesObject): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

function watch<T extends KubernetesObject>(
  kc: KubeConfig,
  path: string,
  list: ListPromise<T>,
  onChange: () => void,
  log: Logger,
  stopped: () => boolean,
): Informer<T> & ObjectCache<T> {
  const informer = makeInformer(kc, path, list);
  informer.on('add', onChange);
  informer.on('update', onChange);
  informer.on('delete', onChange);
  informer.on('error', (e: unknown) => {
    if (stopped()) return; // close() aborts the watches
    log(`process-pods: watch ${path} failed (${e instanceof Error ? e.message : String(e)}); re-listing in 1 s`);
    setTimeout(() => void informer.start().catch(() => {}), 1_000).unref();
  });
  return informer;
}

/**
 * The informer's objects come from the list as client-node models (rule.from is `_from`, absent fields are
 * undefined keys) and from the watch as wire JSON: evaluate the wire form, the one policies are written in.
 */
function wirePolicy(policy: V1NetworkPolicy): NetworkPolicyObject {
  const wire = JSON.parse(JSON.stringify(policy)) as NetworkPolicyObject;
  for (const rule of (wire.spec?.ingress ?? []) as Array<Record<string, unknown>>) {
    if ('_from' in rule) {
      rule.from = rule._from;
      delete rule._from;
    }
  }
  return wire;
}

export async function startProcessPods(options: ProcessPodsOptions): Promise<ProcessPods> {
  const log = options.log ?? silentLogger;
  const namespaces = [...new Set(options.namespaces)];
  if (namespaces.length === 0) throw new Error('startProcessPods: no namespaces given');
  const commands = options.commands ?? {};
  if (Object.hasOwn(commands, SAMPLE_COMMAND)) throw new Error(`startProcessPods: "${SAMPLE_COMMAND}" is built in`);
  const logDir = options.logDir ?? mkdtempSync(join(tmpdir(), 'gauntlet-process-pods-'));
  const core = options.kubeConfig.makeApiClient(CoreV1Api);
  const net = options.kubeConfig.makeApiClient(NetworkingV1Api);
  const controllerId = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

  let closed = false;
  const isClosed = (): boolean => closed;
  let scheduled = false;
  const schedule = (): void => {
    if (scheduled || closed) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      reconcile();
    });
  };

  const pods = new Map<string, Informer<V1Pod> & ObjectCache<V1Pod>>();
  const services = new Map<string, Informer<V1Service> & ObjectCache<V1Service>>();
  const policies = new Map<string, Informer<V1NetworkPolicy> & ObjectCache<V1NetworkPolicy>>();
  for (const ns of namespaces) {
    pods.set(
      ns,
      watch(
        options.kubeConfig,
        `/api/v1/namespaces/${ns}/pods`,
        () => core.listNamespacedPod({ namespace: ns }),
        schedule,
        log,
        isClosed,
      ),
    );
    services.set(
      ns,
      watch(
        options.kubeConfig,
        `/api/v1/namespaces/${ns}/services`,
        () => core.listNamespacedService({ namespace: ns }),
        schedule,
        log,
        isClosed,
      ),
    );
    policies.set(
      ns,
      watch(
        options.kubeConfig,
        `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies`,
        () => net.listNamespacedNetworkPolicy({ namespace: ns }),
        schedule,
        log,
        isClosed,
      ),
    );
  }
  const namespaceInformer = watch<V1Namespace>(
    options.kubeConfig,
    '/api/v1/namespaces',
    () => core.listNamespace(),
    schedule,
    log,
    isClosed,
  );

  const running = new Map<string, Running>(); // by pod uid
  // The images each pod had when first seen: while they differ (Chaos Mesh pod-failure put a pause image in),
  // the container is not the one that serves, so the pod has no process; when they are back, it starts again.
  const firstImages = new Map<string, string>();
  const serving = (pod: V1Pod): boolean => {
    const uid = pod.metadata?.uid ?? '';
    if (!firstImages.has(uid)) firstImages.set(uid, imagesOf(pod));
    return wantsProcess(pod) && firstImages.get(uid) === imagesOf(pod);
  };
  const listeners = new Map<string, ListenerEntry>();
  const problems = new Map<string, string>();
  const counters = new Map<string, number>(); // `${ns}\t${svc}\t${outcome}`

  const allPods = (): V1Pod[] => [...pods.values()].flatMap((i) => i.list());
  const allPolicies = (): NetworkPolicyObject[] => [...policies.values()].flatMap((i) => i.list().map(wirePolicy));
  const namespaceLabels = (ns: string): Record<string, string> | undefined => {
    const object = namespaceInformer.get(ns);
    return object ? { ...(object.metadata?.labels ?? {}), 'kubernetes.io/metadata.name': ns } : undefined;
  };
  const findPod = (ns: string, name: string): V1Pod | undefined => pods.get(ns)?.get(name, ns);
  const policyPod = (pod: V1Pod): PolicyPod => ({
    namespace: pod.metadata?.namespace ?? '',
    name: pod.metadata?.name ?? '',
    labels: pod.metadata?.labels ?? {},
    ...(pod.status?.podIP ? { ip: pod.status.podIP } : {}),
    ports: (pod.spec?.containers ?? []).flatMap((c) =>
      (c.ports ?? []).map((p) => ({
        containerPort: p.containerPort,
        ...(p.name ? { name: p.name } : {}),
        protocol: p.protocol ?? 'TCP',
      })),
    ),
  });

  /** The pod's port a Service port maps to: targetPort (number, or a named container port), else the port. */
  const targetPortOf = (service: V1Service, port: number | string | undefined, pod: V1Pod): number | undefined => {
    const ports = service.spec?.ports ?? [];
    const sp = port === undefined ? ports[0] : ports.find((p) => p.port === port || p.name === port);
    if (!sp) return undefined;
    const target = sp.targetPort ?? sp.port;
    if (typeof target === 'number') return target;
    if (/^\d+$/.test(target)) return Number(target);
    for (const c of pod.spec?.containers ?? [])
      for (const cp of c.ports ?? []) if (cp.name === target) return cp.containerPort;
    return undefined;
  };

  const liveBackends = (ns: string, svcName: string): Array<{ pod: V1Pod; backend: Backend }> => {
    const svc = services.get(ns)?.get(svcName, ns);
    const selector = svc?.spec?.selector;
    if (!svc || !selector || Object.keys(selector).length === 0) return [];
    const out: Array<{ pod: V1Pod; backend: Backend }> = [];
    for (const r of running.values()) {
      const pod = findPod(ns, r.pod.metadata?.name ?? '');
      if (!pod || pod.metadata?.uid !== r.uid || r.state !== 'up' || !r.process?.alive) continue;
      if (!isReady(pod) || !serving(pod)) continue;
      const labels = pod.metadata?.labels ?? {};
      if (!Object.entries(selector).every(([k, v]) => Object.hasOwn(labels, k) && labels[k] === v)) continue;
      out.push({ pod, backend: { key: r.uid, host: '127.0.0.1', port: r.process.port } });
    }
    return out.sort((a, b) => (a.pod.metadata?.name ?? '').localeCompare(b.pod.metadata?.name ?? ''));
  };

  const clientOf = (entry: ListenerEntry): PolicyClient | string => {
    const from = entry.client.fromPod;
    if (!from) return { kind: 'external', ...(entry.client.fromIp ? { ip: entry.client.fromIp } : {}) };
    const pod = findPod(from.namespace, from.name);
    if (!pod || pod.metadata?.deletionTimestamp) return `client pod ${from.namespace}/${from.name} does not exist`;
    return { kind: 'pod', pod: policyPod(pod) };
  };

  const decide = (entry: ListenerEntry, pod: V1Pod): { allowed: boolean; reason: string } => {
    const client = clientOf(entry);
    if (typeof client === 'string') return { allowed: false, reason: client };
    const svc = services.get(entry.namespace)?.get(entry.service, entry.namespace);
    const port = svc ? targetPortOf(svc, entry.port, pod) : undefined;
    if (port === undefined)
      return { allowed: false, reason: `Service ${entry.namespace}/${entry.service} has no port ${entry.port}` };
    try {
      return connectionAllowed({ policies: allPolicies(), namespaceLabels }, client, policyPod(pod), port);
    } catch (e) {
      // Fail closed: a policy the test bed cannot honour must never open traffic.
      const reason = e instanceof PolicyError ? e.message : `policy evaluation failed: ${String(e)}`;
      problems.set(`policy:${reason}`, reason);
      return { allowed: false, reason };
    }
  };

  const route = (entry: ListenerEntry): RouteResult => {
    const live = liveBackends(entry.namespace, entry.service);
    if (live.length === 0)
      return {
        ok: false,
        outcome: 'no_backend',
        reason: `Service ${entry.namespace}/${entry.service} has no live pod`,
      };
    const decisions = live.map((l) => ({ ...l, decision: decide(entry, l.pod) }));
    const allowed = decisions.filter((d) => d.decision.allowed).map((d) => d.backend);
    if (allowed.length === 0)
      return { ok: false, outcome: 'denied', reason: decisions[0]?.decision.reason ?? 'denied' };
    return { ok: true, backends: allowed };
  };

  const count = (ns: string, svc: string, outcome: Outcome): void => {
    const k = `${ns}\t${svc}\t${outcome}`;
    counters.set(k, (counters.get(k) ?? 0) + 1);
  };

  const stopRunning = async (r: Running): Promise<void> => {
    r.state = 'stopped';
    r.abort.abort();
    if (options.prometheusTargetsDir) removeScrapeTargets(options.prometheusTargetsDir, r.target);
    await r.process?.stop();
  };

  const serviceEnv = async (pod: V1Pod): Promise<Record<string, string>> => {
    const ns = pod.metadata?.namespace ?? '';
    const env: Record<string, string> = {};
    for (const svc of services.get(ns)?.list() ?? []) {
      const name = svc.metadata?.name ?? '';
      if (!(svc.spec?.ports ?? []).length) continue;
      const address = await serviceAddress(ns, name, { fromPod: { namespace: ns, name: pod.metadata?.name ?? '' } });
      env[`${serviceEnvName(name)}_SERVICE_HOST`] = '127.0.0.1';
      env[`${serviceEnvName(name)}_SERVICE_PORT`] = address.split(':')[1] ?? '';
    }
    return env;
  };

  const launch = async (r: Running): Promise<void> => {
    const pod = r.pod;
    const ns = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    let request;
    try {
      request = processRequest(pod, commands);
    } catch (e) {
      problems.set(`pod:${ns}/${name}`, `pod ${ns}/${name}: ${e instanceof Error ? e.message : String(e)}`);
      r.state = 'stopped';
      return;
    }
    problems.delete(`pod:${ns}/${name}`);
    const port = await freeLoopbackPort();
    const vars = { PORT: String(port), POD_NAME: name, POD_NAMESPACE: ns, POD_IP: pod.status?.podIP ?? '' };
    const base: Record<string, string> = {};
    for (const k of ['PATH', 'HOME', 'LANG', 'TMPDIR']) {
      const value = process.env[k];
      if (value) base[k] = value;
    }
    const registered = commands[request.command];
    const argv: [string, ...string[]] = registered
      ? (expandArgv(registered.argv, vars) as [string, ...string[]])
      : [process.execPath, '--import', 'tsx', sampleMain];
    const env = { ...base, ...(await serviceEnv(pod)), ...(registered?.env ?? {}), ...request.sampleEnv, ...vars };
    if (r.abort.signal.aborted) return;
    try {
      const child = await PodProcess.start(
        { argv, env, port, logFile: join(logDir, `${ns}_${name}_${r.uid.slice(0, 8)}.log`) },
        r.abort.signal,
      );
      if (r.state === 'stopped') return void (await child.stop());
      r.process = child;
      r.state = 'up';
      if (options.prometheusTargetsDir)
        writeScrapeTargets(options.prometheusTargetsDir, r.target, [`127.0.0.1:${port}`], {
          job: request.job,
          namespace: ns,
          pod: name,
          __metrics_path__: request.metricsPath,
        });
      log(`process-pods: ${ns}/${name} up on 127.0.0.1:${port} (pid ${child.pid})`);
      child.onExit((code) => {
        if (r.state !== 'up') return;
        // A crash: like a kubelet, start it again (after a second) while the pod still wants a process.
        log(`process-pods: ${ns}/${name} exited (${code}); restarting`);
        r.state = 'starting';
        r.restarts += 1;
        if (options.prometheusTargetsDir) removeScrapeTargets(options.prometheusTargetsDir, r.target);
        setTimeout(() => {
          if (r.state === 'starting' && !closed) void launch(r);
        }, 1_000).unref();
        schedule();
      });
    } catch (e) {
      if (r.state === 'stopped') return;
      problems.set(`pod:${ns}/${name}`, `pod ${ns}/${name}: ${e instanceof Error ? e.message : String(e)}`);
      r.state = 'stopped';
    }
    schedule();
  };

  function reconcile(): void {
    if (closed) return;
    const seen = new Set<string>();
    for (const pod of allPods()) {
      const uid = pod.metadata?.uid;
      if (!uid || !serving(pod)) continue;
      seen.add(uid);
      if (running.has(uid)) continue;
      const r: Running = {
        pod,
        uid,
        state: 'starting',
        restarts: 0,
        abort: new AbortController(),
        target: `pp-${pod.metadata?.namespace}-${pod.metadata?.name}-${uid.slice(0, 8)}`,
      };
      running.set(uid, r);
      void launch(r);
    }
    for (const [uid, r] of running) {
      if (seen.has(uid)) continue;
      running.delete(uid);
      log(`process-pods: ${key(r.pod)} gone; stopping its process`);
      void stopRunning(r);
    }
    const present = new Set(allPods().map((p) => p.metadata?.uid));
    for (const uid of firstImages.keys()) if (!present.has(uid)) firstImages.delete(uid);
    // Pods, labels, namespaces or policies changed: cut open connections that are no longer allowed.
    for (const entry of listeners.values()) {
      const allowed = new Set(
        liveBackends(entry.namespace, entry.service)
          .filter((l) => decide(entry, l.pod).allowed)
          .map((l) => l.backend.key),
      );
      const cut = entry.listener.recheck((backend) => allowed.has(backend));
      if (cut) log(`process-pods: cut ${cut} connection(s) to ${entry.namespace}/${entry.service}`);
    }
  }

  async function serviceAddress(namespace: string, service: string, opts: ServiceAddressOptions = {}): Promise<string> {
    if (!pods.has(namespace)) throw new Error(`namespace ${namespace} is not one this controller watches`);
    if (opts.fromPod && !pods.has(opts.fromPod.namespace))
      throw new Error(`client pod namespace ${opts.fromPod.namespace} is not one this controller watches`);
    const port = opts.port ?? '';
    const id = JSON.stringify([namespace, service, port, opts.fromPod?.namespace, opts.fromPod?.name, opts.fromIp]);
    const existing = listeners.get(id);
    if (existing) return existing.listener.address;
    const pending: { entry?: ListenerEntry } = {};
    const listener = await BalancerListener.listen(
      () => (pending.entry ? route(pending.entry) : { ok: false, outcome: 'no_backend', reason: 'starting' }),
      (outcome) => count(namespace, service, outcome),
    );
    const entry: ListenerEntry = { listener, namespace, service, port: opts.port, client: opts };
    pending.entry = entry;
    const raced = listeners.get(id);
    if (raced) {
      await listener.close();
      return raced.listener.address;
    }
    listeners.set(id, entry);
    return listener.address;
  }

  const escapeLabel = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  const metricsText = (): string => {
    const lines = [
      '# HELP testbed_service_backends Live process-backed pods a Service balances over.',
      '# TYPE testbed_service_backends gauge',
    ];
    for (const ns of namespaces)
      for (const svc of services.get(ns)?.list() ?? [])
        lines.push(
          `testbed_service_backends{namespace="${escapeLabel(ns)}",service="${escapeLabel(svc.metadata?.name ?? '')}"} ${liveBackends(ns, svc.metadata?.name ?? '').length}`,
        );
    lines.push('# HELP testbed_service_connections_total Connections through the balancer, by outcome.');
    lines.push('# TYPE testbed_service_connections_total counter');
    for (const [k, n] of counters) {
      const [ns, svc, outcome] = k.split('\t') as [string, string, string];
      lines.push(
        `testbed_service_connections_total{namespace="${escapeLabel(ns)}",service="${escapeLabel(svc)}",outcome="${outcome}"} ${n}`,
      );
    }
    return `${lines.join('\n')}\n`;
  };
  const metricsServer: Server = createServer((req, res) => {
    if (req.url === '/metrics') res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(metricsText());
    else res.writeHead(404).end();
  });
  const metricsPort = await new Promise<number>((resolve, reject) => {
    metricsServer.once('error', reject);
    metricsServer.listen(0, '127.0.0.1', () => {
      const a = metricsServer.address();
      resolve(typeof a === 'object' && a ? a.port : 0);
    });
  });
  const metricsTarget = `pp-balancer-${controllerId}`;
  if (options.prometheusTargetsDir)
    writeScrapeTargets(options.prometheusTargetsDir, metricsTarget, [`127.0.0.1:${metricsPort}`], {
      job: 'testbed-balancer',
    });

  const informers = [...pods.values(), ...services.values(), ...policies.values(), namespaceInformer];
  await Promise.all(informers.map((i) => i.start()));
  reconcile();

  return {
    serviceAddress,
    backends: (ns, svc) =>
      liveBackends(ns, svc).map((l) => ({
        pod: l.pod.metadata?.name ?? '',
        address: `${l.backend.host}:${l.backend.port}`,
      })),
    processes: () =>
      [...running.values()]
        .filter((r) => r.state === 'up' && r.process?.alive)
        .map((r) => ({
          namespace: r.pod.metadata?.namespace ?? '',
          name: r.pod.metadata?.name ?? '',
          uid: r.uid,
          address: `127.0.0.1:${r.process?.port}`,
          pid: r.process?.pid,
          restarts: r.restarts,
        })),
    waitFor: (what, check, timeoutMs = 60_000) =>
      waitUntil(what, () => Promise.resolve(check()), {
        timeoutMs,
        intervalMs: 100,
        // A wait is long work: it says what it waits for every 10 s even when the controller is quiet.
        log: options.log ?? stderrLogger,
      }).then(() => undefined),
    policyNames: (namespace) => (policies.get(namespace)?.list() ?? []).map((p) => p.metadata?.name ?? '').sort(),
    problems: () => [...problems.values()],
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    close: async () => {
      if (closed) return;
      closed = true;
      await Promise.all(informers.map((i) => i.stop()));
      await Promise.all([...running.values()].map(stopRunning));
      running.clear();
      await Promise.all([...listeners.values()].map((l) => l.listener.close()));
      listeners.clear();
      if (options.prometheusTargetsDir) removeScrapeTargets(options.prometheusTargetsDir, metricsTarget);
      await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
    },
  };
}
