/**
 * Extracts the GitHub REST operations the stand-in serves from @octokit/openapi's description of api.github.com into
 * openapi/subset.json: a small, committed, self-contained OpenAPI 3.0 document in which every $ref is inlined.
 * The full description is ~13 MB of JSON; tests should not parse it on every run, and a committed subset makes a
 * GitHub schema change show up as a reviewable diff when @octokit/openapi is bumped.
 *
 * Re-runnable: `pnpm exec tsx packages/github-api-standin/scripts/extract-openapi.ts` rewrites the file
 * deterministically (same input version → byte-identical output). `--check` exits 1 if the committed file is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { OPERATIONS, ERROR_SCHEMAS } from '../src/operations.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const here = dirname(fileURLToPath(import.meta.url));
export const SUBSET_PATH = join(here, '..', 'openapi', 'subset.json');
const SOURCE_FILE = 'generated/api.github.com.json';

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Follows a local JSON pointer such as '#/components/schemas/simple-user'. */
function pointer(root: JsonObject, ref: string): Json {
  if (!ref.startsWith('#/')) throw new Error(`Only local $refs are supported, got ${ref}`);
  let node: Json | undefined = root;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    node = isObject(node) ? node[key] : undefined;
    if (node === undefined) throw new Error(`Dangling $ref ${ref}`);
  }
  return node;
}

/**
 * Inlines every $ref. GitHub's schemas for these operations are acyclic; a cycle would make inlining infinite, so it
 * is reported rather than silently truncated. Response/media-type `examples` are dropped: they are large
 * documentation payloads that validation never reads.
 */
function inline(root: JsonObject, node: Json, stack: string[] = []): Json {
  if (Array.isArray(node)) return node.map((item) => inline(root, item, stack));
  if (!isObject(node)) return node;
  const ref = node['$ref'];
  if (typeof ref === 'string') {
    if (stack.includes(ref)) throw new Error(`Cyclic $ref ${[...stack, ref].join(' -> ')}`);
    return inline(root, pointer(root, ref), [...stack, ref]);
  }
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'examples' && isObject(value)) continue;
    out[key] = inline(root, value, stack);
  }
  return out;
}

export async function extractSubset(): Promise<string> {
  const require = createRequire(import.meta.url);
  const packageJsonPath = require.resolve('@octokit/openapi/package.json');
  const packageDir = dirname(packageJsonPath);
  const version = (JSON.parse(readFileSync(packageJsonPath, 'utf8')) as { version: string }).version;
  const source = JSON.parse(readFileSync(join(packageDir, SOURCE_FILE), 'utf8')) as JsonObject;
  const sourcePaths = source['paths'] as JsonObject;

  const paths: JsonObject = {};
  for (const op of OPERATIONS) {
    const pathItem = sourcePaths[op.path];
    const operation = isObject(pathItem) ? pathItem[op.method] : undefined;
    if (!isObject(operation)) throw new Error(`${op.method.toUpperCase()} ${op.path} is not in ${SOURCE_FILE}`);
    if (operation['operationId'] !== op.operationId) {
      throw new Error(
        `${op.method} ${op.path} is ${JSON.stringify(operation['operationId'])}, expected ${op.operationId}`,
      );
    }
    const target = (paths[op.path] ??= {}) as JsonObject;
    target[op.method] = inline(source, operation);
  }

  const sourceSchemas = (source['components'] as JsonObject)['schemas'] as JsonObject;
  const schemas: JsonObject = {};
  for (const name of ERROR_SCHEMAS) schemas[name] = inline(source, sourceSchemas[name] ?? null);

  const subset: JsonObject = {
    openapi: source['openapi'] as Json,
    info: {
      title: 'GitHub REST API subset served by @gauntlet/github-api-standin',
      version,
      description: `Extracted by scripts/extract-openapi.ts from @octokit/openapi@${version} ${SOURCE_FILE}. Do not edit.`,
    },
    'x-octokit-openapi-version': version,
    'x-source-info': source['info'] as Json,
    paths,
    components: { schemas },
  };
  // Formatted as the repository's prettier config would, so `prettier --check` passes on the committed file.
  const config = (await resolveConfig(SUBSET_PATH)) ?? {};
  return format(JSON.stringify(subset), { ...config, parser: 'json', filepath: SUBSET_PATH });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const fresh = await extractSubset();
  if (process.argv.includes('--check')) {
    const committed = readFileSync(SUBSET_PATH, 'utf8');
    if (committed !== fresh) {
      console.error(`${SUBSET_PATH} is stale: re-run scripts/extract-openapi.ts`);
      process.exit(1);
    }
    console.log(`${SUBSET_PATH} is current`);
  } else {
    writeFileSync(SUBSET_PATH, fresh);
    console.log(`Wrote ${SUBSET_PATH} (${OPERATIONS.length} operations, ${fresh.length} bytes)`);
  }
}
