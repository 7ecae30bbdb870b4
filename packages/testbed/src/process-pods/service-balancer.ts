// One loopback TCP listener of the test bed's Service balancer: for one Service port and one client identity
// (an external client, or a named pod whose egress policies apply). Each new connection asks `route` for a
// backend; none (no live pod, or every one denied by NetworkPolicy) closes the connection with a reset, as a
// cluster with no endpoints or a dropping CNI would fail it. Open connections are re-checked when policies or
// pods change, so a partition also cuts keep-alive connections that were already flowing.
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface Backend {
  /** Stable key of the backend (the pod's uid). */
  readonly key: string;
  readonly host: string;
  readonly port: number;
}

export type RouteResult =
  | { readonly ok: true; readonly backends: readonly Backend[] }
  | { readonly ok: false; readonly outcome: 'no_backend' | 'denied'; readonly reason: string };

export type Outcome = 'ok' | 'no_backend' | 'denied' | 'backend_error';

interface Tracked {
  readonly client: Socket;
  readonly upstream: Socket;
  readonly backend: string;
}

export class BalancerListener {
  private next = 0;
  private readonly open = new Set<Tracked>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  static listen(route: () => RouteResult, onOutcome: (o: Outcome, reason?: string) => void): Promise<BalancerListener> {
    let self: BalancerListener | undefined;
    const server = createServer({ pauseOnConnect: true }, (client) => self?.accept(client, route, onOutcome));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const addr = server.address();
        if (!addr || typeof addr !== 'object') return reject(new Error('balancer: no address'));
        self = new BalancerListener(server, addr.port);
        resolve(self);
      });
    });
  }

  private accept(client: Socket, route: () => RouteResult, onOutcome: (o: Outcome, reason?: string) => void): void {
    client.on('error', () => {});
    const result = route();
    if (!result.ok || result.backends.length === 0) {
      onOutcome(result.ok ? 'no_backend' : result.outcome, result.ok ? 'no backend' : result.reason);
      client.resetAndDestroy();
      return;
    }
    const backend = result.backends[this.next++ % result.backends.length] as Backend;
    const upstream = createConnection({ host: backend.host, port: backend.port });
    const tracked: Tracked = { client, upstream, backend: backend.key };
    this.open.add(tracked);
    const done = (): void => {
      this.open.delete(tracked);
      client.destroy();
      upstream.destroy();
    };
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      onOutcome('ok');
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    upstream.once('error', () => {
      if (!connected) onOutcome('backend_error', `backend ${backend.key} refused`);
      client.resetAndDestroy();
      done();
    });
    client.once('close', done);
    upstream.once('close', done);
  }

  /** Resets every open connection whose backend `allowed` now refuses. Returns how many were cut. */
  recheck(allowed: (backendKey: string) => boolean): number {
    let cut = 0;
    for (const t of [...this.open]) {
      if (allowed(t.backend)) continue;
      cut += 1;
      this.open.delete(t);
      t.client.resetAndDestroy();
      t.upstream.destroy();
    }
    return cut;
  }

  get openConnections(): number {
    return this.open.size;
  }

  close(): Promise<void> {
    for (const t of this.open) {
      t.client.destroy();
      t.upstream.destroy();
    }
    this.open.clear();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
