// A fault-injecting reverse proxy on 127.0.0.1 for the API server or Prometheus. Clients talk plain HTTP
// (or TLS with a throw-away certificate) to the proxy; the proxy forwards with the upstream's real
// credentials, applies programmable per-route faults, and records every request for assertions such as
// "0 requests with force=true".
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { KubeConfig } from '@kubernetes/client-node';
import { expiredWatchEvent, kubeStatus } from './fault-bodies.js';
import { ruleFires, ruleMatches, seededRandom, type FaultRule, type RuleState } from './fault-rules.js';
import { loopbackCertificate } from './self-signed-cert.js';
import { loadKubeConfig, plainUpstream, upstreamFromKubeConfig, type Upstream } from './upstream.js';

export interface RecordedRequest {
  /** 1-based arrival order. */
  seq: number;
  time: number;
  method: string;
  path: string;
  /** Query parameters; repeated keys keep every value. */
  query: Record<string, string[]>;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Name of the rule that fired, if any. */
  fault?: string;
  /** Status the client received (undefined for resets and cut connections before headers). */
  status?: number;
  /** A `hang` rule is holding this request: no answer yet, and the client has not gone away. */
  held?: boolean;
}

export interface FaultProxyOptions {
  /** Upstream base URL (e.g. the Prometheus URL) or a prepared Upstream (see upstreamFromKubeConfig). */
  upstream: string | Upstream;
  /** Serve TLS with a self-signed loopback certificate (see `caCert`). Default: plain HTTP. */
  tls?: boolean;
  /** Seed for `probability` rules. Default 1. */
  seed?: number;
}

/** Headers that describe one hop and must not be forwarded (RFC 9110 §7.6.1). */
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);

function forwardableHeaders(h: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined && !hopByHop.has(k)) out[k] = v;
  return out;
}

function resetSocket(socket: Socket): void {
  // resetAndDestroy sends a TCP RST (the client sees ECONNRESET); plain destroy would be a clean FIN.
  if (typeof socket.resetAndDestroy === 'function' && !socket.destroyed) socket.resetAndDestroy();
  else socket.destroy();
}

/** Waits at least `ms` by the monotonic clock (a plain timer may fire a fraction of a millisecond early). */
async function sleep(ms: number): Promise<void> {
  const until = performance.now() + ms;
  for (let left = ms; left > 0; left = until - performance.now()) {
    await new Promise((r) => setTimeout(r, Math.ceil(left)));
  }
}

