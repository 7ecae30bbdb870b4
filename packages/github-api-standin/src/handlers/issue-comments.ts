/** Issue (and pull request) comments: list with pagination, create, get, update, delete; and an issue's labels. */
import { timestamp } from '../github-objects.js';
import { paginate } from '../pagination.js';
import { notFound, validationFailed, type Reply } from '../reply.js';
import type { IssueComment } from '../types.js';
import { bodyObject, charLength, type HandlerContext, type OperationHandler } from './context.js';

const MAX_COMMENT_CHARS = 65536;

/** Not in GitHub's schema (so not a violation), but GitHub refuses longer bodies with this exact error. */
function bodyLimit(ctx: HandlerContext): Reply | undefined {
  const body = bodyObject(ctx.body)['body'];
  if (typeof body !== 'string' || charLength(body) <= MAX_COMMENT_CHARS) return undefined;
  return validationFailed(ctx.op.docs, {
    resource: 'IssueComment',
    code: 'unprocessable',
    field: 'data',
    message: `Body is too long (maximum is ${MAX_COMMENT_CHARS} characters)`,
  });
}

function findComment(ctx: HandlerContext): IssueComment | undefined {
  return ctx.world.comments.find((c) => c.id === ctx.params['comment_id']);
}

export const listIssueComments: OperationHandler = {
  handle(ctx) {
    const since = ctx.query['since'];
    let comments = ctx.world.commentsOn(Number(ctx.params['issue_number']));
    if (typeof since === 'string') {
      const cutoff = Date.parse(since);
      comments = comments.filter((c) => Date.parse(c.updated_at) >= cutoff);
    }
    const page = paginate(comments, ctx.query, ctx.world.linkBase(ctx.url));
    return { status: 200, body: page.items, ...(page.link ? { headers: { link: page.link } } : {}) };
  },
};

export const createIssueComment: OperationHandler = {
  limits: bodyLimit,
  handle(ctx) {
    const { login, type } = ctx.identity;
    const comment = ctx.world.newComment(
      Number(ctx.params['issue_number']),
      login,
      type,
      String(bodyObject(ctx.body)['body']),
    );
    return { status: 201, body: comment, headers: { location: comment.url } };
  },
};

export const getIssueComment: OperationHandler = {
  handle(ctx) {
    const comment = findComment(ctx);
    return comment ? { status: 200, body: comment } : notFound(ctx.op.docs);
  },
};

export const updateIssueComment: OperationHandler = {
  limits: bodyLimit,
  handle(ctx) {
    const comment = findComment(ctx);
    if (!comment) return notFound(ctx.op.docs);
    comment.body = String(bodyObject(ctx.body)['body']);
    comment.updated_at = timestamp();
    return { status: 200, body: comment };
  },
};

export const deleteIssueComment: OperationHandler = {
  handle(ctx) {
    const index = ctx.world.comments.findIndex((c) => c.id === ctx.params['comment_id']);
    if (index < 0) return notFound(ctx.op.docs);
    ctx.world.comments.splice(index, 1);
    return { status: 204 };
  },
};

/** GET …/issues/{n}/labels: what setLabels gave the issue or pull request, paginated; 404 for no such issue. */
export const listLabelsOnIssue: OperationHandler = {
  handle(ctx) {
    const labels = ctx.world.labelsOn(Number(ctx.params['issue_number']));
    if (!labels) return notFound(ctx.op.docs);
    const page = paginate(labels, ctx.query, ctx.world.linkBase(ctx.url));
    return { status: 200, body: page.items, ...(page.link ? { headers: { link: page.link } } : {}) };
  },
};
