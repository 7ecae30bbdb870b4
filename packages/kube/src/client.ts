/**
 * A small REST client for the Kubernetes API over node:http(s), configured from a client-node KubeConfig.
 *
 * Why not the generated client-node API classes: we need things they make awkward or hide — server-side apply with
 * its own content type, per-request idempotency so only safe requests are retried, Retry-After honoured through an
 * injectable clock, a bounded retry budget, a request counter for benchmarks, and errors that never carry request
 * headers. KubeConfig still does what it is good at: parsing kubeconfigs, in-cluster config, exec plugins and
 * auth providers, and the TLS material (`applyToHTTPSOptions`).
 */
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { type Clock, systemClock, isAbortError, abortError } from '@gauntlet/action-kit';
import { type ApiStatus, KubeApiError, KubeNetworkError, saysInvalid } from './errors.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface KubeRequest {
  method: HttpMethod;
  /** Absolute API path, built with resourcePath() or from constants; never from raw user text. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  /**
   * Whether repeating the request is harmless. Defaults: GET, PUT and DELETE yes; POST and PATCH no (a server-side
   * apply PATCH is idempotent and says so). Non-idempotent requests are retried only when the server cannot have
   * processed them: 429 (rejected by priority and fairness before handling) and refused connections.
   */
  idempotent?: boolean;
  signal?: AbortSignal;
  /** Give up retrying when the next attempt would start after this instant (clock time). */
  deadline?: number;
  /** Response as text instead of JSON (pod logs). */
  text?: boolean;
}

export interface RetryPolicy {
  /** Retries after the first attempt, per call. */
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: the call fails instead. */
  maxRetryAfterMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  maxRetries: 8,
  baseDelayMs: 200,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 120_000,
};

export interface RequestRecord {
  /** One number per logical call, shared by its retries: concurrent calls to the same path stay apart. */
  call: number;
  method: HttpMethod;
  path: string;
  attempt: number;
  /** HTTP status, or the network error code. */
  outcome: number | string;
  /** Clock time the attempt was sent. */
  at: number;
  /** Clock time its answer (or network error) arrived. */
  answeredAt: number;
}

export interface KubeClientOptions {
  clock?: Clock;
  retry?: Partial<RetryPolicy>;
  /** Per-request timeout (not for watches), ms. */
  requestTimeoutMs?: number;
  userAgent?: string;
  /** For jitter; tests pass a constant. */
  random?: () => number;
  /** Called after every wire request (each retry counts). */
  onRequest?: (record: RequestRecord) => void;
  /** Max concurrent sockets to the API server. */
  maxSockets?: number;
  /**
   * Called with every credential the client sends (a token or basic-auth value, without its scheme) before the
   * request that uses it: static ones when the client is created, ones from exec plugins and auth providers each
   * time they change. kubeConfigSecrets() cannot see these in advance: an exec plugin makes them at run time.
   */
  registerSecret?: (value: string) => void;
}

export interface WatchEvent<T = KubeObject> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

export interface WatchEnd {
  /**
   * eof: the server closed the stream (normal, e.g. timeoutSeconds); gone: resourceVersion too old (410);
   * stopped: onEvent returned true.
   */
  reason: 'eof' | 'gone' | 'stopped';
  resourceVersion: string | undefined;
  events: number;
}

