import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import tls from 'node:tls';
import axios, { type AxiosInstance } from 'axios';
import { InputError, silentLogger, type Logger } from '@gauntlet/action-kit';
import { systemClock, type Clock } from '@gauntlet/action-kit';
import { Limiter } from './limiter.js';
import { parsePrometheusBody } from './parse-response.js';
import { proxyFor, type ProxyEnv } from './proxy.js';
import { SecretRedactor } from './redact.js';
import type { QueryFault, QueryOutcome } from './types.js';

/**
 * Prometheus HTTP API client for SLO evaluation.
 *
 * - Queries go as form-encoded POST bodies to /api/v1/query and /api/v1/query_range: never through a shell and
 *   never into a URL, so quotes, `$()`, backticks and newlines in PromQL are just bytes.
 * - `partial_response=false` on every request, so Thanos refuses to answer from a subset of stores.
 * - Secrets (bearer token, basic password, credentials in the URL, custom header values) go to `registerSecret`
 *   in the constructor, before any request or log line can carry them; errors are summarised through an
 *   allow-list (status, error type, sanitised server text), never the axios error with its config and headers.
 * - Bounded, jittered retries only for 5xx and connection resets; 400/422 fail at once. Backoff sleeps go
 *   through the injected Clock so tests never wait.
 * - Identical in-flight queries are de-duplicated; at most `concurrency` run at once.
 * - Redirects are not followed (a redirect could carry the Authorization header to another host).
 * - HTTP_PROXY, HTTPS_PROXY, ALL_PROXY and NO_PROXY from `proxyEnv` are honoured (see proxy.ts): https goes
 *   through a CONNECT tunnel, so the proxy never sees the query or the token.
 */
export type PrometheusAuth =
  | { readonly type: 'bearer'; readonly token: string }
  | { readonly type: 'basic'; readonly username: string; readonly password: string };

export interface PrometheusClientOptions {
  /** Base URL, e.g. http://127.0.0.1:9090 or https://thanos.example/prefix. Userinfo becomes basic auth. */
  readonly url: string;
  readonly auth?: PrometheusAuth;
  /** Extra headers such as X-Scope-OrgID; their values are registered as secrets too. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Called for every secret before first use (the action passes core.setSecret). */
  readonly registerSecret: (value: string) => void;
  /** Budget for one query including retries and backoff (default 30 s). */
  readonly timeoutMs?: number;
  /** Retries after the first attempt for 5xx/reset; at most 3 (default 3). */
  readonly maxRetries?: number;
  /** Queries in flight at once (default 4). */
  readonly concurrency?: number;
  readonly backoffBaseMs?: number;
  readonly backoffCapMs?: number;
  /** Largest body accepted (default 64 MiB). */
  readonly maxResponseBytes?: number;
  readonly clock?: Clock;
  /** Random source for jitter, [0, 1). */
  readonly random?: () => number;
  readonly logger?: Logger;
  /** Injected axios instance (tests, custom agents). Defaults to a fresh one. */
  readonly axios?: AxiosInstance;
  /** Where HTTP_PROXY, HTTPS_PROXY, ALL_PROXY and NO_PROXY are read (the step's environment; default process.env). */
  readonly proxyEnv?: ProxyEnv;
  /** Extra CA certificates (PEM) trusted for an https Prometheus, besides Node's (and NODE_EXTRA_CA_CERTS). */
  readonly ca?: string;
  /**
   * Ask for gzip responses (default false). Answers are per-step aggregates, a few kilobytes: compressing them
   * costs Prometheus and us more CPU than it saves on any network a CI runner uses.
   */
  readonly compress?: boolean;
}

export interface RangeParams {
  /** Unix seconds. */
  readonly start: number;
  readonly end: number;
  readonly stepSeconds: number;
}

export interface ClientStats {
  /** Distinct queries sent (after de-duplication). */
  queries: number;
  /** HTTP attempts including retries. */
  attempts: number;
  retries: number;
  /** Calls answered by an identical query already in flight. */
  deduplicated: number;
}

