import { neutralize } from '@gauntlet/action-kit';

/** A proxy as Toxiproxy's HTTP API describes it. */
export interface ToxiproxyProxy {
  readonly name: string;
  readonly listen: string;
  readonly upstream: string;
  readonly enabled: boolean;
  readonly toxics: readonly ToxiproxyToxic[];
}

export interface ToxiproxyToxic {
  readonly name: string;
  readonly type: string;
  readonly stream: 'upstream' | 'downstream';
  readonly toxicity: number;
  readonly attributes: Readonly<Record<string, number>>;
}

export class ToxiproxyError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ToxiproxyError';
  }
}

const MAX_BODY = 4 * 1024 * 1024;

/**
 * A small client of Toxiproxy's HTTP API (https://github.com/Shopify/toxiproxy#http-api): proxies and toxics by
 * name, every name path-encoded, every call bounded in time and answer size. Product code; the test bed may use it.
 */
export class ToxiproxyClient {
  readonly url: string;
  constructor(
    url: string,
    private readonly options: { timeoutMs?: number } = {},
  ) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ToxiproxyError(`toxiproxy-url: expected an http(s) URL, got ${JSON.stringify(url.slice(0, 100))}`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
      throw new ToxiproxyError(`toxiproxy-url: expected an http or https URL, got ${parsed.protocol}`);
    this.url = url.replace(/\/+$/, '');
  }

  private async call<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 10_000);
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, {
        method,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new ToxiproxyError(
        `toxiproxy ${method} ${path}: ${timeout.aborted ? 'no answer in time' : `cannot reach ${this.url} (${(error as Error).message})`}`,
      );
    }
    const text = await res.text();
    if (text.length > MAX_BODY) throw new ToxiproxyError(`toxiproxy ${method} ${path}: answer too large`);
    if (!res.ok) {
      throw new ToxiproxyError(
        `toxiproxy ${method} ${path}: ${res.status} ${neutralize(text).replace(/\s+/g, ' ').slice(0, 300)}`,
        res.status,
      );
    }
    try {
      return (text ? JSON.parse(text) : undefined) as T;
    } catch {
      throw new ToxiproxyError(`toxiproxy ${method} ${path}: the answer is not JSON`);
    }
  }

  private static path(proxy: string, toxic?: string): string {
    return `/proxies/${encodeURIComponent(proxy)}${toxic !== undefined ? `/toxics/${encodeURIComponent(toxic)}` : ''}`;
  }

  version(signal?: AbortSignal): Promise<unknown> {
    return this.call('GET', '/version', undefined, signal);
  }

  /** Every proxy with its toxics. */
  async proxies(signal?: AbortSignal): Promise<ToxiproxyProxy[]> {
    const all = await this.call<Record<string, ToxiproxyProxy>>('GET', '/proxies', undefined, signal);
    return Object.values(all ?? {}).map((p) => ({ ...p, toxics: p.toxics ?? [] }));
  }

  /** The proxy, or undefined when there is none of that name. */
  async proxy(name: string, signal?: AbortSignal): Promise<ToxiproxyProxy | undefined> {
    try {
      const p = await this.call<ToxiproxyProxy>('GET', ToxiproxyClient.path(name), undefined, signal);
      return { ...p, toxics: p.toxics ?? [] };
    } catch (error) {
      if (error instanceof ToxiproxyError && error.status === 404) return undefined;
      throw error;
    }
  }

  createProxy(name: string, listen: string, upstream: string, signal?: AbortSignal): Promise<ToxiproxyProxy> {
    return this.call('POST', '/proxies', { name, listen, upstream, enabled: true }, signal);
  }

  deleteProxy(name: string, signal?: AbortSignal): Promise<void> {
    return this.call('DELETE', ToxiproxyClient.path(name), undefined, signal);
  }

  addToxic(proxy: string, toxic: ToxiproxyToxic, signal?: AbortSignal): Promise<ToxiproxyToxic> {
    return this.call('POST', `${ToxiproxyClient.path(proxy)}/toxics`, toxic, signal);
  }

  /** Removes a toxic by name; 'already-gone' when there was none (or no such proxy). */
  async removeToxic(proxy: string, toxic: string, signal?: AbortSignal): Promise<'removed' | 'already-gone'> {
    try {
      await this.call('DELETE', ToxiproxyClient.path(proxy, toxic), undefined, signal);
      return 'removed';
    } catch (error) {
      if (error instanceof ToxiproxyError && error.status === 404) return 'already-gone';
      throw error;
    }
  }
}
