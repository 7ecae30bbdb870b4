/**
 * POST /graphql. GitHub's GraphQL API is not in the REST OpenAPI description, so its request shape is checked here
 * by hand. Only the queries our suite sends are answered; anything else is a violation, because the stand-in cannot
 * know GitHub's answer.
 */
import type { Reply } from './reply.js';
import type { Identity } from './tokens.js';

const VIEWER_LOGIN = /^(?:query(?:\s+\w+)?\s*(?:\([^)]*\))?\s*)?\{\s*viewer\s*\{\s*login\s*\}\s*\}$/;

export interface GraphqlOutcome {
  reply: Reply;
  violation?: string;
}

function normalise(query: string): string {
  return query
    .replace(/#[^\n]*/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

export function answerGraphql(body: unknown, identity: Identity): GraphqlOutcome {
  const request =
    typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  const query = request?.['query'];
  if (typeof query !== 'string') {
    return {
      reply: {
        status: 200,
        body: { errors: [{ message: 'A query attribute must be specified and must be a string.' }] },
      },
      violation: 'request body: must be an object with a string "query"',
    };
  }
  const variables = request?.['variables'];
  if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) {
    return {
      reply: { status: 200, body: { errors: [{ message: 'Variables are invalid JSON.' }] } },
      violation: 'request body: "variables" must be an object',
    };
  }
  const text = normalise(query);
  if (/^mutation\b/.test(text) && identity.readOnly) {
    return {
      reply: {
        status: 200,
        body: {
          data: null,
          errors: [{ type: 'FORBIDDEN', path: [], locations: [], message: 'Resource not accessible by integration' }],
        },
      },
    };
  }
  if (VIEWER_LOGIN.test(text)) return { reply: { status: 200, body: { data: { viewer: { login: identity.login } } } } };
  return {
    reply: { status: 200, body: { errors: [{ message: 'The GitHub stand-in does not implement this query.' }] } },
    violation: `unsupported GraphQL query: ${text.slice(0, 200)}`,
  };
}
