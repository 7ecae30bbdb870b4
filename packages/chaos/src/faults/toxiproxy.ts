import { connect } from 'node:net';
import { UserError, nearestName } from '@gauntlet/action-kit';
import type { FaultSpec } from '../experiment/model.js';
import { newEntry } from './common.js';
import { ToxiproxyClient, ToxiproxyError, type ToxiproxyToxic } from './toxiproxy/client.js';
import { toxicName } from './toxiproxy/names.js';
import type { FaultBackend, FaultContext } from './types.js';

type ToxiproxyFault = Extract<FaultSpec, { type: 'toxiproxy' }>;

function clientOf(ctx: FaultContext, fault: ToxiproxyFault): ToxiproxyClient {
  if (!ctx.toxiproxyUrl) {
    throw new UserError(
      `${fault.id}: a toxiproxy fault needs a Toxiproxy API (toxiproxy-url) that serves proxy '${fault.proxy}'`,
    );
  }
  return new ToxiproxyClient(ctx.toxiproxyUrl);
}

/** The toxic we ask for. `down` is a reset_peer at once (see the backend's comment). */
function toxicOf(fault: ToxiproxyFault, name: string): ToxiproxyToxic {
  if (fault.toxic === 'down') {
    return { name, type: 'reset_peer', stream: 'downstream', toxicity: 1, attributes: { timeout: 0 } };
  }
  return {
    name,
    type: fault.toxic,
    stream: fault.stream,
    toxicity: fault.toxicity,
    attributes: { ...fault.attributes },
  };
}

/** Loopback address to reach a proxy's listen address from here, or undefined when it is not on this machine. */
function localAddress(listen: string): { host: string; port: number } | undefined {
  const match = /^(.*):(\d+)$/.exec(listen);
  if (!match) return undefined;
  const host = match[1]!.replace(/^\[|\]$/g, '');
  const port = Number(match[2]);
  if (['', '0.0.0.0', '::', '127.0.0.1', 'localhost', '::1'].includes(host))
    return { host: host === '::1' ? '::1' : '127.0.0.1', port };
  return undefined;
}

/** How long an idle connection may stay open through a closing `timeout` toxic before the check fails. */
const IDLE_CHECK_MS = 2_000;

/**
 * A `timeout` toxic with a short idle timeout closes every connection, idle or not (broker-partition's cut), which
 * the wire shows. A timeout of 0 only drops data and keeps connections open.
 */
function closesIdle(fault: ToxiproxyFault): boolean {
  const idleMs = fault.attributes['timeout'];
  return fault.toxic === 'timeout' && idleMs !== undefined && idleMs > 0 && idleMs <= IDLE_CHECK_MS / 2;
}

/**
 * Connects and sends nothing: true when the proxy closes the connection within IDLE_CHECK_MS. Without the toxic
 * none of the brokers closes a silent connection that soon (RabbitMQ waits 10 s for the protocol header, Kafka and
 * NATS without auth wait for ever); what the server says first (NATS's INFO) passes an upstream toxic.
 */
function closesIdleConnection(address: { host: string; port: number }): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(address);
    const done = (result: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done(false), IDLE_CHECK_MS);
    socket.on('data', () => undefined);
    socket.on('error', () => done(true));
    socket.on('close', () => done(true));
  });
}

/** Connects and writes a byte: true when the proxy resets or closes the connection without answering. */
function resetsConnections(address: { host: string; port: number }): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(address);
    let answered = false;
    const done = (result: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done(false), 3_000);
    socket.on('connect', () => socket.write('\n'));
    socket.on('data', () => {
      answered = true;
    });
    socket.on('error', () => done(!answered));
    socket.on('close', () => done(!answered));
  });
}

/**
 * Toxiproxy dependency faults: latency (with jitter), bandwidth, timeout, reset_peer, slicer and limit_data as a
 * toxic on an existing proxy, named by the run and deleted by that name. `down` is a reset_peer toxic with no
 * delay rather than disabling the proxy: a disabled proxy carries no mark, so after a SIGKILL nothing could prove
 * it was ours to re-enable, while a named toxic expires and is reaped like the others. Clients see every
 * connection reset at once.
 */
