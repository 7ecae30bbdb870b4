/**
 * The request pipeline: route → parse → validate against GitHub's schema (recording violations) → authenticate →
 * rate limit → faults → repository / permission checks → GitHub's limits → handler → response validation → record.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { faultReply, type FaultEngine } from './faults.js';
import { answerGraphql } from './graphql.js';
import { HANDLERS } from './handlers/index.js';
import type { HandlerContext } from './handlers/context.js';
import type { CompiledOperation, CompiledSubset } from './openapi-schema.js';
import type { RateLimits, RateResource } from './rate-limits.js';
import { errorReply, invalidRequest, notAccessibleByIntegration, notFound, type Reply } from './reply.js';
import type { Router } from './router.js';
import type { Identity, TokenRegistry } from './tokens.js';
import type { FaultKind, RecordedRequest } from './types.js';
import type { World } from './world.js';

const GENERIC_DOCS = 'https://docs.github.com/rest';
const GRAPHQL_DOCS = 'https://docs.github.com/graphql';

export interface ServerState {
  world: World;
  schema: CompiledSubset;
  router: Router;
  tokens: TokenRegistry;
  rateLimits: RateLimits;
  faults: FaultEngine;
  requests: RecordedRequest[];
  violations: string[];
}

interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  record: RecordedRequest;
  label: string;
  identity: Identity | undefined;
  resource: RateResource;
  requestId: string;
}

let requestSeq = 0;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function recordedHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (name === 'authorization' || value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** GitHub's pagination links use /repositories/{id}/…; serve them as the /repos/{owner}/{repo}/… they stand for. */
function canonicalPath(world: World, pathname: string): string {
  const match = /^\/repositories\/(\d+)(\/.*)?$/.exec(pathname);
  if (!match) return pathname;
  const repoPath = Number(match[1]) === world.repoId ? `/repos/${world.owner}/${world.repo}` : '/repos/-/-';
  return `${repoPath}${match[2] ?? ''}`;
}

function send(state: ServerState, x: Exchange, reply: Reply): void {
  x.record.status = reply.status;
  state.requests.push(x.record);
  const headers: Record<string, string> = {
    'x-github-api-version-selected': '2022-11-28',
    'x-github-media-type': 'github.v3; format=json',
    'x-github-request-id': x.requestId,
    ...state.rateLimits.headers(x.identity, x.resource),
    ...reply.headers,
  };
  let payload: string | undefined;
  if (reply.status !== 204 && reply.status !== 304 && reply.body !== undefined) {
    payload = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    headers['content-type'] ??=
      typeof reply.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8';
  }
  x.res.writeHead(reply.status, headers);
  x.res.end(payload);
}

function resetConnection(state: ServerState, x: Exchange): void {
  x.record.status = 0;
  state.requests.push(x.record);
  x.req.socket.resetAndDestroy();
}

function violation(state: ServerState, x: Exchange, message: string): void {
  state.violations.push(`${x.label}: ${message}`);
}

