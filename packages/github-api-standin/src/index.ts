/**
 * A loopback stand-in for GitHub's REST API (the endpoints Gauntlet's reporting uses) that validates every request and
 * response against GitHub's published OpenAPI description. See README.md.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultEngine } from './faults.js';
import { HANDLERS } from './handlers/index.js';
import { compiledSubset } from './openapi-schema.js';
import { RateLimits } from './rate-limits.js';
import { seededRng } from './rng.js';
import { buildRouter } from './router.js';
import { handleRequest, type ServerState } from './server.js';
import { TokenRegistry } from './tokens.js';
import type { GitHubStandIn, StartOptions } from './types.js';
import { World } from './world.js';

export type * from './types.js';

export async function startGitHubStandIn(options: StartOptions = {}): Promise<GitHubStandIn> {
  const schema = compiledSubset();
  const missing = schema.operations.filter((op) => !HANDLERS[op.operationId]);
  if (missing.length) throw new Error(`no handler for ${missing.map((op) => op.operationId).join(', ')}`);

  const seed = options.seed ?? 1;
  // Separate streams: fault draws must not shift generated IDs (see rng.ts).
  const idRng = seededRng(seed);
  const faultRng = seededRng(seed ^ 0x5bd1e995);
  const tokens = new TokenRegistry(idRng, options.tokens);

  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  const world = new World({
    apiUrl: url,
    owner: options.owner ?? 'gauntlet-org',
    repo: options.repo ?? 'gauntlet',
    rng: idRng,
  });
  const state: ServerState = {
    world,
    schema,
    router: buildRouter(schema.operations),
    tokens,
    rateLimits: new RateLimits(),
    faults: new FaultEngine(faultRng),
    requests: [],
    violations: [],
  };
  server.on('request', (req, res) => {
    handleRequest(state, req, res).catch((error: unknown) => {
      // A stand-in bug must fail the test that met it, not hang it.
      state.violations.push(
        `${req.method} ${req.url}: stand-in error: ${error instanceof Error ? error.stack : String(error)}`,
      );
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ message: 'Server Error' }));
    });
  });

  const defaultIdentity = tokens.authenticate(`token ${tokens.defaultToken}`);
  return {
    url,
    token: tokens.defaultToken,
    login: typeof defaultIdentity === 'object' ? defaultIdentity.login : 'github-actions[bot]',
    owner: world.owner,
    repo: world.repo,
    repoId: world.repoId,
    openapiVersion: schema.octokitOpenApiVersion,
    requests: state.requests,
    violations: state.violations,
    faults: { add: (rule) => state.faults.add(rule), clear: () => state.faults.clear() },
    store: {
      checkRuns: world.checkRuns,
      comments: world.comments,
      pulls: world.pulls,
      annotations: world.annotations,
      jobs: world.workflowJobs.jobs,
    },
    seedPull: (number, fields) => {
      world.seedPull(number, fields);
    },
    setLabels: (issueNumber, names) => world.setLabels(issueNumber, names),
    seedComments: (issueNumber, count, opts = {}) => {
      const login = opts.login ?? 'octocat';
      // Spread creation times over the past so `since` filtering has something to cut.
      const start = Date.now() - count * 60_000;
      for (let i = 0; i < count; i++) {
        const body = opts.body?.(i) ?? `Comment ${i + 1}`;
        world.newComment(
          issueNumber,
          login,
          login.endsWith('[bot]') ? 'Bot' : 'User',
          body,
          new Date(start + i * 60_000),
        );
      }
    },
    seedJob: (seed) => world.workflowJobs.seed(seed),
    updateJob: (jobId, changes) => world.workflowJobs.update(jobId, changes),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
