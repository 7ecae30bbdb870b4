/** What a handler answers, and GitHub's error bodies (since 2024 they carry `status` as a string). */
export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export function errorReply(status: number, message: string, docs: string, headers?: Record<string, string>): Reply {
  return {
    status,
    body: { message, documentation_url: docs, status: String(status) },
    ...(headers ? { headers } : {}),
  };
}

export const notFound = (docs: string): Reply => errorReply(404, 'Not Found', docs);

/** 403 GitHub sends when the token's installation lacks a permission, e.g. a fork PR's read-only GITHUB_TOKEN. */
export const notAccessibleByIntegration = (docs: string): Reply =>
  errorReply(403, 'Resource not accessible by integration', docs);

/** 422 from GitHub's JSON-schema layer, e.g. "Invalid request.\n\nNo more than 50 items are allowed; 51 were supplied." */
export const invalidRequest = (detail: string, docs: string): Reply =>
  errorReply(422, `Invalid request.\n\n${detail}`, docs);

/** 422 from GitHub's model validations (the `errors` array form). */
export function validationFailed(
  docs: string,
  error: { resource: string; code: string; field: string; message?: string },
): Reply {
  return {
    status: 422,
    body: { message: 'Validation Failed', errors: [error], documentation_url: docs, status: '422' },
  };
}
