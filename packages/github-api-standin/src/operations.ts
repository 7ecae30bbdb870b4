/**
 * The GitHub REST operations the stand-in serves. This list drives both the OpenAPI extraction script and the
 * router, so an operation cannot be served without its schema being in openapi/subset.json.
 */
export interface OperationSpec {
  operationId: string;
  method: 'get' | 'post' | 'patch' | 'put' | 'delete';
  path: string;
  /** documentation_url GitHub puts in this operation's error bodies. */
  docs: string;
}

export const OPERATIONS: readonly OperationSpec[] = [
  {
    operationId: 'actions/list-jobs-for-workflow-run-attempt',
    method: 'get',
    path: '/repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt_number}/jobs',
    docs: 'https://docs.github.com/rest/actions/workflow-jobs#list-jobs-for-a-workflow-run-attempt',
  },
  {
    operationId: 'checks/create',
    method: 'post',
    path: '/repos/{owner}/{repo}/check-runs',
    docs: 'https://docs.github.com/rest/checks/runs#create-a-check-run',
  },
  {
    operationId: 'checks/get',
    method: 'get',
    path: '/repos/{owner}/{repo}/check-runs/{check_run_id}',
    docs: 'https://docs.github.com/rest/checks/runs#get-a-check-run',
  },
  {
    operationId: 'checks/update',
    method: 'patch',
    path: '/repos/{owner}/{repo}/check-runs/{check_run_id}',
    docs: 'https://docs.github.com/rest/checks/runs#update-a-check-run',
  },
  {
    operationId: 'checks/list-annotations',
    method: 'get',
    path: '/repos/{owner}/{repo}/check-runs/{check_run_id}/annotations',
    docs: 'https://docs.github.com/rest/checks/runs#list-check-run-annotations',
  },
  {
    operationId: 'checks/list-for-ref',
    method: 'get',
    path: '/repos/{owner}/{repo}/commits/{ref}/check-runs',
    docs: 'https://docs.github.com/rest/checks/runs#list-check-runs-for-a-git-reference',
  },
  {
    operationId: 'issues/list-comments',
    method: 'get',
    path: '/repos/{owner}/{repo}/issues/{issue_number}/comments',
    docs: 'https://docs.github.com/rest/issues/comments#list-issue-comments',
  },
  {
    operationId: 'issues/create-comment',
    method: 'post',
    path: '/repos/{owner}/{repo}/issues/{issue_number}/comments',
    docs: 'https://docs.github.com/rest/issues/comments#create-an-issue-comment',
  },
  {
    operationId: 'issues/get-comment',
    method: 'get',
    path: '/repos/{owner}/{repo}/issues/comments/{comment_id}',
    docs: 'https://docs.github.com/rest/issues/comments#get-an-issue-comment',
  },
  {
    operationId: 'issues/update-comment',
    method: 'patch',
    path: '/repos/{owner}/{repo}/issues/comments/{comment_id}',
    docs: 'https://docs.github.com/rest/issues/comments#update-an-issue-comment',
  },
  {
    operationId: 'issues/delete-comment',
    method: 'delete',
    path: '/repos/{owner}/{repo}/issues/comments/{comment_id}',
    docs: 'https://docs.github.com/rest/issues/comments#delete-an-issue-comment',
  },
  {
    operationId: 'issues/list-labels-on-issue',
    method: 'get',
    path: '/repos/{owner}/{repo}/issues/{issue_number}/labels',
    docs: 'https://docs.github.com/rest/issues/labels#list-labels-for-an-issue',
  },
  {
    operationId: 'pulls/get',
    method: 'get',
    path: '/repos/{owner}/{repo}/pulls/{pull_number}',
    docs: 'https://docs.github.com/rest/pulls/pulls#get-a-pull-request',
  },
  {
    operationId: 'users/get-authenticated',
    method: 'get',
    path: '/user',
    docs: 'https://docs.github.com/rest/users/users#get-the-authenticated-user',
  },
  {
    operationId: 'rate-limit/get',
    method: 'get',
    path: '/rate_limit',
    docs: 'https://docs.github.com/rest/rate-limit/rate-limit#get-rate-limit-status-for-the-authenticated-user',
  },
];

/**
 * Error body schemas. GitHub answers many statuses an operation does not document (a 403 from a read-only token, a
 * 422 from a limit, a 404 for another repository); those bodies are validated against these general shapes.
 */
export const ERROR_SCHEMAS = ['basic-error', 'validation-error', 'validation-error-simple'] as const;