function checkResponse(state: ServerState, op: CompiledOperation, reply: Reply): string | undefined {
  if (op.responses.has(reply.status)) {
    const check = op.responses.get(reply.status);
    if (check) return check(reply.body);
    return reply.body === undefined ? undefined : `status ${reply.status} is documented without a body`;
  }
  // GitHub sends error statuses many operations do not document (401, 403, 404, 422): check the error shape.
  if (reply.status >= 400) return state.schema.checkErrorBody(reply.body);
  return `status ${reply.status} is not documented for ${op.operationId}`;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function handleRequest(state: ServerState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { world } = state;
  const method = (req.method ?? 'GET').toUpperCase();
  const url = new URL(req.url ?? '/', world.apiUrl);
  const raw = await readBody(req);
  const auth = state.tokens.authenticate(req.headers.authorization);
  const identity = typeof auth === 'object' ? auth : undefined;
  const x: Exchange = {
    req,
    res,
    record: {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: recordedHeaders(req),
      body: undefined,
      status: 0,
    },
    label: `${method} ${url.pathname}`,
    identity,
    resource: 'core',
    requestId: `GA57:${(++requestSeq).toString(16).toUpperCase()}:${world.repoId.toString(16).toUpperCase()}`,
  };

  let body: unknown;
  if (raw.length > 0) {
    try {
      body = JSON.parse(raw);
    } catch {
      x.record.body = raw;
      violation(state, x, 'request body is not valid JSON');
      return send(state, x, errorReply(400, 'Problems parsing JSON', GENERIC_DOCS));
    }
  }
  x.record.body = body;

  const isGraphql = method === 'POST' && url.pathname === '/graphql';
  const route = isGraphql ? undefined : state.router(method, canonicalPath(world, url.pathname));
  if (!isGraphql && !route) {
    violation(state, x, 'no such route in the GitHub REST API subset the stand-in serves');
    return send(state, x, errorReply(404, 'Not Found', GENERIC_DOCS));
  }
  x.record.operationId = route?.op.operationId ?? 'graphql';
  if (route) x.label += ` (${route.op.operationId})`;
  if (isGraphql) x.resource = 'graphql';
  const docs = route?.op.docs ?? GRAPHQL_DOCS;

  // Validate before anything can answer, so a bad request is a violation even if it is then refused or faulted.
  const params: Record<string, unknown> = { ...route?.params };
  const query: Record<string, unknown> = { ...x.record.query };
  let bodyProblem: string | undefined;
  if (route) {
    const { op } = route;
    const pathProblem = op.checkPath(params);
    if (pathProblem) {
      violation(state, x, `path parameters: ${pathProblem}`);
      return send(state, x, notFound(docs));
    }
    const queryProblem = op.checkQuery(query);
    if (queryProblem) violation(state, x, `query: ${queryProblem}`);
    if (body === undefined && op.requestBodyRequired) bodyProblem = 'a request body is required';
    else if (body !== undefined && op.checkRequestBody) bodyProblem = op.checkRequestBody(body);
    if (bodyProblem) violation(state, x, `request body: ${bodyProblem}`);
  }

  if (auth === 'missing') return send(state, x, errorReply(401, 'Requires authentication', docs));
  if (auth === 'bad') return send(state, x, errorReply(401, 'Bad credentials', docs));
  const who = auth;

  // GET /rate_limit does not count against the limit, as on GitHub.
  if (route?.op.operationId !== 'rate-limit/get') {
    if (state.rateLimits.isExhausted(who, x.resource)) {
      const message = `API rate limit exceeded for ${who.type === 'Bot' ? 'installation ID 52147296' : 'user ID 1'}.`;
      return send(
        state,
        x,
        errorReply(403, message, 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api'),
      );
    }
    state.rateLimits.consume(who, x.resource);
  }

  const decision = state.faults.decide(method, url.pathname);
  if (decision.latencyMs > 0) {
    x.record.fault = 'latency';
    await sleep(decision.latencyMs);
  }
  const fault: FaultKind | undefined = decision.fault;
  if (fault) x.record.fault = fault.kind;
  if (fault && fault.kind !== 'lost-response' && fault.kind !== 'latency') {
    if (fault.kind === 'connection-reset') {
      if (!fault.afterWrite) return resetConnection(state, x);
    } else {
      return send(state, x, faultReply(fault, { docs, identity: who, requestId: x.requestId }));
    }
  }

  let reply: Reply;
  if (isGraphql) {
    const outcome = answerGraphql(body, who);
    if (outcome.violation) violation(state, x, outcome.violation);
    reply = outcome.reply;
  } else {
    reply = serveRest(state, route!.op, { params, query, body, identity: who, url }, bodyProblem);
  }

  // Checked even when a fault then swallows it: the write happened and produced this answer.
  if (route) {
    const problem = checkResponse(state, route.op, reply);
    if (problem) violation(state, x, `response ${reply.status}: ${problem}`);
  }
  if (fault?.kind === 'lost-response') return send(state, x, errorReply(502, 'Server Error', docs));
  if (fault?.kind === 'connection-reset') return resetConnection(state, x);
  send(state, x, reply);
}

function serveRest(
  state: ServerState,
  op: CompiledOperation,
  input: Pick<HandlerContext, 'params' | 'query' | 'body' | 'identity' | 'url'>,
  bodyProblem: string | undefined,
): Reply {
  const { world } = state;
  if ('owner' in input.params && !world.isThisRepo(input.params['owner'], input.params['repo']))
    return notFound(op.docs);
  if (op.method !== 'get' && input.identity.readOnly) return notAccessibleByIntegration(op.docs);
  const handler = HANDLERS[op.operationId];
  if (!handler) throw new Error(`no handler for ${op.operationId}`);
  const ctx: HandlerContext = { ...input, world, op, rateLimits: state.rateLimits };
  const limit = handler.limits?.(ctx);
  if (limit) return limit;
  if (bodyProblem) return invalidRequest(bodyProblem, op.docs);
  return handler.handle(ctx);
}