export interface PrometheusClient {
  instant(query: string, timeSeconds: number, signal?: AbortSignal): Promise<QueryOutcome>;
  range(query: string, params: RangeParams, signal?: AbortSignal): Promise<QueryOutcome>;
  /**
   * Whether Prometheus has metadata (HELP/TYPE from a target) for a metric name: it knows the name even when no
   * series of it exists yet. Answers `resultType: 'metadata'`.
   */
  metadata(metric: string, signal?: AbortSignal): Promise<QueryOutcome>;
  readonly stats: Readonly<ClientStats>;
  /** Where queries go, without credentials or query string: safe to print. */
  readonly endpoint: string;
  /** The proxy queries go through, as `http://host:port (HTTPS_PROXY)`, without credentials; undefined when none. */
  readonly proxy?: string;
  /** Scrubs every registered secret (and its encodings) from a text. */
  redact(text: string): string;
}

const RETRYABLE_CODES = new Set(['ECONNRESET', 'EPIPE']);
const METADATA_PATH = '/api/v1/metadata';
const MAX_RETRIES = 3;

export function createPrometheusClient(options: PrometheusClientOptions): PrometheusClient {
  const redactor = new SecretRedactor();
  const register = (value: string): void => {
    if (!value) return;
    options.registerSecret(value);
    redactor.add(value);
  };
  let parsed: URL;
  try {
    parsed = new URL(options.url);
  } catch {
    // Do not echo the URL: it may hold credentials.
    throw new InputError('prometheus-url', 'is not a valid URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new InputError('prometheus-url', `must be http or https, got ${parsed.protocol}`);

  const headers: Record<string, string> = {
    Accept: 'application/json',
    'Accept-Encoding': options.compress ? 'gzip' : 'identity',
    'Content-Type': 'application/x-www-form-urlencoded',
  };
  // Register everything secret first, before anything is logged or sent.
  const urlUser = decodeURIComponent(parsed.username);
  const urlPassword = decodeURIComponent(parsed.password);
  register(urlPassword);
  for (const [, value] of parsed.searchParams) register(value);
  if (options.auth && (urlUser || urlPassword))
    throw new InputError('prometheus-url', 'has credentials and explicit auth was given too; use one');
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name))
      throw new InputError('prometheus-headers', `'${name}' is not a valid header name`);
    if (/[\r\n]/.test(value)) throw new InputError('prometheus-headers', `value of '${name}' contains a line break`);
    register(value);
    headers[name] = value;
  }
  if (options.auth?.type === 'bearer') {
    register(options.auth.token);
    if (/[\r\n]/.test(options.auth.token)) throw new InputError('prometheus-token', 'contains a line break');
    headers.Authorization = `Bearer ${options.auth.token}`;
    register(headers.Authorization);
  } else if (options.auth?.type === 'basic' || urlUser || urlPassword) {
    const user = options.auth?.type === 'basic' ? options.auth.username : urlUser;
    const password = options.auth?.type === 'basic' ? options.auth.password : urlPassword;
    register(password);
    const encoded = Buffer.from(`${user}:${password}`).toString('base64');
    register(encoded);
    headers.Authorization = `Basic ${encoded}`;
  }
  const proxy = proxyFor(parsed, options.proxyEnv ?? process.env);
  for (const secret of proxy?.secrets ?? []) register(secret);
  const via = proxy ? `${proxy.display} (${proxy.variable})` : undefined;
  parsed.username = '';
  parsed.password = '';
  const base = parsed.toString().replace(/\/+$/, '').replace(/\?.*$/, '');
  const search = parsed.search;
  const endpoint = `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/+$/, '')}`;

  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxRetries = Math.min(MAX_RETRIES, Math.max(0, options.maxRetries ?? MAX_RETRIES));
  const baseDelay = options.backoffBaseMs ?? 250;
  const capDelay = options.backoffCapMs ?? 4_000;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const logger = options.logger ?? silentLogger;
  const concurrency = options.concurrency ?? 4;
  const limiter = new Limiter(concurrency);
  // Keep-alive: an evaluation sends tens of queries to one host; new connections per query cost both ends CPU.
  // The proxy decision is ours (proxy.ts): Node's agent gets only the one variable that applies (axios leaves an
  // agent with proxyEnv to Node, which tunnels https with CONNECT). Without a proxy, axios is told `proxy: false`,
  // so neither it nor a NODE_USE_ENV_PROXY default can route around NO_PROXY as we read it.
  const agentOptions = { keepAlive: true, maxSockets: concurrency };
  const httpAgent = new HttpAgent({
    ...agentOptions,
    ...(proxy && parsed.protocol === 'http:' ? { proxyEnv: { HTTP_PROXY: proxy.href } } : {}),
  });
  const httpsAgent = new HttpsAgent({
    ...agentOptions,
    ...(options.ca ? { ca: [...tls.rootCertificates, options.ca] } : {}),
    ...(proxy && parsed.protocol === 'https:' ? { proxyEnv: { HTTPS_PROXY: proxy.href } } : {}),
  });
  const http =
    options.axios ??
    axios.create({
      httpAgent,
      httpsAgent,
      maxRedirects: 0,
      ...(proxy ? {} : { proxy: false as const }),
      maxContentLength: options.maxResponseBytes ?? 64 * 1024 * 1024,
      maxBodyLength: 16 * 1024 * 1024,
      // We classify every status ourselves and parse the text ourselves (malformed JSON must be seen as such).
      validateStatus: () => true,
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
    });
  const stats: ClientStats = { queries: 0, attempts: 0, retries: 0, deduplicated: 0 };
  const inflight = new Map<string, Promise<QueryOutcome>>();

  async function attempt(path: string, form: URLSearchParams, budgetMs: number, signal?: AbortSignal) {
    // The metadata API answers GET only; its one parameter (a metric name) is no secret and goes in the URL.
    const metadata = path === METADATA_PATH;
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(
      () => {
        timedOut = true;
        controller.abort();
      },
      Math.max(1, budgetMs),
    );
    const onAbort = (): void => controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      stats.attempts += 1;
      const url = metadata
        ? `${base}${path}${search ? `${search}&` : '?'}${form.toString()}`
        : `${base}${path}${search}`;
      const response = await http.request<string>({
        method: metadata ? 'GET' : 'POST',
        url,
        ...(metadata ? {} : { data: form.toString() }),
        headers,
        signal: controller.signal,
        timeout: 0,
      });
      const contentType = String(response.headers['content-type'] ?? '');
      const body = typeof response.data === 'string' ? response.data : JSON.stringify(response.data ?? '');
      return {
        kind: 'response' as const,
        parsed: parsePrometheusBody(response.status, contentType, body, redactor, metadata ? 'metadata' : 'query'),
      };
    } catch (error) {
      const code = typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : '';
      if (timedOut)
        return {
          kind: 'fault' as const,
          retryable: false,
          fault: { code: 'timeout', message: `no complete answer within ${budgetMs} ms` } satisfies QueryFault,
        };
      if (signal?.aborted)
        return {
          kind: 'fault' as const,
          retryable: false,
          fault: { code: 'aborted', message: 'cancelled' } satisfies QueryFault,
        };
      if (code === 'ERR_FR_MAX_BODY_LENGTH_EXCEEDED' || /maxContentLength/.test(String((error as Error).message))) {
        return {
          kind: 'fault' as const,
          retryable: false,
          fault: { code: 'bad-response', message: 'response larger than the configured limit' } satisfies QueryFault,
        };
      }
      if (code === 'ERR_PROXY_TUNNEL') {
        // Node's message quotes the proxy's status line; keep only that (the rest names URLs).
        const status = /HTTP\/\d(?:\.\d)? (\d{3}[^\r\n]{0,60})/.exec(String((error as Error).message))?.[1];
        return {
          kind: 'fault' as const,
          retryable: false,
          fault: {
            code: 'connection',
            message: `the proxy ${via ?? ''} refused the tunnel to Prometheus${status ? `: ${redactor.redact(status.trim())}` : ''}`,
          } satisfies QueryFault,
        };
      }
      const retryable = RETRYABLE_CODES.has(code) || /socket hang up/i.test(String((error as Error).message));
      // Allow-list: only the error code, never the message (it can quote the URL) nor the config (headers).
      return {
        kind: 'fault' as const,
        retryable,
        fault: {
          code: 'connection',
          message: `connection failed${code ? ` (${code})` : ''}${via ? ` through the proxy ${via}` : ''}`,
        } satisfies QueryFault,
      };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async function execute(
    path: string,
    form: URLSearchParams,
    label: string,
    signal?: AbortSignal,
  ): Promise<QueryOutcome> {
    const deadline = clock.now() + timeoutMs;
    let attempts = 0;
    for (;;) {
      attempts += 1;
      const remaining = deadline - clock.now();
      const result = await attempt(path, form, remaining, signal);
      let fault: QueryFault;
      let retryable: boolean;
      if (result.kind === 'response') {
        if (result.parsed.ok) {
          const { data, warnings, infos, invalidSamples, invalidExample } = result.parsed;
          return {
            ok: true,
            data,
            warnings,
            infos,
            invalidSamples,
            ...(invalidExample !== undefined ? { invalidExample } : {}),
            attempts,
          };
        }
        fault = result.parsed.fault;
        retryable = result.parsed.retryable;
        // 407 is the proxy's answer, not Prometheus's (plain-http targets are forwarded, not tunnelled).
        if (via && fault.status === 407)
          fault = { ...fault, message: `the proxy ${via} asked for credentials: ${fault.message}` };
      } else {
        fault = result.fault;
        retryable = result.retryable;
      }
      const delay = Math.round(random() * Math.min(capDelay, baseDelay * 2 ** (attempts - 1)));
      if (!retryable || attempts > maxRetries || clock.now() + delay >= deadline) {
        return { ok: false, fault, attempts };
      }
      stats.retries += 1;
      logger.debug(`Prometheus ${label}: ${fault.message}; retry ${attempts}/${maxRetries} in ${delay} ms`);
      try {
        await clock.sleep(delay, signal);
      } catch {
        return { ok: false, fault: { code: 'aborted', message: 'cancelled' }, attempts };
      }
    }
  }

  function submit(
    kind: string,
    path: string,
    fields: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<QueryOutcome> {
    const key = `${kind}\u0000${Object.entries(fields)
      .map(([k, v]) => `${k}=${v}`)
      .join('\u0000')}`;
    const existing = inflight.get(key);
    if (existing) {
      stats.deduplicated += 1;
      return existing;
    }
    const form = new URLSearchParams(path === METADATA_PATH ? fields : { ...fields, partial_response: 'false' });
    stats.queries += 1;
    const promise = limiter.run(() => execute(path, form, kind, signal)).finally(() => inflight.delete(key));
    inflight.set(key, promise);
    return promise;
  }

  return {
    stats,
    endpoint,
    ...(via ? { proxy: via } : {}),
    redact: (text) => redactor.redact(text),
    instant: (query, timeSeconds, signal) =>
      submit('instant', '/api/v1/query', { query, time: formatTime(timeSeconds) }, signal),
    metadata: (metric, signal) => submit('metadata', METADATA_PATH, { metric }, signal),
    range: (query, p, signal) =>
      submit(
        'range',
        '/api/v1/query_range',
        { query, start: formatTime(p.start), end: formatTime(p.end), step: String(p.stepSeconds) },
        signal,
      ),
  };
}

function formatTime(seconds: number): string {
  return (Math.round(seconds * 1000) / 1000).toFixed(3);
}
