/** What the server hands an operation handler once routing, authentication and faults are dealt with. */
import type { CompiledOperation } from '../openapi-schema.js';
import type { RateLimits } from '../rate-limits.js';
import type { Reply } from '../reply.js';
import type { Identity } from '../tokens.js';
import type { World } from '../world.js';

export interface HandlerContext {
  world: World;
  op: CompiledOperation;
  /** Path parameters, coerced to their schema types (check_run_id is a number). */
  params: Record<string, unknown>;
  /** Query parameters, coerced, with schema defaults filled in. */
  query: Record<string, unknown>;
  body: unknown;
  identity: Identity;
  /** The request URL, absolute against the stand-in's base. */
  url: URL;
  rateLimits: RateLimits;
}

export interface OperationHandler {
  /**
   * GitHub's documented limits, checked before the generic schema verdict so a request over a limit gets GitHub's
   * exact message (e.g. "No more than 50 items are allowed; 51 were supplied.").
   */
  limits?: (ctx: HandlerContext) => Reply | undefined;
  handle: (ctx: HandlerContext) => Reply;
}

/** Loosely-typed view of a JSON request body: the schema check has already run. */
export function bodyObject(body: unknown): Record<string, unknown> {
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

/** Characters as GitHub counts them (code points, not UTF-16 units). */
export function charLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}
