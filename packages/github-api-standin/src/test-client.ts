/** A minimal fetch wrapper for the stand-in's own tests: exact control over method, path, headers and body. */
import type { GitHubStandIn } from './types.js';

export interface ApiResponse {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests index freely into arbitrary JSON bodies
  body: any;
}

export interface ApiCall {
  (method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse>;
}

/** `path` may start with `{repo}`, which stands for /repos/{owner}/{repo}. */
export function apiClient(standIn: GitHubStandIn, token: string | null = standIn.token): ApiCall {
  return async (method, path, body, headers = {}) => {
    const url = path.startsWith('http')
      ? path
      : `${standIn.url}${path.replace('{repo}', `/repos/${standIn.owner}/${standIn.repo}`)}`;
    const response = await fetch(url, {
      method,
      headers: {
        accept: 'application/vnd.github+json',
        ...(token === null ? {} : { authorization: `token ${token}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON (e.g. a custom fault body): keep the text.
    }
    return { status: response.status, headers: response.headers, body: parsed };
  };
}

export const SHA = 'a'.repeat(40);

export function annotations(count: number, level: 'notice' | 'warning' | 'failure' = 'warning') {
  return Array.from({ length: count }, (_, i) => ({
    path: `src/file${i}.ts`,
    start_line: i + 1,
    end_line: i + 1,
    annotation_level: level,
    message: `problem ${i}`,
  }));
}