/** The parts of any Kubernetes object we touch generically. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: unknown;
  status?: unknown;
  [key: string]: unknown;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: Array<{
    apiVersion: string;
    kind: string;
    name: string;
    uid: string;
    controller?: boolean;
    blockOwnerDeletion?: boolean;
  }>;
  managedFields?: unknown[];
}

export interface KubeList<T = KubeObject> {
  kind?: string;
  metadata?: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  items: T[];
}

const DEFAULT_IDEMPOTENT: Record<HttpMethod, boolean> = {
  GET: true,
  PUT: true,
  DELETE: true,
  POST: false,
  PATCH: false,
};
/** Connection failures where the request never reached the server: safe to retry whatever the method. */
const NOT_SENT = new Set(['ECONNREFUSED', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);
/** Failures after which an idempotent request may be retried. */
const TRANSIENT = new Set([
  ...NOT_SENT,
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'EPROTO',
]);
const RETRYABLE_STATUS = new Set([500, 502, 503, 504]);

interface Credentials {
  headers: Record<string, string>;
}

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export class KubeClient {
  readonly server: URL;
  readonly clock: Clock;
  readonly retry: RetryPolicy;
  /** Wire requests sent, by method (retries included). */
  readonly counts: Record<HttpMethod, number> = { GET: 0, POST: 0, PUT: 0, PATCH: 0, DELETE: 0 };
  retries = 0;
  /** Since when every request has failed at the transport level (undefined while the server answers). */
  private outage: { since: number; code: string; failures: number } | undefined;
  private calls = 0;
  private readonly agent: http.Agent;
  private readonly staticCredentials: Credentials | undefined;
  private readonly timeoutMs: number;
  private readonly userAgent: string;
  private readonly random: () => number;
  private readonly onRequest: ((record: RequestRecord) => void) | undefined;
  private readonly registerSecret: ((value: string) => void) | undefined;
  private readonly registered = new Set<string>();

  private constructor(
    private readonly kubeConfig: KubeConfig,
    server: URL,
    agent: http.Agent,
    staticCredentials: Credentials | undefined,
    options: KubeClientOptions,
  ) {
    this.server = server;
    this.agent = agent;
    this.staticCredentials = staticCredentials;
    this.clock = options.clock ?? systemClock;
    this.retry = { ...defaultRetryPolicy, ...options.retry };
    this.timeoutMs = options.requestTimeoutMs ?? 30_000;
    this.userAgent = options.userAgent ?? 'gauntlet';
    this.random = options.random ?? Math.random;
    this.onRequest = options.onRequest;
    this.registerSecret = options.registerSecret;
    if (staticCredentials) this.register(staticCredentials);
  }

  static async create(kubeConfig: KubeConfig, options: KubeClientOptions = {}): Promise<KubeClient> {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    const server = new URL(cluster.server);
    const opts: https.RequestOptions = {};
    await kubeConfig.applyToHTTPSOptions(opts);
    let agent: http.Agent;
    if (cluster.proxyUrl) {
      agent = opts.agent as http.Agent; // client-node builds the proxy agent
    } else if (server.protocol === 'http:') {
      agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 16 });
    } else {
      agent = new https.Agent({
        keepAlive: true,
        maxSockets: options.maxSockets ?? 16,
        ...(opts.ca ? { ca: opts.ca } : {}),
        ...(opts.cert ? { cert: opts.cert } : {}),
        ...(opts.key ? { key: opts.key } : {}),
        ...(opts.pfx ? { pfx: opts.pfx } : {}),
        ...(opts.passphrase ? { passphrase: opts.passphrase } : {}),
        ...(opts.servername ? { servername: opts.servername } : {}),
        ...(opts.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}),
      });
    }
    const user = kubeConfig.getCurrentUser();
    const dynamic = Boolean(user?.exec || user?.authProvider);
    const staticCredentials = dynamic ? undefined : credentialsFrom(opts);
    return new KubeClient(kubeConfig, server, agent, staticCredentials, options);
  }

  /**
   * How long the API server has been unreachable: every request since `since` failed without an HTTP answer
   * (refused, reset, timed out). Undefined while it answers.
   */
  unreachable(): { forMs: number; failures: number; code: string; server: string } | undefined {
    if (!this.outage) return undefined;
    const { since, code, failures } = this.outage;
    return { forMs: this.clock.now() - since, failures, code, server: this.server.origin };
  }

  /** Total wire requests so far. */
  get requestCount(): number {
    return Object.values(this.counts).reduce((a, b) => a + b, 0);
  }

  async get<T = KubeObject>(path: string, query?: KubeRequest['query'], signal?: AbortSignal): Promise<T> {
    return this.request<T>({ method: 'GET', path, ...(query ? { query } : {}), ...(signal ? { signal } : {}) });
  }

  /** GET, or undefined on 404. */
  async getOptional<T = KubeObject>(path: string, signal?: AbortSignal): Promise<T | undefined> {
    try {
      return await this.get<T>(path, undefined, signal);
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  /** Lists every page (limit/continue) of a collection. */
  async list<T = KubeObject>(
    path: string,
    query: KubeRequest['query'] = {},
    signal?: AbortSignal,
  ): Promise<KubeList<T>> {
    const items: T[] = [];
    let next: string | undefined;
    let resourceVersion: string | undefined;
    do {
      const page: KubeList<T> = await this.get<KubeList<T>>(
        path,
        { limit: 500, ...query, ...(next ? { continue: next } : {}) },
        signal,
      );
      items.push(...(page.items ?? []));
      next = page.metadata?.continue || undefined;
      resourceVersion = page.metadata?.resourceVersion;
    } while (next);
    return { items, metadata: resourceVersion ? { resourceVersion } : {} };
  }

  async request<T = KubeObject>(request: KubeRequest): Promise<T> {
    const raw = await this.execute(request);
    if (request.text) return raw as T;
    if (raw === '') return undefined as T;
    return JSON.parse(raw) as T;
  }

  private async execute(request: KubeRequest): Promise<string> {
    const idempotent = request.idempotent ?? DEFAULT_IDEMPOTENT[request.method];
    const url = this.url(request);
    const call = ++this.calls;
    for (let attempt = 0; ; attempt++) {
      if (request.signal?.aborted) throw abortError(request.signal);
      const sentAt = this.clock.now();
      let response: RawResponse;
      try {
        response = await this.send(request, url);
      } catch (error) {
        if (isAbortError(error) || request.signal?.aborted) throw abortError(request.signal);
        const code = networkCode(error);
        this.record({ call, request, attempt, sentAt }, code);
        const retryable = NOT_SENT.has(code) || (idempotent && TRANSIENT.has(code));
        const failure = new KubeNetworkError(request.method, request.path, code, this.server.origin);
        if (!retryable || attempt >= this.retry.maxRetries) throw failure;
        await this.pause(this.backoff(attempt), request, failure);
        continue;
      }
      this.record({ call, request, attempt, sentAt }, response.status);
      if (response.status >= 200 && response.status < 300) return response.body;
      const status = parseStatus(response.body);
      const failure = new KubeApiError(request.method, request.path, response.status, status);
      const retryable =
        response.status === 429 ||
        (idempotent && RETRYABLE_STATUS.has(response.status) && !saysInvalid(response.status, status));
      if (!retryable || attempt >= this.retry.maxRetries) throw failure;
      const retryAfter = retryAfterMs(response.headers['retry-after'], status, this.clock.now());
      if (retryAfter !== undefined && retryAfter > this.retry.maxRetryAfterMs) throw failure;
      await this.pause(Math.max(retryAfter ?? 0, this.backoff(attempt)), request, failure);
    }
  }

  private async pause(ms: number, request: KubeRequest, failure: Error): Promise<void> {
    if (request.deadline !== undefined && this.clock.now() + ms > request.deadline) throw failure;
    this.retries++;
    await this.clock.sleep(ms, request.signal);
  }

  /** Exponential backoff with jitter in [½, 1] of the step, capped. */
  private backoff(attempt: number): number {
    const step = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** attempt);
    return Math.round(step * (0.5 + this.random() * 0.5));
  }

  private record(
    sent: { call: number; request: KubeRequest; attempt: number; sentAt: number },
    outcome: number | string,
  ): void {
    const { call, request, attempt, sentAt } = sent;
    this.counts[request.method]++;
    // Connection health: any HTTP answer means the server is there; a transport failure starts (or continues) an
    // outage. Watches report through the same fields (see watch()).
    if (typeof outcome === 'number') this.outage = undefined;
    else {
      this.outage ??= { since: sentAt, code: outcome, failures: 0 };
      this.outage.failures++;
    }
    this.onRequest?.({
      call,
      method: request.method,
      path: request.path,
      attempt,
      outcome,
      at: sentAt,
      answeredAt: this.clock.now(),
    });
  }

  private async credentials(): Promise<Credentials> {
    if (this.staticCredentials) return this.staticCredentials;
    const opts: https.RequestOptions = {};
    await this.kubeConfig.applyToHTTPSOptions(opts);
    return this.register(credentialsFrom(opts));
  }

  /** Hands each credential value to registerSecret once, before it is sent. */
  private register(credentials: Credentials): Credentials {
    if (!this.registerSecret) return credentials;
    for (const header of Object.values(credentials.headers)) {
      const value = header.replace(/^(Bearer|Basic)\s+/i, '').trim();
      if (value === '' || this.registered.has(value)) continue;
      this.registered.add(value);
      this.registerSecret(value);
    }
    return credentials;
  }

  private url(request: Pick<KubeRequest, 'path' | 'query'>): URL {
    if (!request.path.startsWith('/') || request.path.includes('..') || request.path.includes('?')) {
      throw new Error(`refusing a malformed API path: ${JSON.stringify(request.path.slice(0, 100))}`);
    }
    const base = this.server.pathname.replace(/\/$/, '');
    const url = new URL(base + request.path, this.server);
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url;
  }

  private async send(request: KubeRequest, url: URL): Promise<RawResponse> {
    const credentials = await this.credentials();
    const payload =
      request.body === undefined
        ? undefined
        : typeof request.body === 'string'
          ? request.body
          : JSON.stringify(request.body);
    const headers: Record<string, string> = {
      ...credentials.headers,
      Accept: request.text ? '*/*' : 'application/json',
      'User-Agent': this.userAgent,
    };
    if (payload !== undefined) {
      headers['Content-Type'] = request.contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    const module = url.protocol === 'https:' ? https : http;
    return new Promise<RawResponse>((resolve, reject) => {
      const req = module.request(
        url,
        { method: request.method, agent: this.agent, headers, ...(request.signal ? { signal: request.signal } : {}) },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          res.on('error', reject);
          res.on('aborted', () => reject(codeError('ECONNRESET')));
        },
      );
      req.setTimeout(this.timeoutMs, () => req.destroy(codeError('ETIMEDOUT')));
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /**
   * One watch connection: streams events to `onEvent` until the server ends the stream (eof), answers 410 Gone
   * (gone: relist), `onEvent` returns true (stopped: the caller saw what it waited for), or something fails
   * (thrown). The caller decides whether to rewatch, relist or fall back to polling. An idle stream is cut after
   * `idleTimeoutMs` so a silently dead connection cannot hang a wait.
   */
  async watch<T extends KubeObject = KubeObject>(
    path: string,
    query: Record<string, string | number | boolean | undefined>,
    onEvent: (event: WatchEvent<T>) => boolean | void,
    options: { signal?: AbortSignal; idleTimeoutMs?: number } = {},
  ): Promise<WatchEnd> {
    const url = this.url({ path, query: { ...query, watch: 1, allowWatchBookmarks: true } });
    const credentials = await this.credentials();
    const module = url.protocol === 'https:' ? https : http;
    let resourceVersion = typeof query.resourceVersion === 'string' ? query.resourceVersion : undefined;
    let events = 0;
    const call = ++this.calls;
    const sentAt = this.clock.now();
    return new Promise<WatchEnd>((resolve, reject) => {
      let settled = false;
      const finish = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(idle);
        fn();
      };
      let idle: NodeJS.Timeout = setTimeout(() => undefined, 0);
      const armIdle = (): void => {
        clearTimeout(idle);
        idle = setTimeout(() => req.destroy(codeError('ETIMEDOUT')), options.idleTimeoutMs ?? 90_000);
      };
      const req = module.request(
        url,
        {
          method: 'GET',
          agent: this.agent,
          headers: { ...credentials.headers, Accept: 'application/json', 'User-Agent': this.userAgent },
          ...(options.signal ? { signal: options.signal } : {}),
        },
        (res) => {
          this.record({ call, request: { method: 'GET', path }, attempt: 0, sentAt }, res.statusCode ?? 0);
          if ((res.statusCode ?? 0) >= 300) {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () => {
              const status = parseStatus(Buffer.concat(chunks).toString('utf8'));
              if (res.statusCode === 410) finish(() => resolve({ reason: 'gone', resourceVersion, events }));
              else finish(() => reject(new KubeApiError('GET', `${path} (watch)`, res.statusCode ?? 0, status)));
            });
            return;
          }
          armIdle();
          let buffer = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            armIdle();
            buffer += chunk;
            let newline = buffer.indexOf('\n');
            while (newline >= 0) {
              const line = buffer.slice(0, newline).trim();
              buffer = buffer.slice(newline + 1);
              newline = buffer.indexOf('\n');
              if (line === '') continue;
              let event: WatchEvent<T>;
              try {
                event = JSON.parse(line) as WatchEvent<T>;
              } catch {
                req.destroy(codeError('EPROTO'));
                return;
              }
              if (event.type === 'ERROR') {
                const status = event.object as unknown as ApiStatus;
                if (status.code === 410) {
                  req.destroy();
                  finish(() => resolve({ reason: 'gone', resourceVersion, events }));
                } else {
                  req.destroy();
                  finish(() => reject(new KubeApiError('GET', `${path} (watch)`, status.code ?? 500, status)));
                }
                return;
              }
              const rv = event.object?.metadata?.resourceVersion;
              if (rv) resourceVersion = rv;
              events++;
              if (event.type !== 'BOOKMARK') {
                let stop: boolean | void;
                try {
                  stop = onEvent(event);
                } catch (error) {
                  req.destroy();
                  finish(() => reject(error instanceof Error ? error : new Error(String(error))));
                  return;
                }
                if (stop === true) {
                  finish(() => resolve({ reason: 'stopped', resourceVersion, events }));
                  req.destroy();
                  return;
                }
              }
            }
          });
          res.on('end', () => finish(() => resolve({ reason: 'eof', resourceVersion, events })));
          res.on('aborted', () => finish(() => resolve({ reason: 'eof', resourceVersion, events })));
          res.on('error', (error) => finish(() => reject(error)));
        },
      );
      req.on('error', (error) => {
        if (isAbortError(error) || options.signal?.aborted) finish(() => reject(abortError(options.signal)));
        else if (events > 0 && TRANSIENT.has(networkCode(error)))
          finish(() => resolve({ reason: 'eof', resourceVersion, events }));
        else {
          this.outage ??= { since: this.clock.now(), code: networkCode(error), failures: 0 };
          this.outage.failures++;
          finish(() => reject(new KubeNetworkError('GET', `${path} (watch)`, networkCode(error), this.server.origin)));
        }
      });
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

function credentialsFrom(opts: https.RequestOptions): Credentials {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(opts.headers ?? {})) {
    if (typeof value === 'string') headers[key] = value;
    else if (typeof value === 'number') headers[key] = String(value);
  }
  if (opts.auth) headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
  return { headers };
}

function parseStatus(body: string): ApiStatus | undefined {
  try {
    const parsed = JSON.parse(body) as unknown;
    return parsed && typeof parsed === 'object' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function codeError(code: string): Error {
  const error = new Error(code) as Error & { code: string };
  error.code = code;
  return error;
}

export function networkCode(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && /^[A-Z_]{3,40}$/.test(code)) return code;
  const message = error instanceof Error ? error.message : '';
  if (/socket hang up/i.test(message)) return 'ECONNRESET';
  return 'UNKNOWN';
}

/** Retry-After as delta-seconds or an HTTP date, or the Status's retryAfterSeconds; undefined when absent. */
export function retryAfterMs(
  header: string | string[] | undefined,
  status: ApiStatus | undefined,
  now: number,
): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value !== undefined && value.trim() !== '') {
    const trimmed = value.trim();
    if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
    const date = Date.parse(trimmed);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const seconds = status?.details?.retryAfterSeconds;
  return typeof seconds === 'number' && seconds >= 0 ? seconds * 1000 : undefined;
}
