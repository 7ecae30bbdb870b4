import { describe, expect, it } from 'vitest';
import { classifyFailure, safeMessage } from './request-errors.js';

const err = (status: number | undefined, message: string, headers: Record<string, string> = {}) =>
  Object.assign(new Error(message), { status, response: { headers } });

describe('classifyFailure', () => {
  it.each([
    [403, 'Resource not accessible by integration', {}, 'permission'],
    [401, 'Bad credentials', {}, 'permission'],
    [403, 'You have exceeded a secondary rate limit', {}, 'rate-limited'],
    [403, 'API rate limit exceeded', { 'x-ratelimit-remaining': '0' }, 'rate-limited'],
    [429, 'Too many requests', {}, 'rate-limited'],
    [404, 'Not Found', {}, 'not-found'],
    [422, 'Validation Failed', {}, 'rejected'],
    [502, 'Server Error', {}, 'unknown-outcome'],
    [undefined, 'socket hang up', {}, 'unknown-outcome'],
  ] as const)('%s %s → %s', (status, message, headers, kind) => {
    expect(classifyFailure(err(status, message, headers)).kind).toBe(kind);
  });

  it('never repeats credentials or URLs', () => {
    const message = safeMessage(
      new Error(
        'Bad token ghs_abcdefghijklmnopqrstuvwxyz0123456789 at https://api.github.com/x?access_token=s3cret\nAuthorization: token zzz',
      ),
    );
    expect(message).not.toMatch(/ghs_|s3cret|zzz|https/);
    expect(message).toContain('***');
  });
});
