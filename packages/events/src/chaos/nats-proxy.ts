/**
 * The NATS data-chaos proxy: a protocol-aware TCP proxy between a service and its NATS server. The service connects
 * to the proxy instead of the server (its manifest's NATS URL is the only change); everything passes through byte for
 * byte, except the deliveries (MSG/HMSG) on the subjects an active fault chooses, which it drops, duplicates,
 * reorders, delays or malforms with the seeded mix the relay uses. Unlike the relay it needs no second subject: the
 * service keeps reading what the producer writes, JetStream consumers included (a dropped delivery is never acked, so
 * the server redelivers it after ack_wait, as a lost packet would make it).
 *
 * Each fault has chaos-gate's life cycle (inject, verify injected, revert, verify reverted) and its journal; a revert
 * delivers whatever the fault still holds (reorder window, delays), so a revert is never a silent loss.
 */
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { ValueLocation } from '../probes/selector.js';
import { alteredCheck, applyDecision, describeMix, type DataFaultCheck } from './data-fault.js';
import type { DataFaultMix } from './faults.js';
import { HostedDataFault } from './hosted-fault.js';
import {
  encodeInfo,
  encodeMessage,
  ServerFrameParser,
  subjectMatches,
  subjectPatternError,
  type NatsMessage,
} from './nats-framing.js';

/** Held and delayed bytes per connection above which the proxy stops reading from the server (bounded memory). */
export const PROXY_HOLD_LIMIT_BYTES = 32 * 1024 * 1024;

export interface NatsProxyOptions {
  /** The real server, `nats://host:port` (TLS servers are refused: the proxy cannot read encrypted deliveries). */
  readonly upstream: string;
  /** Where the proxy listens; loopback by default. */
  readonly host?: string;
  readonly port?: number;
  readonly log?: (line: string) => void;
}

export interface NatsFaultSpec {
  readonly name: string;
  /** NATS subject patterns (`*`, `>` wildcards) whose deliveries the fault alters. */
  readonly subjects: readonly string[];
  readonly faults: DataFaultMix;
  readonly seed: number;
  /** Where a message's id is, for the journal (default: subject and number). */
  readonly id?: ValueLocation;
}

export class NatsChaosProxy {
  private readonly sessions = new Set<Session>();
  private readonly active: NatsDataFault[] = [];
  private closed = false;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly upstream: { host: string; port: number },
    readonly log: (line: string) => void,
  ) {}

  static async start(options: NatsProxyOptions): Promise<NatsChaosProxy> {
    const upstream = parseNatsUrl(options.upstream);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
    });
    const address = server.address() as AddressInfo;
    const proxy = new NatsChaosProxy(
      server,
      `nats://${address.address}:${address.port}`,
      upstream,
      options.log ?? (() => undefined),
    );
    server.on('connection', (client) => proxy.accept(client));
    return proxy;
  }

  /** A fault on this proxy's traffic; nothing changes until it is injected. */
  fault(spec: NatsFaultSpec): NatsDataFault {
    return new NatsDataFault(this, spec);
  }

  get connections(): number {
    return this.sessions.size;
  }

  /** Reverts every active fault (delivering what they hold), then closes the listener and every connection. */
  async close(): Promise<void> {
    for (const fault of [...this.active]) await fault.revert();
    this.closed = true;
    for (const s of this.sessions) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** @internal */ activate(fault: NatsDataFault): void {
    if (this.closed) throw new Error(`data fault ${fault.spec.name}: the NATS proxy is closed`);
    if (!this.active.includes(fault)) this.active.push(fault);
  }

  /** @internal */ deactivate(fault: NatsDataFault): void {
    const i = this.active.indexOf(fault);
    if (i >= 0) this.active.splice(i, 1);
  }

  /** @internal */ route(message: NatsMessage, session: Session): void {
    const fault = this.active.find((f) => f.matches(message.subject));
    if (fault) fault.handle(message, session);
    else session.write(encodeMessage(message));
  }

  private accept(client: Socket): void {
    if (this.closed) return void client.destroy();
    const session = new Session(this, client, createConnection(this.upstream));
    this.sessions.add(session);
    session.onClose(() => this.sessions.delete(session));
  }
}

/** One service connection and its upstream connection. */
class Session {
  private readonly parser = new ServerFrameParser();
  private holding = 0;
  private paused = false;
  private open = true;
  private readonly closers: (() => void)[] = [];

