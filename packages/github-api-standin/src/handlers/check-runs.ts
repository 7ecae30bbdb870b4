/** Check runs: create, update (annotations accumulate), get, list annotations, list for a ref. */
import { actionsApp, timestamp, WEB_URL } from '../github-objects.js';
import { paginate } from '../pagination.js';
import { errorReply, invalidRequest, notFound, validationFailed, type Reply } from '../reply.js';
import type { CheckAnnotation, CheckRun } from '../types.js';
import { bodyObject, charLength, type HandlerContext, type OperationHandler } from './context.js';

const MAX_OUTPUT_CHARS = 65535;
const MAX_ANNOTATIONS_PER_REQUEST = 50;

interface AnnotationInput {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  message: string;
  title?: string;
  raw_details?: string;
}

interface OutputInput {
  title?: string;
  summary?: string;
  text?: string;
  annotations?: AnnotationInput[];
}

/** GitHub's check-run limits: 65535 characters (and bytes) per summary/text, 50 annotations per request. */
function outputLimits(ctx: HandlerContext): Reply | undefined {
  const output = bodyObject(bodyObject(ctx.body)['output']);
  for (const field of ['summary', 'text'] as const) {
    const value = output[field];
    if (typeof value !== 'string') continue;
    const chars = charLength(value);
    if (chars > MAX_OUTPUT_CHARS) {
      return invalidRequest(`Only ${MAX_OUTPUT_CHARS} characters are allowed; ${chars} were supplied.`, ctx.op.docs);
    }
    // The database column is bytes: multi-byte text under the character limit can still be refused.
    if (Buffer.byteLength(value, 'utf8') > MAX_OUTPUT_CHARS) {
      return validationFailed(ctx.op.docs, {
        resource: 'CheckRun',
        code: 'custom',
        field,
        message: `${field} exceeds a maximum bytesize of ${MAX_OUTPUT_CHARS}`,
      });
    }
  }
  const annotations = output['annotations'];
  if (Array.isArray(annotations) && annotations.length > MAX_ANNOTATIONS_PER_REQUEST) {
    return invalidRequest(
      `No more than ${MAX_ANNOTATIONS_PER_REQUEST} items are allowed; ${annotations.length} were supplied.`,
      ctx.op.docs,
    );
  }
  return undefined;
}

function toAnnotation(ctx: HandlerContext, run: CheckRun, a: AnnotationInput): CheckAnnotation {
  return {
    path: a.path,
    start_line: a.start_line,
    end_line: a.end_line,
    start_column: a.start_column ?? null,
    end_column: a.end_column ?? null,
    annotation_level: a.annotation_level,
    title: a.title ?? null,
    message: a.message,
    raw_details: a.raw_details ?? null,
    blob_href: `${WEB_URL}/${ctx.world.fullName}/blob/${run.head_sha}/${a.path}`,
  };
}

function appendAnnotations(ctx: HandlerContext, run: CheckRun, output: OutputInput | undefined): void {
  if (!output?.annotations?.length) return;
  const list = ctx.world.annotations.get(run.id) ?? [];
  list.push(...output.annotations.map((a) => toAnnotation(ctx, run, a)));
  ctx.world.annotations.set(run.id, list);
  run.output.annotations_count = list.length;
}

function findRun(ctx: HandlerContext): CheckRun | undefined {
  return ctx.world.checkRuns.find((run) => run.id === ctx.params['check_run_id']);
}

/** pull_requests reflects the pulls seeded so far, as GitHub computes it when serving. */
function served(ctx: HandlerContext, run: CheckRun): CheckRun {
  run.pull_requests = ctx.world.pullRequestsFor(run.head_sha);
  return run;
}

const conclusionMissing = (ctx: HandlerContext): Reply => invalidRequest(`"conclusion" wasn't supplied.`, ctx.op.docs);

export const createCheckRun: OperationHandler = {
  limits: outputLimits,
  handle(ctx) {
    const body = bodyObject(ctx.body);
    const headSha = String(body['head_sha']);
    // head_sha must name an existing commit; anything that is not a full SHA cannot.
    if (!/^[0-9a-f]{40}$/i.test(headSha)) return errorReply(422, `No commit found for SHA: ${headSha}`, ctx.op.docs);
    const conclusion = body['conclusion'] as CheckRun['conclusion'] | undefined;
    // Providing a conclusion sets status to completed.
    const status = conclusion ? 'completed' : ((body['status'] as CheckRun['status'] | undefined) ?? 'queued');
    if (status === 'completed' && !conclusion) return conclusionMissing(ctx);
    const now = timestamp();
    const output = body['output'] as OutputInput | undefined;
    const run = ctx.world.newCheckRun({
      head_sha: headSha.toLowerCase(),
      external_id: (body['external_id'] as string | undefined) ?? '',
      details_url: (body['details_url'] as string | undefined) ?? null,
      status,
      conclusion: conclusion ?? null,
      started_at: (body['started_at'] as string | undefined) ?? now,
      completed_at: status === 'completed' ? ((body['completed_at'] as string | undefined) ?? now) : null,
      output: { title: output?.title ?? null, summary: output?.summary ?? null, text: output?.text ?? null },
      name: String(body['name']),
      app: actionsApp(ctx.world.apiUrl),
    });
    appendAnnotations(ctx, run, output);
    return { status: 201, body: served(ctx, run) };
  },
};

