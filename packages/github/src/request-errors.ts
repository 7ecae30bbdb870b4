/**
 * What a failed GitHub request means for the report. The categories decide what happens next:
 *
 * - `permission`: the token may not do this (fork PR, read-only token, missing `checks: write`). Degrade.
 * - `rate-limited`: the throttling plugin already waited and retried as far as it was allowed to. Degrade.
 * - `not-found`: the object is gone (deleted by a concurrent writer, or never existed).
 * - `unknown-outcome`: 5xx, timeout or reset. The server may have applied the write: look before retrying.
 * - `rejected`: any other 4xx (422 validation and the like). A bug or a limit; degrade.
 *
 * Messages are summarised from the status and the API's own message only: an error object from a client library
 * can carry request headers and URLs, and those must never reach a log or a payload.
 */

import { sanitizeText } from './untrusted-text.js';

export type FailureKind = 'permission' | 'rate-limited' | 'not-found' | 'unknown-outcome' | 'rejected';

export interface ClassifiedFailure {
  readonly kind: FailureKind;
  readonly status?: number;
  /** Safe, one-line description: "HTTP 403: Resource not accessible by integration". */
  readonly description: string;
}

interface ErrorLike {
  status?: unknown;
  message?: unknown;
  response?: { headers?: Record<string, unknown>; data?: unknown };
}

const CREDENTIAL =
  /\b(?:gh[pousr]_[A-Za-z0-9_]{10,}|github_pat_[A-Za-z0-9_]{10,})|\b(?:bearer|token|basic)\s+\S+|\b(?:access_token|token|password|secret)=[^&\s]+/gi;

/** The API's own message, first line, without documentation links or anything credential-shaped. */
export function safeMessage(error: unknown): string {
  const raw = error instanceof Error ? error.message : typeof error === 'string' ? error : 'unknown error';
  const firstLine = raw.split('\n', 1)[0] ?? '';
  return sanitizeText(firstLine)
    .replace(/\s+-\s+https:\/\/docs\.github\.com\S*/g, '')
    .replace(/https?:\/\/\S+/g, '<url>')
    .replace(CREDENTIAL, '***')
    .slice(0, 200);
}

export function statusOf(error: unknown): number | undefined {
  const status = (error as ErrorLike | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

function isRateLimit(error: ErrorLike, status: number | undefined): boolean {
  if (status === 429) return true;
  if (status !== 403) return false;
  const remaining = error.response?.headers?.['x-ratelimit-remaining'];
  return (
    remaining === '0' || remaining === 0 || (typeof error.message === 'string' && /rate limit/i.test(error.message))
  );
}

export function classifyFailure(error: unknown): ClassifiedFailure {
  const status = statusOf(error);
  const description = status === undefined ? safeMessage(error) : `HTTP ${status}: ${safeMessage(error)}`;
  let kind: FailureKind;
  if (status === undefined || status >= 500) kind = 'unknown-outcome';
  else if (isRateLimit(error as ErrorLike, status)) kind = 'rate-limited';
  else if (status === 401 || status === 403) kind = 'permission';
  else if (status === 404 || status === 410) kind = 'not-found';
  else kind = 'rejected';
  return { kind, ...(status === undefined ? {} : { status }), description };
}

/** Thrown inside the reporting code to carry a classified failure up to publishReport. */
export class ReportingError extends Error {
  readonly failure: ClassifiedFailure;
  constructor(what: string, failure: ClassifiedFailure) {
    super(`${what}: ${failure.description}`);
    this.name = 'ReportingError';
    this.failure = failure;
  }
}

export function asReportingError(what: string, error: unknown): ReportingError {
  return error instanceof ReportingError ? error : new ReportingError(what, classifyFailure(error));
}