  constructor(
    private readonly proxy: NatsChaosProxy,
    private readonly client: Socket,
    private readonly upstream: Socket,
  ) {
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => this.fromServer(chunk));
    client.on('drain', () => this.maybeResume());
    for (const s of [client, upstream]) {
      s.on('error', () => this.destroy());
      s.on('close', () => this.destroy());
    }
  }

  onClose(fn: () => void): void {
    this.closers.push(fn);
  }

  /** Writes to the service; false (and the write is dropped) once the connection is gone. */
  write(bytes: Buffer): boolean {
    if (!this.open) return false;
    if (!this.client.write(bytes)) this.pause();
    return true;
  }

  hold(bytes: number): void {
    this.holding += bytes;
    if (this.holding > PROXY_HOLD_LIMIT_BYTES) this.pause();
  }

  release(bytes: number): void {
    this.holding -= bytes;
    this.maybeResume();
  }

  destroy(): void {
    if (!this.open) return;
    this.open = false;
    this.client.destroy();
    this.upstream.destroy();
    for (const fn of this.closers) fn();
  }

  private pause(): void {
    if (!this.paused) {
      this.paused = true;
      this.upstream.pause();
    }
  }

  private maybeResume(): void {
    if (this.paused && this.holding <= PROXY_HOLD_LIMIT_BYTES && !this.client.writableNeedDrain) {
      this.paused = false;
      this.upstream.resume();
    }
  }

  private fromServer(chunk: Buffer): void {
    let frames;
    try {
      frames = this.parser.push(chunk);
    } catch (error) {
      this.proxy.log(`nats proxy: ${error instanceof Error ? error.message : String(error)}; connection closed`);
      return this.destroy();
    }
    for (const frame of frames) {
      if (frame.kind === 'msg') this.proxy.route(frame.message, this);
      else if (frame.kind === 'info') {
        if (frame.info.tls_required === true) {
          this.proxy.log('nats proxy: the server requires TLS, which the proxy cannot alter; connection closed');
          this.write(Buffer.from("-ERR 'gauntlet chaos proxy: TLS-required servers are not supported'\r\n"));
          return this.destroy();
        }
        // The service must not learn other addresses of the cluster and bypass the proxy on a reconnect.
        const { connect_urls: _c, ws_connect_urls: _w, ...info } = frame.info;
        this.write(encodeInfo(info));
      } else this.write(frame.raw);
    }
  }
}

interface Held {
  readonly session: Session;
  readonly bytes: Buffer;
  readonly id: string;
}

/** A data fault on the proxy's deliveries of some subjects. */
export class NatsDataFault extends HostedDataFault<Held> {
  private lost = 0;

  constructor(
    private readonly proxy: NatsChaosProxy,
    readonly spec: NatsFaultSpec,
  ) {
    const problems = spec.subjects.length === 0 ? ['subjects: name at least one subject'] : [];
    for (const s of spec.subjects) {
      const problem = subjectPatternError(s);
      if (problem) problems.push(`subject ${JSON.stringify(s.slice(0, 80))} ${problem}`);
    }
    super(proxy, spec, problems);
  }

  describe(): string {
    return `NATS proxy on ${this.spec.subjects.join(', ')}: ${describeMix(this.spec.faults)} (seed ${this.spec.seed})`;
  }

  matches(subject: string): boolean {
    return this.spec.subjects.some((p) => subjectMatches(p, subject));
  }

  verifyInjected(): DataFaultCheck {
    if (!this.injected) return { ok: false, reason: 'the fault is not active on the proxy' };
    if (this.proxy.connections === 0) return { ok: false, reason: 'no service is connected through the proxy' };
    if (this.counts.received === 0) return { ok: true, reason: 'proxy live; no delivery on the chosen subjects yet' };
    return alteredCheck(this.counts, this.spec.faults, 'deliveries');
  }

  verifyReverted(): DataFaultCheck {
    if (this.injected) return { ok: false, reason: 'the fault is still active on the proxy' };
    if (this.queue.size) return { ok: false, reason: 'the fault still holds deliveries' };
    return {
      ok: true,
      reason: this.lost
        ? `fault removed; ${this.lost} deliveries were lost with their service connection`
        : 'fault removed, nothing held',
    };
  }

  /** @internal */ handle(message: NatsMessage, session: Session): void {
    this.counts.received += 1;
    const id = this.idOf(message);
    const decision = applyDecision(this.spec.faults, this.random, this.counts, this.journal, id, message.payload);
    if (!decision) return;
    const out = decision.body === message.payload ? message : { ...message, payload: Buffer.from(decision.body) };
    const bytes = encodeMessage(out);
    for (let i = 0; i < decision.copies; i++) {
      // Counted against the connection's hold limit until written, so a slow or held stream pauses the server side.
      session.hold(bytes.length);
      void this.queue.place({ session, bytes, id });
    }
  }

  protected deliver(h: Held): Promise<void> {
    h.session.release(h.bytes.length);
    if (h.session.write(h.bytes)) this.counts.forwarded += 1;
    else {
      this.lost += 1;
      this.journal.add('lost', `${h.id}: the service connection closed first`);
    }
    return Promise.resolve();
  }

  private idOf(message: NatsMessage): string {
    const fallback = `${message.subject}#${this.counts.received}`;
    if (!this.idReader) return fallback;
    const id = this.idReader.read({
      channel: message.subject,
      key: message.subject,
      headers: {},
      body: message.payload,
      receivedAt: 0,
    });
    return id ?? fallback;
  }
}

function parseNatsUrl(text: string): { host: string; port: number } {
  let url: URL;
  try {
    url = new URL(text.includes('://') ? text : `nats://${text}`);
  } catch {
    throw new Error(`NATS proxy upstream ${JSON.stringify(text.slice(0, 200))} is not a URL (nats://host:port)`);
  }
  if (url.protocol === 'tls:' || url.protocol === 'wss:' || url.protocol === 'ws:')
    throw new Error(`NATS proxy upstream: ${url.protocol} is not supported (a plain nats:// server only)`);
  if (url.protocol !== 'nats:') throw new Error(`NATS proxy upstream must be nats://host:port, got ${url.protocol}`);
  return { host: url.hostname, port: url.port ? Number(url.port) : 4222 };
}