export const updateCheckRun: OperationHandler = {
  limits: outputLimits,
  handle(ctx) {
    const run = findRun(ctx);
    if (!run) return notFound(ctx.op.docs);
    const body = bodyObject(ctx.body);
    const conclusion = body['conclusion'] as CheckRun['conclusion'] | undefined;
    const status = conclusion ? 'completed' : (body['status'] as CheckRun['status'] | undefined);
    if (status === 'completed' && !conclusion && !run.conclusion) return conclusionMissing(ctx);
    if (typeof body['name'] === 'string') run.name = body['name'];
    if (typeof body['details_url'] === 'string') run.details_url = body['details_url'];
    if (typeof body['external_id'] === 'string') run.external_id = body['external_id'];
    if (typeof body['started_at'] === 'string') run.started_at = body['started_at'];
    if (status) run.status = status;
    if (conclusion) run.conclusion = conclusion;
    if (run.status === 'completed')
      run.completed_at = (body['completed_at'] as string | undefined) ?? run.completed_at ?? timestamp();
    const output = body['output'] as OutputInput | undefined;
    if (output) {
      if (output.title !== undefined) run.output.title = output.title;
      if (output.summary !== undefined) run.output.summary = output.summary;
      if (output.text !== undefined) run.output.text = output.text;
      // Each update appends to the run's annotations; they are never replaced.
      appendAnnotations(ctx, run, output);
    }
    return { status: 200, body: served(ctx, run) };
  },
};

export const getCheckRun: OperationHandler = {
  handle(ctx) {
    const run = findRun(ctx);
    return run ? { status: 200, body: served(ctx, run) } : notFound(ctx.op.docs);
  },
};

export const listCheckRunAnnotations: OperationHandler = {
  handle(ctx) {
    const run = findRun(ctx);
    if (!run) return notFound(ctx.op.docs);
    const page = paginate(ctx.world.annotations.get(run.id) ?? [], ctx.query, ctx.world.linkBase(ctx.url));
    return { status: 200, body: page.items, ...(page.link ? { headers: { link: page.link } } : {}) };
  },
};

/** A ref is a SHA, or the head branch of a seeded pull request. */
function resolveRef(ctx: HandlerContext, ref: string): string | undefined {
  if (/^[0-9a-f]{40}$/i.test(ref)) return ref.toLowerCase();
  const branch = ref.replace(/^(refs\/)?heads\//, '');
  for (const pr of ctx.world.pulls.values()) {
    if (pr.head.ref === branch && pr.head.repo?.id === ctx.world.repoId) return pr.head.sha;
  }
  return undefined;
}

export const listCheckRunsForRef: OperationHandler = {
  handle(ctx) {
    const ref = String(ctx.params['ref']);
    const sha = resolveRef(ctx, ref);
    if (!sha) return errorReply(422, `No commit found for SHA: ${ref}`, ctx.op.docs);
    const { check_name: name, status, app_id: appId, filter } = ctx.query;
    let runs = ctx.world.checkRuns.filter(
      (run) =>
        run.head_sha === sha &&
        (name === undefined || run.name === name) &&
        (status === undefined || run.status === status) &&
        (appId === undefined || run.app?.id === appId),
    );
    if (filter !== 'all') {
      // 'latest' (the default): only the most recent run of each name.
      const latest = new Map<string, CheckRun>();
      for (const run of runs) if ((latest.get(run.name)?.id ?? -1) < run.id) latest.set(run.name, run);
      runs = [...latest.values()];
    }
    runs.sort((a, b) => b.id - a.id);
    const page = paginate(runs, ctx.query, ctx.world.linkBase(ctx.url));
    return {
      status: 200,
      body: { total_count: runs.length, check_runs: page.items.map((run) => served(ctx, run)) },
      ...(page.link ? { headers: { link: page.link } } : {}),
    };
  },
};