export class FaultProxy {
  readonly url: string;
  /** PEM of the proxy's certificate in TLS mode (trust it as the CA). */
  readonly caCert: string | undefined;
  private readonly rules: RuleState[] = [];
  private readonly recorded: RecordedRequest[] = [];
  private random: () => number;
  private seq = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: http.Server,
    private readonly upstream: Upstream,
    url: string,
    caCert: string | undefined,
    seed: number,
  ) {
    this.url = url;
    this.caCert = caCert;
    this.random = seededRandom(seed);
  }

  static async start(opts: FaultProxyOptions): Promise<FaultProxy> {
    const upstream = typeof opts.upstream === 'string' ? plainUpstream(opts.upstream) : opts.upstream;
    const cert = opts.tls ? await loopbackCertificate() : undefined;
    const server = cert ? https.createServer({ cert: cert.cert, key: cert.key }) : http.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const addr = server.address();
    if (!addr || typeof addr === 'string') throw new Error('fault proxy has no port');
    const proxy = new FaultProxy(
      server,
      upstream,
      `${cert ? 'https' : 'http'}://127.0.0.1:${addr.port}`,
      cert?.cert,
      opts.seed ?? 1,
    );
    server.on('connection', (s: Socket) => {
      proxy.sockets.add(s);
      s.on('close', () => proxy.sockets.delete(s));
    });
    server.on('request', (req, res) => {
      proxy.handle(req, res).catch((e: unknown) => {
        if (!res.headersSent) {
          res.writeHead(502, { 'content-type': 'text/plain' });
          res.end(`fault proxy: ${e instanceof Error ? e.message : String(e)}`);
        } else res.destroy();
      });
    });
    // exec/attach/port-forward upgrade to SPDY/WebSocket; not supported through the proxy (yet).
    server.on('upgrade', (_req, socket: Socket) => {
      socket.end('HTTP/1.1 501 Not Implemented\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
    });
    return proxy;
  }

  /** A proxy in front of the current context's API server of `kubeconfigPath`, using its credentials. */
  static async forKubeconfig(
    kubeconfigPath: string,
    opts: Omit<FaultProxyOptions, 'upstream'> = {},
  ): Promise<FaultProxy> {
    return FaultProxy.start({ ...opts, upstream: await upstreamFromKubeConfig(loadKubeConfig(kubeconfigPath)) });
  }

  /** Adds a rule (evaluated in insertion order; the first that fires wins). Returns its live counters. */
  addRule(rule: FaultRule): RuleState {
    const state: RuleState = { rule, matched: 0, fired: 0 };
    this.rules.push(state);
    return state;
  }

  removeRule(state: RuleState): void {
    const i = this.rules.indexOf(state);
    if (i >= 0) this.rules.splice(i, 1);
  }

  clearRules(): void {
    this.rules.length = 0;
  }

  /** Restarts the RNG, e.g. per test, so probability rules reproduce. */
  reseed(seed: number): void {
    this.random = seededRandom(seed);
  }

  /** Every request so far, oldest first (copies). */
  get requests(): RecordedRequest[] {
    return this.recorded.map((r) => ({ ...r }));
  }

  /** Requests matching method / path regex / query params (same matching as rules). */
  findRequests(filter: Pick<FaultRule, 'method' | 'path' | 'query'>): RecordedRequest[] {
    return this.requests.filter((r) => {
      const params = new URLSearchParams();
      for (const [k, vs] of Object.entries(r.query)) for (const v of vs) params.append(k, v);
      return ruleMatches(filter as FaultRule, r.method, r.path, params);
    });
  }

  clearRequests(): void {
    this.recorded.length = 0;
  }

  /** A KubeConfig pointing at the proxy. It carries no credentials: the proxy adds the upstream's. */
  kubeConfig(namespace?: string): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [
        {
          name: 'gauntlet-fault-proxy',
          server: this.url,
          // client-node 2 refuses plain http:// servers unless skipTLSVerify is set (there is no TLS to verify).
          ...(this.caCert ? { caData: Buffer.from(this.caCert).toString('base64') } : { skipTLSVerify: true }),
        },
      ],
      users: [{ name: 'gauntlet-fault-proxy' }],
      contexts: [
        {
          name: 'gauntlet-fault-proxy',
          cluster: 'gauntlet-fault-proxy',
          user: 'gauntlet-fault-proxy',
          ...(namespace ? { namespace } : {}),
        },
      ],
      currentContext: 'gauntlet-fault-proxy',
    });
    return kc;
  }

  /** Writes that kubeconfig (for child processes / actions under test) and returns its path. */
  writeKubeconfig(
    file = join(tmpdir(), `gauntlet-fault-proxy-${process.pid}-${Date.now()}.kubeconfig`),
    namespace?: string,
  ): string {
    writeFileSync(file, this.kubeConfig(namespace).exportConfig(), { mode: 0o600 });
    return file;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.upstream.agent.destroy();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const target = new URL(req.url ?? '/', 'http://placeholder');
    const method = (req.method ?? 'GET').toUpperCase();
    const query: Record<string, string[]> = {};
    for (const [k, v] of target.searchParams) (query[k] ??= []).push(v);
    const record: RecordedRequest = {
      seq: ++this.seq,
      time: Date.now(),
      method,
      path: target.pathname,
      query,
      headers: req.headers,
      body: body.toString('utf8'),
    };
    this.recorded.push(record);
    res.on('finish', () => (record.status = res.statusCode));

    const fired = this.rules.find(
      (s) => ruleMatches(s.rule, method, target.pathname, target.searchParams) && ruleFires(s, this.random),
    );
    const rule = fired?.rule;
    if (rule) record.fault = rule.name ?? rule.action.type;
    if (rule?.delayMs) await sleep(rule.delayMs);
    const action = rule?.action ?? { type: 'forward' as const };

    switch (action.type) {
      case 'forward':
        return this.forward(req, res, body, target);
      case 'reset':
        if (action.afterForward) await this.forwardAndDiscard(req, body, target);
        resetSocket(req.socket);
        return;
      case 'status': {
        if (action.afterForward) await this.forwardAndDiscard(req, body, target);
        const payload = action.body ?? kubeStatus(action.status);
        const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
        const headers: http.OutgoingHttpHeaders = {
          'content-type': typeof payload === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
          'content-length': Buffer.byteLength(text),
          ...(action.retryAfterSeconds !== undefined ? { 'retry-after': String(action.retryAfterSeconds) } : {}),
          ...action.headers,
        };
        res.writeHead(action.status, headers);
        res.end(text);
        return;
      }
      case 'cut-watch':
        return this.forward(req, res, body, target, action);
      case 'hang':
        record.held = true;
        await new Promise<void>((resolve) => {
          if (req.socket.destroyed) resolve();
          else res.once('close', () => resolve());
        });
        record.held = false;
        return;
    }
  }

  private upstreamRequest(req: http.IncomingMessage, body: Buffer, target: URL): http.ClientRequest {
    const url = new URL(
      this.upstream.url.pathname.replace(/\/$/, '') + target.pathname + target.search,
      this.upstream.url,
    );
    const mod = url.protocol === 'https:' ? https : http;
    const headers: http.OutgoingHttpHeaders = { ...forwardableHeaders(req.headers), ...this.upstream.headers };
    // The body was buffered (to record it), so it always goes upstream with an exact length.
    if (body.length || !(req.method === 'GET' || req.method === 'HEAD')) headers['content-length'] = body.length;
    const up = mod.request(url, { method: req.method, headers, agent: this.upstream.agent });
    up.end(body);
    return up;
  }

  private forwardAndDiscard(req: http.IncomingMessage, body: Buffer, target: URL): Promise<void> {
    return new Promise((resolve, reject) => {
      const up = this.upstreamRequest(req, body, target);
      up.on('response', (r) => {
        r.resume();
        r.on('end', resolve);
        r.on('error', reject);
      });
      up.on('error', reject);
    });
  }

  private forward(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    body: Buffer,
    target: URL,
    cut?: { afterEvents: number; then?: 'eof' | 'expired' | 'abort' | 'reset' },
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      const up = this.upstreamRequest(req, body, target);
      // The client went away (e.g. aborted a watch): stop the upstream request too.
      res.on('close', () => {
        if (!res.writableFinished) up.destroy();
      });
      up.on('error', (e) => {
        if (res.headersSent) {
          res.destroy();
          resolve();
        } else reject(e);
      });
      up.on('response', (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, forwardableHeaders(upRes.headers));
        res.flushHeaders(); // watches must see headers before the first event
        if (!cut) {
          upRes.pipe(res);
          upRes.on('end', resolve);
          upRes.on('error', () => {
            res.destroy();
            resolve();
          });
          return;
        }
        let events = 0;
        let pending = '';
        const finish = (): void => {
          upRes.removeAllListeners('data');
          up.destroy();
          if (cut.then === 'reset') resetSocket(req.socket);
          else if (cut.then === 'abort')
            req.socket.end(); // flushes what was written, never sends the last chunk
          else if (cut.then === 'expired') res.end(expiredWatchEvent());
          else res.end();
          resolve();
        };
        if (cut.afterEvents <= 0) return finish();
        upRes.on('data', (chunk: Buffer) => {
          pending += chunk.toString('utf8');
          let nl: number;
          while ((nl = pending.indexOf('\n')) >= 0) {
            res.write(pending.slice(0, nl + 1));
            pending = pending.slice(nl + 1);
            if (++events >= cut.afterEvents) return finish();
          }
        });
        upRes.on('end', () => {
          res.end(pending);
          resolve();
        });
      });
    });
  }
}
