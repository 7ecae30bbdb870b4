// Minimal Toxiproxy HTTP API client (the parts tests need): proxies, toxics, reset.

export interface ToxiproxyProxy {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
}

export interface Toxic {
  name?: string;
  type: 'latency' | 'bandwidth' | 'slow_close' | 'timeout' | 'reset_peer' | 'slicer' | 'limit_data';
  stream?: 'upstream' | 'downstream';
  toxicity?: number;
  attributes: Record<string, number>;
}

export class ToxiproxyClient {
  constructor(readonly url: string) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`toxiproxy ${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Creates a proxy. `listen` defaults to 127.0.0.1:0 (a free port); the answer holds the real address. */
  createProxy(name: string, upstream: string, listen = '127.0.0.1:0'): Promise<ToxiproxyProxy> {
    if (!/^(127\.0\.0\.1|localhost|\[::1\]):\d+$/.test(listen))
      throw new Error(`toxiproxy listen address ${listen} is not loopback`);
    return this.call('POST', '/proxies', { name, listen, upstream, enabled: true });
  }

  deleteProxy(name: string): Promise<void> {
    return this.call('DELETE', `/proxies/${encodeURIComponent(name)}`);
  }

  addToxic(proxy: string, toxic: Toxic): Promise<Toxic> {
    return this.call('POST', `/proxies/${encodeURIComponent(proxy)}/toxics`, {
      stream: 'downstream',
      toxicity: 1,
      ...toxic,
    });
  }

  removeToxic(proxy: string, toxic: string): Promise<void> {
    return this.call('DELETE', `/proxies/${encodeURIComponent(proxy)}/toxics/${encodeURIComponent(toxic)}`);
  }

  /** Re-enables all proxies and removes all toxics. */
  reset(): Promise<void> {
    return this.call('POST', '/reset');
  }
}
