/**
 * Errors from the Kubernetes API, and the one formatter that turns any error into text for a log or a report.
 *
 * Client errors can carry request headers, URLs with credentials or whole kubeconfigs (an exec plugin's stderr, a
 * proxy's echo of our request). So nothing is printed from an error object wholesale: our own error classes are
 * built from an allow-list of fields (method, path, status, reason, the API's message and field causes), and
 * anything else is reduced to its name and a scrubbed, shortened message.
 */
import { UserError } from '@gauntlet/action-kit';
import { isAbortError } from '@gauntlet/action-kit';

/** One entry of a Status's details.causes: which field, and why. */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

/** The parts of a metav1.Status we read. */
export interface ApiStatus {
  kind?: string;
  status?: string;
  code?: number;
  reason?: string;
  message?: string;
  details?: { name?: string; group?: string; kind?: string; causes?: StatusCause[]; retryAfterSeconds?: number };
}

/** An HTTP error answer from the API server (after retries, if any were allowed). */
export class KubeApiError extends Error {
  readonly status: number;
  readonly reason: string;
  readonly causes: StatusCause[];
  readonly method: string;
  readonly path: string;
  readonly apiMessage: string;
  constructor(method: string, path: string, status: number, body: ApiStatus | undefined) {
    const reason = body?.reason ?? statusText(status);
    const apiMessage = scrubSecrets(body?.message ?? '').slice(0, 2_000);
    super(`${method} ${path}: ${status} ${reason}${apiMessage ? `: ${apiMessage}` : ''}`);
    this.name = 'KubeApiError';
    this.status = status;
    this.reason = reason;
    this.method = method;
    this.path = path;
    this.apiMessage = apiMessage;
    this.causes = (body?.details?.causes ?? []).slice(0, 50).map((cause) => ({
      ...(cause.reason !== undefined ? { reason: String(cause.reason).slice(0, 200) } : {}),
      ...(cause.message !== undefined ? { message: scrubSecrets(String(cause.message)).slice(0, 500) } : {}),
      ...(cause.field !== undefined ? { field: String(cause.field).slice(0, 300) } : {}),
    }));
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/**
 * A transport failure: the connection was refused, reset or timed out. Only the code is kept, and the API server's
 * address (scheme, host and port: never a path, query or credentials), so "connection refused" says by whom.
 */
export class KubeNetworkError extends Error {
  readonly code: string;
  readonly method: string;
  readonly path: string;
  readonly server: string | undefined;
  constructor(method: string, path: string, code: string, server?: string) {
    super(
      `${server ? `cannot reach the API server at ${server} (${describeNetworkCode(code)}): ` : ''}${method} ${path}: network error ${code}`,
    );
    this.name = 'KubeNetworkError';
    this.code = code;
    this.method = method;
    this.path = path;
    this.server = server;
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

function describeNetworkCode(code: string): string {
  const words: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset',
    ETIMEDOUT: 'timed out',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'name resolution failed',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
  };
  return words[code] ?? code;
}

/** Raised when an object that is not ours would be touched: never retried, never worked around. */
export class OwnershipError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'OwnershipError';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

export function isNotFound(error: unknown): boolean {
  return error instanceof KubeApiError && error.status === 404;
}

export function isConflict(error: unknown): boolean {
  return error instanceof KubeApiError && error.status === 409;
}

export function isAlreadyExists(error: unknown): boolean {
  return error instanceof KubeApiError && error.status === 409 && error.reason === 'AlreadyExists';
}

export function isGone(error: unknown): boolean {
  return error instanceof KubeApiError && error.status === 410;
}

const SECRET_PATTERNS: RegExp[] = [
  /\b(authorization|proxy-authorization)\s*[:=]\s*("?)[^\s",;]+(?:\s+[^\s",;]+)?\2/gi,
  /\bbearer\s+[A-Za-z0-9\-._~+/]+=*/gi,
  /\bbasic\s+[A-Za-z0-9+/]{8,}=*/gi,
  /\b(token|access_token|id_token|refresh_token|client-key-data|client_secret|password|secret)(["']?\s*[:=]\s*["']?)[^\s"',;&}]+/gi,
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g,
  /\b[A-Za-z0-9+/]{64,}={0,2}/g,
];

/**
 * Removes anything that looks like a credential from free text: Authorization headers, bearer and basic tokens,
 * `token=`/`password:` pairs, JWTs, PEM private keys and long base64 runs. The words "Authorization", "Bearer" and
 * "token=" themselves never survive, so a leak scanner finds none of them in our output.
 */
export function scrubSecrets(text: string): string {
  let out = text;
  for (const pattern of SECRET_PATTERNS) out = out.replace(pattern, '[redacted]');
  return out.replace(/authorization/gi, 'auth-header').replace(/bearer/gi, 'b-token');
}

/** The allow-list formatter: a one-paragraph description of any error that is safe to log and to publish. */
export function formatKubeError(error: unknown): string {
  if (error instanceof KubeApiError) {
    const causes = error.causes
      .filter((cause) => cause.field || cause.message)
      .slice(0, 10)
      .map((cause) => `${cause.field ? `${cause.field}: ` : ''}${cause.message ?? cause.reason ?? ''}`);
    return causes.length > 0 ? `${error.message} [${causes.join('; ')}]` : error.message;
  }
  if (error instanceof KubeNetworkError) return error.message;
  if (isAbortError(error)) return 'cancelled';
  if (error instanceof UserError) return scrubSecrets(error.message);
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const name = error.name || 'Error';
    const message = scrubSecrets(error.message.split('\n')[0] ?? '').slice(0, 300);
    return `${name}${typeof code === 'string' ? ` (${code.slice(0, 40)})` : ''}: ${message}`;
  }
  return 'unknown error';
}

function statusText(status: number): string {
  const known: Record<number, string> = {
    400: 'BadRequest',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'NotFound',
    405: 'MethodNotAllowed',
    409: 'Conflict',
    410: 'Gone',
    415: 'UnsupportedMediaType',
    422: 'Invalid',
    429: 'TooManyRequests',
    500: 'InternalError',
    502: 'BadGateway',
    503: 'ServiceUnavailable',
    504: 'Timeout',
  };
  return known[status] ?? `HTTP${status}`;
}

/**
 * 500 answers whose Status says the request itself is wrong: server-side apply reports a manifest that does not fit
 * the schema ("failed to create typed patch object (…): .spec.replicas: expected numeric, got string") as 500. A
 * retry gets the same answer, so it fails at once, as kubectl does.
 */
const INVALID_REQUEST_MESSAGE =
  /^(?:failed to create typed patch object|failed to create manager for existing fields|error decoding|unable to decode|json: cannot unmarshal)/;

export function saysInvalid(code: number, status: ApiStatus | undefined): boolean {
  if (code !== 500 || !status) return false;
  return (
    status.reason === 'Invalid' ||
    status.reason === 'BadRequest' ||
    INVALID_REQUEST_MESSAGE.test((status.message ?? '').trim())
  );
}