export const toxiproxyBackend: FaultBackend<ToxiproxyFault> = {
  async plan(fault, ctx) {
    const client = clientOf(ctx, fault);
    const proxy = await client.proxy(fault.proxy, ctx.signal);
    if (!proxy) {
      const names = (await client.proxies(ctx.signal)).map((p) => p.name);
      const near = nearestName(fault.proxy, names);
      throw new UserError(
        `${fault.id}: Toxiproxy at ${client.url} has no proxy '${fault.proxy}' (proxies: ${names.join(', ') || 'none'})${near ? `; did you mean '${near}'?` : ''}`,
      );
    }
    const entry = newEntry(fault, ctx, ctx.defaultNamespace);
    const toxics = [
      { apiUrl: client.url, proxy: proxy.name, name: toxicName(ctx.runId, ctx.experiment, fault.id, entry.expiresAt) },
    ];
    return { ...entry, toxics };
  },
  async inject(fault, entry, ctx) {
    const record = entry.toxics![0]!;
    const client = new ToxiproxyClient(record.apiUrl);
    if (ctx.dryRun) {
      ctx.log(`would add toxic ${record.name} (${fault.toxic}) to proxy ${record.proxy} (dry run: Toxiproxy has none)`);
      return;
    }
    try {
      await client.addToxic(record.proxy, toxicOf(fault, record.name), ctx.signal);
    } catch (error) {
      // 409: a toxic of this name exists; the name is this run's and fault's, so it is ours from an earlier try.
      if (!(error instanceof ToxiproxyError && error.status === 409)) throw error;
    }
    ctx.log(`added toxic ${record.name} (${fault.toxic}) to proxy ${record.proxy}`);
  },
  async verifyInjected(fault, entry, ctx) {
    const record = entry.toxics![0]!;
    if (ctx.dryRun) return { ok: true, detail: `proxy ${record.proxy} exists (dry run: no toxic added)` };
    const proxy = await new ToxiproxyClient(record.apiUrl).proxy(record.proxy, ctx.signal);
    if (!proxy) return { ok: false, detail: `proxy ${record.proxy} is gone` };
    const live = proxy.toxics.find((t) => t.name === record.name);
    const wanted = toxicOf(fault, record.name);
    if (!live) return { ok: false, detail: `toxic ${record.name} is not on proxy ${record.proxy}` };
    const differs = Object.entries(wanted.attributes).filter(([k, v]) => live.attributes[k] !== v);
    if (live.type !== wanted.type || live.stream !== wanted.stream || differs.length) {
      return {
        ok: false,
        detail: `toxic ${record.name} is ${live.type}/${live.stream} ${JSON.stringify(live.attributes)}, not ${wanted.type}/${wanted.stream} ${JSON.stringify(wanted.attributes)}`,
      };
    }
    if (!proxy.enabled)
      return { ok: true, detail: `toxic ${record.name} on proxy ${record.proxy} (the proxy is disabled)` };
    if (fault.toxic === 'down') {
      const address = localAddress(proxy.listen);
      if (address && !(await resetsConnections(address)))
        return { ok: false, detail: `proxy ${record.proxy} (${proxy.listen}) still answers a connection` };
      return {
        ok: true,
        detail: `proxy ${record.proxy} ${address ? `resets connections at ${proxy.listen}` : `has toxic ${record.name}`}`,
      };
    }
    if (closesIdle(fault)) {
      const address = localAddress(proxy.listen);
      if (address && !(await closesIdleConnection(address)))
        return {
          ok: false,
          detail: `proxy ${record.proxy} (${proxy.listen}) kept an idle connection open for ${IDLE_CHECK_MS} ms`,
        };
      if (address) return { ok: true, detail: `proxy ${record.proxy} closes idle connections at ${proxy.listen}` };
    }
    return {
      ok: true,
      detail: `toxic ${record.name} (${live.type} ${JSON.stringify(live.attributes)}) on proxy ${record.proxy}`,
    };
  },
  describe(fault) {
    const attrs = Object.entries(fault.attributes)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    return `toxiproxy ${fault.toxic}${attrs ? ` ${attrs}` : ''} on ${fault.proxy}`;
  },
};
