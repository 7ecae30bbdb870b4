/**
 * Programmable faults. Rules are checked in the order added; every matching `latency` rule adds its delay, and the
 * first other matching rule that fires decides the outcome. A rule's `times` is only spent when it fires.
 */
import { errorReply, notAccessibleByIntegration, type Reply } from './reply.js';
import type { Rng } from './rng.js';
import type { FaultKind, FaultRule } from './types.js';

interface ActiveRule {
  rule: FaultRule;
  path: RegExp | undefined;
  remaining: number;
}

export interface FaultDecision {
  latencyMs: number;
  fault: FaultKind | undefined;
}

export class FaultEngine {
  private rules: ActiveRule[] = [];

  constructor(private readonly rng: Rng) {}

  add(rule: FaultRule): void {
    if (rule.probability !== undefined && !(rule.probability >= 0 && rule.probability <= 1)) {
      throw new RangeError(`fault probability must be within [0, 1], got ${rule.probability}`);
    }
    const path =
      rule.path === undefined ? undefined : typeof rule.path === 'string' ? new RegExp(rule.path) : rule.path;
    this.rules.push({ rule, path, remaining: rule.times ?? Number.POSITIVE_INFINITY });
  }

  clear(): void {
    this.rules = [];
  }

  decide(method: string, path: string): FaultDecision {
    let latencyMs = 0;
    let fault: FaultKind | undefined;
    for (const active of this.rules) {
      const { rule } = active;
      if (active.remaining <= 0) continue;
      if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) continue;
      if (active.path) {
        active.path.lastIndex = 0; // a /g or /y RegExp would otherwise alternate between match and miss
        if (!active.path.test(path)) continue;
      }
      if (rule.kind !== 'latency' && fault) continue;
      if (rule.probability !== undefined && this.rng() >= rule.probability) continue;
      active.remaining--;
      if (rule.kind === 'latency') latencyMs += rule.ms;
      else fault = rule;
    }
    return { latencyMs, fault };
  }
}

const RATE_LIMIT_DOCS = 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api';

/**
 * The response for a fault that answers instead of the handler. `lost-response` and `connection-reset` are carried out
 * by the server, since they depend on whether the write is applied.
 */
export function faultReply(
  fault: Exclude<FaultKind, { kind: 'lost-response' | 'connection-reset' | 'latency' }>,
  ctx: { docs: string; identity: { login: string; type: 'Bot' | 'User' } | undefined; requestId: string },
): Reply {
  switch (fault.kind) {
    case 'status': {
      const reply = errorReply(fault.status, statusMessage(fault.status), ctx.docs, fault.headers);
      return fault.body === undefined ? reply : { ...reply, body: fault.body };
    }
    case 'primary-rate-limit': {
      const who =
        ctx.identity?.type === 'Bot' ? 'installation ID 52147296' : `user ID ${ctx.identity ? '1' : 'anonymous'}`;
      const reset = Math.floor(Date.now() / 1000) + (fault.resetAfterSeconds ?? 1);
      return errorReply(
        fault.status ?? 403,
        `API rate limit exceeded for ${who}.`,
        `${RATE_LIMIT_DOCS}#primary-rate-limit`,
        {
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': String(reset),
        },
      );
    }
    case 'secondary-rate-limit':
      return errorReply(
        fault.status ?? 403,
        'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. ' +
          `If you reach out to GitHub Support for help, please include the request ID ${ctx.requestId}.`,
        `${RATE_LIMIT_DOCS}#about-secondary-rate-limits`,
        fault.retryAfterSeconds === undefined ? undefined : { 'retry-after': String(fault.retryAfterSeconds) },
      );
    case 'forbidden-integration':
      return notAccessibleByIntegration(ctx.docs);
  }
}

function statusMessage(status: number): string {
  if (status === 500 || status === 502) return 'Server Error';
  if (status === 503) return 'Service Unavailable';
  if (status === 404) return 'Not Found';
  if (status === 422) return 'Validation Failed';
  return `HTTP ${status}`;
}
