/** operationId → handler. Every operation in OPERATIONS must have one (checked at startup). */
import {
  createCheckRun,
  getCheckRun,
  listCheckRunAnnotations,
  listCheckRunsForRef,
  updateCheckRun,
} from './check-runs.js';
import type { OperationHandler } from './context.js';
import {
  createIssueComment,
  deleteIssueComment,
  getIssueComment,
  listIssueComments,
  listLabelsOnIssue,
  updateIssueComment,
} from './issue-comments.js';
import { getAuthenticatedUser, getPull, getRateLimit } from './pulls-and-account.js';
import { listJobsForWorkflowRunAttempt } from './workflow-jobs.js';

export const HANDLERS: Readonly<Record<string, OperationHandler>> = {
  'actions/list-jobs-for-workflow-run-attempt': listJobsForWorkflowRunAttempt,
  'checks/create': createCheckRun,
  'checks/get': getCheckRun,
  'checks/update': updateCheckRun,
  'checks/list-annotations': listCheckRunAnnotations,
  'checks/list-for-ref': listCheckRunsForRef,
  'issues/list-comments': listIssueComments,
  'issues/create-comment': createIssueComment,
  'issues/get-comment': getIssueComment,
  'issues/update-comment': updateIssueComment,
  'issues/delete-comment': deleteIssueComment,
  'issues/list-labels-on-issue': listLabelsOnIssue,
  'pulls/get': getPull,
  'users/get-authenticated': getAuthenticatedUser,
  'rate-limit/get': getRateLimit,
};
