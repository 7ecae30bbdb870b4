/**
 * A small Kubernetes REST client for this action: JSON requests with bounded retries (only where repeating is
 * harmless), a watch that reports how it ended, and errors that carry the API status but never request headers.
 * @kubernetes/client-node does what it is good at (kubeconfig loading, in-cluster config, exec plugins, TLS
 * material) and is loaded only when the queue or the Kubernetes backend runs.
 *
 * (@gauntlet/kube has a fuller client of the same shape; this action switches to it once that package exports it.)
 */
import http from 'node:http';
import https from 'node:https';
import { UserError } from '@gauntlet/action-kit';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface KubeMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: {
    apiVersion: string;
    kind: string;
    name: string;
    uid: string;
    controller?: boolean;
    blockOwnerDeletion?: boolean;
  }[];
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: KubeMeta;
  [key: string]: unknown;
}

export interface ApiStatus {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
}

export class KubeApiError extends Error {
  constructor(
    readonly method: Method,
    readonly path: string,
    readonly status: number,
    readonly reason: string | undefined,
    apiMessage: string | undefined,
  ) {
    super(
      `${method} ${path}: ${status}${reason ? ` ${reason}` : ''}${apiMessage ? `: ${apiMessage.slice(0, 300)}` : ''}`,
    );
    this.name = 'KubeApiError';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  /** Whether repeating is harmless; default: GET, PUT, DELETE yes; POST, PATCH no. */
  idempotent?: boolean;
  signal?: AbortSignal;
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KubeObject;
}

const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
const NOT_SENT = new Set(['ECONNREFUSED', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

interface Transport {
  server: URL;
  agent: http.Agent;
  headers: () => Promise<Record<string, string>>;
}

/** Values in a kubeconfig's current user that must be masked before anything is logged. */
export interface KubeSecrets {
  values: string[];
}

export class KubeApi {
  /** Wire requests sent (retries included). */
  requests = 0;
  private constructor(private readonly transport: Transport) {}

  /**
   * Loads credentials: the given kubeconfig file, else KUBECONFIG / in-cluster / ~/.kube/config. Secret fields of
   * the current user are handed to `register` before the first request.
   */
  static async load(
    kubeconfig: { readonly path: string } | { readonly data: string } | string | undefined,
    register: (value: string | undefined) => void,
  ): Promise<KubeApi> {
    const { KubeConfig } = await import('@kubernetes/client-node');
    const kc = new KubeConfig();
    const source = typeof kubeconfig === 'string' ? { path: kubeconfig } : kubeconfig;
    try {
      if (source && 'data' in source) {
        register(source.data);
        kc.loadFromString(source.data);
      } else if (source) kc.loadFromFile(source.path);
      else kc.loadFromDefault();
    } catch (error) {
      // A YAML error may quote the content: say only what failed.
      throw new UserError(
        `cannot load the kubeconfig${source && 'path' in source ? ' file' : ''} (${(error as Error).name})`,
      );
    }
    const user = kc.getCurrentUser();
    for (const value of [user?.token, user?.password, user?.keyData, user?.certData]) register(value);
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new UserError('the kubeconfig has no current cluster; set KUBECONFIG or the kubeconfig input');
    const server = new URL(cluster.server);
    const opts: https.RequestOptions = {};
    await kc.applyToHTTPSOptions(opts);
    const agent =
      server.protocol === 'http:'
        ? new http.Agent({ keepAlive: true, maxSockets: 8 })
        : new https.Agent({
            keepAlive: true,
            maxSockets: 8,
            ...(opts.ca ? { ca: opts.ca } : {}),
            ...(opts.cert ? { cert: opts.cert } : {}),
            ...(opts.key ? { key: opts.key } : {}),
            ...(opts.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}),
            ...(opts.servername ? { servername: opts.servername } : {}),
          });
    const dynamic = Boolean(user?.exec || user?.authProvider);
    const fixed = headersOf(opts);
    for (const value of Object.values(fixed)) register(value.replace(/^(Bearer|Basic) /, ''));
    const headers = async (): Promise<Record<string, string>> => {
      if (!dynamic) return fixed;
      const fresh: https.RequestOptions = {};
      await kc.applyToHTTPSOptions(fresh);
      const h = headersOf(fresh);
      for (const value of Object.values(h)) register(value.replace(/^(Bearer|Basic) /, ''));
      return h;
    };
    return new KubeApi({ server, agent, headers });
  }

  close(): void {
    this.transport.agent.destroy();
  }

  private url(path: string, query: RequestOptions['query']): URL {
    if (!path.startsWith('/') || path.includes('..') || path.includes('?'))
      throw new Error('refusing a malformed API path');
    const url = new URL(this.transport.server.pathname.replace(/\/$/, '') + path, this.transport.server);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }

  async request<T = KubeObject>(method: Method, path: string, options: RequestOptions = {}): Promise<T> {
    const idempotent = options.idempotent ?? (method === 'GET' || method === 'PUT' || method === 'DELETE');
    const url = this.url(path, options.query);
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    for (let attempt = 0; ; attempt++) {
      let status: number;
      let body: string;
      try {
        ({ status, body } = await this.send(method, url, payload, options.contentType, options.signal));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? '';
        const retry =
          attempt < 5 && !options.signal?.aborted && (NOT_SENT.has(code) || (idempotent && TRANSIENT_CODES.has(code)));
        if (!retry) throw error;
        await sleep(Math.min(5_000, 200 * 2 ** attempt), options.signal);
        continue;
      }
      if (status >= 200 && status < 300) return (body === '' ? undefined : JSON.parse(body)) as T;
      const api = parseStatus(body);
      const retry =
        attempt < 5 && !options.signal?.aborted && (status === 429 || (idempotent && status >= 500 && status <= 504));
      if (!retry) throw new KubeApiError(method, path, status, api?.reason, api?.message);
      await sleep(Math.min(5_000, 200 * 2 ** attempt), options.signal);
    }
  }

  async getOptional<T = KubeObject>(path: string, signal?: AbortSignal): Promise<T | undefined> {
    try {
      return await this.request<T>('GET', path, signal ? { signal } : {});
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  private async send(
    method: Method,
    url: URL,
    payload: string | undefined,
    contentType: string | undefined,
    signal?: AbortSignal,
  ) {
    this.requests++;
    const headers: Record<string, string> = {
      ...(await this.transport.headers()),
      Accept: 'application/json',
      'User-Agent': 'gauntlet-shard-and-run',
    };
    if (payload !== undefined) {
      headers['Content-Type'] = contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    const mod = url.protocol === 'https:' ? https : http;
    return new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = mod.request(
        url,
        { method, agent: this.transport.agent, headers, ...(signal ? { signal } : {}) },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.setTimeout(30_000, () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /**
   * One watch connection. Resolves 'eof' when the server ends the stream, 'gone' on 410 (list again); rejects on
   * other failures. An idle connection is cut after `idleMs`, so a silently dead stream cannot hang a wait.
   */
  async watch(
    path: string,
    query: Record<string, string | number | boolean | undefined>,
    onEvent: (event: WatchEvent) => boolean | void,
    options: { signal?: AbortSignal; idleMs?: number } = {},
  ): Promise<'eof' | 'gone' | 'stopped'> {
    const url = this.url(path, { ...query, watch: 1, allowWatchBookmarks: true });
    const headers = {
      ...(await this.transport.headers()),
      Accept: 'application/json',
      'User-Agent': 'gauntlet-shard-and-run',
    };
    const mod = url.protocol === 'https:' ? https : http;
    this.requests++;
    return new Promise((resolve, reject) => {
      let settled = false;
      let idle: NodeJS.Timeout | undefined;
      const finish = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(idle);
        fn();
      };
      const req = mod.request(
        url,
        { method: 'GET', agent: this.transport.agent, headers, ...(options.signal ? { signal: options.signal } : {}) },
        (res) => {
          if ((res.statusCode ?? 0) >= 300) {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const api = parseStatus(Buffer.concat(chunks).toString('utf8'));
              if (res.statusCode === 410) finish(() => resolve('gone'));
              else
                finish(() =>
                  reject(new KubeApiError('GET', `${path} (watch)`, res.statusCode ?? 0, api?.reason, api?.message)),
                );
            });
            return;
          }
          const arm = (): void => {
            clearTimeout(idle);
            idle = setTimeout(() => req.destroy(), options.idleMs ?? 60_000);
          };
          arm();
          let buffer = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            arm();
            buffer += chunk;
            for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
              const line = buffer.slice(0, nl).trim();
              buffer = buffer.slice(nl + 1);
              if (!line) continue;
              let event: WatchEvent;
              try {
                event = JSON.parse(line) as WatchEvent;
              } catch {
                req.destroy();
                return;
              }
              if (event.type === 'ERROR') {
                const code = (event.object as ApiStatus).code;
                req.destroy();
                if (code === 410) finish(() => resolve('gone'));
                else
                  finish(() =>
                    reject(
                      new KubeApiError(
                        'GET',
                        `${path} (watch)`,
                        code ?? 500,
                        (event.object as ApiStatus).reason,
                        (event.object as ApiStatus).message,
                      ),
                    ),
                  );
                return;
              }
              if (event.type === 'BOOKMARK') continue;
              if (onEvent(event) === true) {
                req.destroy();
                finish(() => resolve('stopped'));
                return;
              }
            }
          });
          res.on('end', () => finish(() => resolve('eof')));
          res.on('aborted', () => finish(() => resolve('eof')));
          res.on('error', () => finish(() => resolve('eof')));
        },
      );
      req.on('error', (error) => {
        if (options.signal?.aborted) finish(() => resolve('stopped'));
        else if (
          TRANSIENT_CODES.has((error as NodeJS.ErrnoException).code ?? '') ||
          /socket hang up/.test(error.message)
        )
          finish(() => resolve('eof'));
        else finish(() => reject(error));
      });
      req.end();
    });
  }
}

function headersOf(opts: https.RequestOptions): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.headers ?? {})) {
    if (typeof v === 'string') out[k] = v;
    else if (typeof v === 'number') out[k] = String(v);
  }
  if (opts.auth) out['Authorization'] = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
  return out;
}

function parseStatus(body: string): ApiStatus | undefined {
  try {
    const parsed = JSON.parse(body) as unknown;
    return parsed && typeof parsed === 'object' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Path of a namespaced collection or object; names must already be valid Kubernetes names. */
export function apiPath(group: 'core' | 'batch' | 'rbac', resource: string, namespace: string, name?: string): string {
  const prefix =
    group === 'core' ? '/api/v1' : group === 'batch' ? '/apis/batch/v1' : '/apis/rbac.authorization.k8s.io/v1';
  for (const part of [namespace, name]) {
    if (part !== undefined && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(part))
      throw new Error('refusing an invalid Kubernetes name');
  }
  return `${prefix}/namespaces/${namespace}/${resource}${name === undefined ? '' : `/${name}`}`;
}
