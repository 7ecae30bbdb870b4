/** GET /repos/{owner}/{repo}/pulls/{n}, GET /user and GET /rate_limit. */
import { privateUser } from '../github-objects.js';
import { notAccessibleByIntegration, notFound } from '../reply.js';
import type { OperationHandler } from './context.js';

export const getPull: OperationHandler = {
  handle(ctx) {
    const number = Number(ctx.params['pull_number']);
    const pr = ctx.world.pulls.get(number);
    if (!pr) return notFound(ctx.op.docs);
    pr.comments = ctx.world.commentsOn(number).length;
    return { status: 200, body: pr };
  },
};

/** GitHub answers installation tokens (GITHUB_TOKEN) 403 here: they are not a user. */
export const getAuthenticatedUser: OperationHandler = {
  handle(ctx) {
    if (!ctx.identity.canReadUser) return notAccessibleByIntegration(ctx.op.docs);
    return { status: 200, body: privateUser(ctx.world.apiUrl, ctx.identity.login) };
  },
};

export const getRateLimit: OperationHandler = {
  handle(ctx) {
    const { identity, rateLimits } = ctx;
    const core = rateLimits.status(identity, 'core');
    const fixed = (limit: number) => ({ limit, remaining: limit, reset: core.reset, used: 0 });
    return {
      status: 200,
      body: {
        resources: {
          core,
          search: rateLimits.status(identity, 'search'),
          graphql: rateLimits.status(identity, 'graphql'),
          integration_manifest: fixed(5000),
          source_import: fixed(100),
          code_scanning_upload: fixed(1000),
          actions_runner_registration: fixed(10000),
          scim: fixed(15000),
          dependency_snapshots: fixed(100),
          code_search: fixed(10),
          audit_log: fixed(1750),
        },
        // `rate` is the deprecated mirror of resources.core, still sent.
        rate: core,
      },
    };
  },
};
