/**
 * The Octokit every Gauntlet package uses: @actions/github's client (proxy-aware, REST methods, pagination) with
 * the retry and throttling plugins, configured for reporting:
 *
 * - POSTs are never retried blindly. A 5xx or a reset after a POST may mean it was applied (GitHub answers 502
 *   after committing more often than one would like), so the caller looks again before creating anything twice;
 *   see sticky-comment.ts and check-run.ts. Rate-limit answers are the exception: GitHub did not apply those.
 * - Rate limits: Retry-After (or the primary reset time) is honoured, but only up to `maxWaitSeconds`, and at
 *   most `maxRateLimitRetries` times; after that the request fails and the caller degrades to the job summary.
 * - Every attempt has its own timeout, so a stalled connection cannot hang a job.
 *
 * Tests shrink time with `secondMs` (how long "one second" of Retry-After or back-off is) and `writeSpacingMs`;
 * nothing here sleeps on a wall-clock second of its own.
 */
import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { type Logger } from '@gauntlet/action-kit';
import Bottleneck from 'bottleneck';

export type GitHubClient = ReturnType<typeof getOctokit>;
type Plugin = Parameters<typeof getOctokit>[2];

export interface CreateOctokitOptions {
  readonly logger: Logger;
  /** API root, e.g. GITHUB_API_URL on GHES or a stand-in in tests. Default: @actions/github's default. */
  readonly baseUrl?: string;
  readonly userAgent?: string;
  /** Longest Retry-After or rate-limit reset worth waiting for, in seconds (default 60). */
  readonly maxWaitSeconds?: number;
  /** Retries after a rate-limit answer (default 2). */
  readonly maxRateLimitRetries?: number;
  /** Retries after 5xx/network errors, for idempotent requests only (default 2). */
  readonly maxServerErrorRetries?: number;
  /** Milliseconds in one second of Retry-After and back-off (default 1000; tests use 1). */
  readonly secondMs?: number;
  /** Spacing between writes; GitHub asks for about a second between content-creating requests (default 1000). */
  readonly writeSpacingMs?: number;
  /** Timeout of one HTTP attempt (default 30 s). */
  readonly requestTimeoutMs?: number;
}

interface HookOptions {
  method: string;
  url: string;
  request: { retries?: number; signal?: AbortSignal };
}
interface Hookable {
  hook: {
    wrap(
      name: 'request',
      fn: (request: (o: HookOptions) => Promise<unknown>, o: HookOptions) => Promise<unknown>,
    ): void;
  };
}

/** Innermost hook: runs once per HTTP attempt. */
function attemptGuards(timeoutMs: number): Plugin {
  return ((octokit: Hookable) => {
    octokit.hook.wrap('request', (request, options) => {
      // A POST that failed with a 5xx may have been applied: the retry plugin must leave it to the caller.
      const noRetry = options.method === 'POST' && !/\/graphql$/.test(options.url);
      // A new object, never a mutation: `options.request` can be the client's shared defaults.
      options.request = {
        ...options.request,
        ...(noRetry ? { retries: 0 } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      };
      return request(options);
    });
    return {};
  }) as unknown as Plugin;
}

export function createOctokit(token: string, options: CreateOctokitOptions): GitHubClient {
  const { logger } = options;
  const maxWait = options.maxWaitSeconds ?? 60;
  const maxRetries = options.maxRateLimitRetries ?? 2;
  const secondMs = options.secondMs ?? 1000;
  const spacing = options.writeSpacingMs ?? 1000;

  const onLimit =
    (kind: 'primary' | 'secondary') =>
    (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
      const what = `${request.method} ${request.url}`;
      if (retryCount >= maxRetries) {
        logger.info(`GitHub ${kind} rate limit on ${what}: giving up after ${retryCount} retries.`);
        return false;
      }
      if (retryAfter > maxWait) {
        logger.info(
          `GitHub ${kind} rate limit on ${what}: retry in ${retryAfter} s exceeds the ${maxWait} s bound; giving up.`,
        );
        return false;
      }
      logger.info(
        `GitHub ${kind} rate limit on ${what}: waiting ${retryAfter} s (retry ${retryCount + 1} of ${maxRetries}).`,
      );
      return true;
    };

  // Limiter groups of our own, per client: the plugin's defaults are process-wide and space writes by 1 s (3 s
  // for notifying ones), which is right for one job but would serialise independent clients in one process.
  const group = (settings: Bottleneck.ConstructorOptions) => new Bottleneck.Group(settings);
  const throttle = {
    onRateLimit: onLimit('primary'),
    onSecondaryRateLimit: onLimit('secondary'),
    retryAfterBaseValue: secondMs,
    fallbackSecondaryRateRetryAfter: 60,
    global: group({ maxConcurrent: 10 }),
    auth: group({ maxConcurrent: 1 }),
    write: group({ maxConcurrent: 1, minTime: spacing }),
    search: group({ maxConcurrent: 1, minTime: 2 * spacing }),
    notifications: group({ maxConcurrent: 1, minTime: 3 * spacing }),
  };

  return getOctokit(
    token,
    {
      ...(options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl }),
      userAgent: options.userAgent ?? 'gauntlet-reporting',
      retry: {
        retries: options.maxServerErrorRetries ?? 2,
        retryAfterBaseValue: secondMs,
        // 403/429 are the throttling plugin's; 4xx are final. Only 5xx and network errors are retried here.
        doNotRetry: [400, 401, 403, 404, 409, 410, 422, 429, 451],
      },
      throttle,
      log: {
        debug: (m: string) => logger.debug(m),
        info: (m: string) => logger.debug(m),
        warn: (m: string) => logger.debug(m),
        error: (m: string) => logger.debug(m),
      },
    },
    attemptGuards(options.requestTimeoutMs ?? 30_000),
    retry,
    throttling,
  );
}
