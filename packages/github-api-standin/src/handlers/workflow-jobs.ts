/** GET /repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt_number}/jobs, paginated. */
import { paginate } from '../pagination.js';
import { errorReply, notAccessibleByIntegration, notFound } from '../reply.js';
import type { OperationHandler } from './context.js';

export const listJobsForWorkflowRunAttempt: OperationHandler = {
  handle(ctx) {
    // The permission is checked before the run is looked up: without actions: read even a missing run is a 403.
    if (!ctx.identity.canReadActions) {
      return ctx.identity.type === 'Bot'
        ? notAccessibleByIntegration(ctx.op.docs)
        : errorReply(403, 'Resource not accessible by personal access token', ctx.op.docs);
    }
    const jobs = ctx.world.workflowJobs.jobsOf(Number(ctx.params['run_id']), Number(ctx.params['attempt_number']));
    if (!jobs) return notFound(ctx.op.docs);
    const page = paginate(jobs, ctx.query, ctx.world.linkBase(ctx.url));
    return {
      status: 200,
      body: { total_count: jobs.length, jobs: page.items },
      ...(page.link ? { headers: { link: page.link } } : {}),
    };
  },
};
