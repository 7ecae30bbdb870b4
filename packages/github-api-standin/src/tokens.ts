/** Token registry: which token strings are accepted and who they authenticate as. */
import { ACTIONS_BOT } from './github-objects.js';
import { randomAlphanumeric, type Rng } from './rng.js';
import type { TokenSpec } from './types.js';

export interface Identity {
  token: string;
  login: string;
  type: 'Bot' | 'User';
  readOnly: boolean;
  canReadUser: boolean;
  /** The token has `actions: read`: the Actions API (a run's jobs) answers; otherwise 403. */
  canReadActions: boolean;
  /** Requests per hour: 1,000 for GITHUB_TOKEN-style (Bot) tokens, 5,000 for user tokens, as GitHub documents. */
  rateLimit: number;
}

export class TokenRegistry {
  readonly defaultToken: string;
  private readonly byToken = new Map<string, Identity>();

  constructor(rng: Rng, extra: Record<string, TokenSpec> = {}) {
    // Installation tokens (GITHUB_TOKEN) look like ghs_ + 36 alphanumerics.
    this.defaultToken = `ghs_${randomAlphanumeric(rng, 36)}`;
    this.register(this.defaultToken, { login: ACTIONS_BOT.login, type: 'Bot' });
    for (const [token, spec] of Object.entries(extra)) this.register(token, spec);
  }

  private register(token: string, spec: TokenSpec): void {
    const type = spec.type ?? 'User';
    this.byToken.set(token, {
      token,
      login: spec.login,
      type,
      readOnly: spec.readOnly ?? false,
      canReadUser: spec.canReadUser ?? type === 'User',
      canReadActions: spec.canReadActions ?? true,
      rateLimit: type === 'Bot' ? 1000 : 5000,
    });
  }

  /**
   * Parses `authorization: token X` or `Bearer X` (scheme case-insensitive, as GitHub accepts).
   * Returns 'missing' without a usable header, 'bad' for an unknown token.
   */
  authenticate(header: string | undefined): Identity | 'missing' | 'bad' {
    const match = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(header ?? '');
    if (!match?.[1]) return header ? 'bad' : 'missing';
    return this.byToken.get(match[1]) ?? 'bad';
  }
}
