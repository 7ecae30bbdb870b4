/**
 * The GitHub REST operations the stand-in serves. This list drives both the OpenAPI extraction script and the
 * router, so an operation cannot be served without its schema being in openapi/subset.json.
 */
export interface OperationSpec {
  operationId: string;
  method: 'get' | 'post' | 'patch' | 'put' | 'delete';
  path: string;
}

export const OPERATIONS: readonly OperationSpec[] = [
  { operationId: 'checks/create', method: 'post', path: '/repos/{owner}/{repo}/check-runs' },
  { operationId: 'checks/get', method: 'get', path: '/repos/{owner}/{repo}/check-runs/{check_run_id}' },
  { operationId: 'checks/update', method: 'patch', path: '/repos/{owner}/{repo}/check-runs/{check_run_id}' },
  {
    operationId: 'checks/list-annotations',
    method: 'get',
    path: '/repos/{owner}/{repo}/check-runs/{check_run_id}/annotations',
  },
  { operationId: 'checks/list-for-ref', method: 'get', path: '/repos/{owner}/{repo}/commits/{ref}/check-runs' },
  { operationId: 'issues/list-comments', method: 'get', path: '/repos/{owner}/{repo}/issues/{issue_number}/comments' },
  {
    operationId: 'issues/create-comment',
    method: 'post',
    path: '/repos/{owner}/{repo}/issues/{issue_number}/comments',
  },
  { operationId: 'issues/get-comment', method: 'get', path: '/repos/{owner}/{repo}/issues/comments/{comment_id}' },
  {
    operationId: 'issues/update-comment',
    method: 'patch',
    path: '/repos/{owner}/{repo}/issues/comments/{comment_id}',
  },
  {
    operationId: 'issues/delete-comment',
    method: 'delete',
    path: '/repos/{owner}/{repo}/issues/comments/{comment_id}',
  },
  { operationId: 'pulls/get', method: 'get', path: '/repos/{owner}/{repo}/pulls/{pull_number}' },
  { operationId: 'users/get-authenticated', method: 'get', path: '/user' },
  { operationId: 'rate-limit/get', method: 'get', path: '/rate_limit' },
];

/**
 * Error body schemas. GitHub answers many statuses an operation does not document (a 403 from a read-only token, a
 * 422 from a limit, a 404 for another repository); those bodies are validated against these general shapes.
 */
export const ERROR_SCHEMAS = ['basic-error', 'validation-error', 'validation-error-simple'] as const;
