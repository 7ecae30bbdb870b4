/**
 * Per-token, per-resource rate-limit accounting, so every response can carry the x-ratelimit-* headers clients
 * (and @octokit/plugin-throttling) read. Windows are one hour from first use, like GitHub's.
 */
import type { Identity } from './tokens.js';

export type RateResource = 'core' | 'graphql' | 'search';

interface Window {
  used: number;
  reset: number;
}

const ANONYMOUS_LIMIT = 60;

export class RateLimits {
  private readonly windows = new Map<string, Window>();

  private window(key: string): Window {
    const now = Math.floor(Date.now() / 1000);
    let current = this.windows.get(key);
    if (!current || current.reset <= now) {
      current = { used: 0, reset: now + 3600 };
      this.windows.set(key, current);
    }
    return current;
  }

  private limitOf(identity: Identity | undefined, resource: RateResource): number {
    // Search is limited per minute on GitHub (30 authenticated, 10 anonymous); modelled per window here.
    if (resource === 'search') return identity ? 30 : 10;
    return identity?.rateLimit ?? ANONYMOUS_LIMIT;
  }

  consume(identity: Identity | undefined, resource: RateResource): void {
    this.window(`${identity?.token ?? ''}:${resource}`).used++;
  }

  isExhausted(identity: Identity | undefined, resource: RateResource): boolean {
    return this.window(`${identity?.token ?? ''}:${resource}`).used >= this.limitOf(identity, resource);
  }

  status(
    identity: Identity | undefined,
    resource: RateResource,
  ): { limit: number; remaining: number; reset: number; used: number } {
    const window = this.window(`${identity?.token ?? ''}:${resource}`);
    const limit = this.limitOf(identity, resource);
    return { limit, remaining: Math.max(0, limit - window.used), reset: window.reset, used: window.used };
  }

  headers(identity: Identity | undefined, resource: RateResource): Record<string, string> {
    const s = this.status(identity, resource);
    return {
      'x-ratelimit-limit': String(s.limit),
      'x-ratelimit-remaining': String(s.remaining),
      'x-ratelimit-reset': String(s.reset),
      'x-ratelimit-used': String(s.used),
      'x-ratelimit-resource': resource,
    };
  }
}
