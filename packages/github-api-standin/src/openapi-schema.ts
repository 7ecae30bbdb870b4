/**
 * Compiles the committed OpenAPI subset (openapi/subset.json) into ajv validators.
 *
 * GitHub's description is OpenAPI 3.0: `nullable: true` beside `type`, nullable enums that omit null, a
 * `discriminator` beside oneOf, and `example`/`x-*` annotations. Those are translated to plain JSON Schema (draft-07,
 * ajv's default) before compiling, so that e.g. `conclusion: null` on an in-progress check run validates while
 * `conclusion: 'bogus'` does not.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import formatsPlugin from 'ajv-formats';
import { ERROR_SCHEMAS, OPERATIONS, type OperationSpec } from './operations.js';

type JsonObject = Record<string, unknown>;

interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: JsonObject;
  'x-multi-segment'?: boolean;
}

interface OpenApiOperation {
  operationId: string;
  parameters?: OpenApiParameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: JsonObject }> };
  responses: Record<string, { content?: Record<string, { schema?: JsonObject }> }>;
}

interface Subset {
  'x-octokit-openapi-version': string;
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, JsonObject> };
}

export const SUBSET_FILE = fileURLToPath(new URL('../openapi/subset.json', import.meta.url));

/** Translates one OpenAPI 3.0 schema object (already $ref-free) into JSON Schema draft-07. */
export function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (typeof node !== 'object' || node === null) return node;
  const source = node as JsonObject;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(source)) {
    // Annotations ajv would reject in strict mode or that carry no constraint.
    if (key === 'example' || key === 'discriminator' || key === 'nullable' || key.startsWith('x-')) continue;
    // `properties` maps names to schemas: a property may legitimately be called 'example' or 'nullable'.
    out[key] =
      key === 'properties' && typeof value === 'object' && value !== null
        ? Object.fromEntries(Object.entries(value).map(([name, schema]) => [name, toJsonSchema(schema)]))
        : toJsonSchema(value);
  }
  if (source['nullable'] === true) {
    if (typeof out['type'] === 'string') out['type'] = [out['type'], 'null'];
    else if (out['type'] === undefined) return { anyOf: [out, { type: 'null' }] };
    if (Array.isArray(out['enum']) && !out['enum'].includes(null)) out['enum'] = [...out['enum'], null];
  }
  return out;
}

function formatErrors(errors: ErrorObject[] | null | undefined): string {
  if (!errors?.length) return 'invalid';
  // Missing required properties of one object are folded into one line, so a wholly wrong object does not hide
  // the other problems behind a dozen "must have required property" lines.
  const missing = new Map<string, string[]>();
  const lines: string[] = [];
  for (const error of errors) {
    const where = error.instancePath || '/';
    if (error.keyword === 'required') {
      const property = (error.params as { missingProperty: string }).missingProperty;
      const list = missing.get(where) ?? [];
      if (!list.length) lines.push(where);
      missing.set(where, [...list, `'${property}'`]);
      continue;
    }
    const extra =
      error.keyword === 'additionalProperties'
        ? ` '${String((error.params as { additionalProperty?: string }).additionalProperty)}'`
        : error.keyword === 'enum'
          ? ` ${JSON.stringify((error.params as { allowedValues?: unknown }).allowedValues)}`
          : '';
    lines.push(`${where} ${error.message ?? error.keyword}${extra}`);
  }
  const shown = lines.map((line) => {
    const props = missing.get(line);
    if (!props) return line;
    return `${line} must have required ${props.length === 1 ? 'property' : 'properties'} ${props.join(', ')}`;
  });
  const unique = [...new Set(shown)];
  return unique.slice(0, 8).join('; ') + (unique.length > 8 ? ` (+${unique.length - 8} more)` : '');
}

/** A validator result: undefined when valid, else a human-readable reason. */
export type Check = (value: unknown) => string | undefined;

function check(validate: ValidateFunction): Check {
  return (value) => (validate(value) ? undefined : formatErrors(validate.errors));
}

export interface CompiledOperation extends OperationSpec {
  pathParams: OpenApiParameter[];
  /** Validates (and coerces, in place) the path parameters object. */
  checkPath: Check;
  /** Validates (and coerces, in place, filling defaults) the query object. Unknown query keys are ignored, as GitHub does. */
  checkQuery: Check;
  requestBodyRequired: boolean;
  checkRequestBody: Check | undefined;
  /** Statuses the description documents; a body check for each one with a JSON body. */
  responses: Map<number, Check | undefined>;
}

export interface CompiledSubset {
  octokitOpenApiVersion: string;
  operations: CompiledOperation[];
  /** For error statuses an operation does not document (GitHub sends them anyway). */
  checkErrorBody: Check;
}

function paramsSchema(params: OpenApiParameter[]): JsonObject {
  return {
    type: 'object',
    properties: Object.fromEntries(params.map((p) => [p.name, toJsonSchema(p.schema ?? {})])),
    required: params.filter((p) => p.required).map((p) => p.name),
  };
}

function jsonSchemaOf(content: Record<string, { schema?: JsonObject }> | undefined): JsonObject | undefined {
  return content?.['application/json']?.schema;
}

let cached: CompiledSubset | undefined;

/** Compiling takes ~1 s (pulls/get alone inlines a full repository schema twice), so it is done once per process. */
export function compiledSubset(): CompiledSubset {
  cached ??= compile(JSON.parse(readFileSync(SUBSET_FILE, 'utf8')) as Subset);
  return cached;
}

function compile(subset: Subset): CompiledSubset {
  // ajv-formats is CommonJS: under NodeNext its default import is module.exports, whose .default is the plugin.
  const addFormats = formatsPlugin.default;
  const options = { strict: false, allErrors: true, validateFormats: true } as const;
  const bodies = new Ajv(options);
  addFormats(bodies);
  // Path and query values arrive as strings; coercion turns '30' into 30 as GitHub's router does.
  const params = new Ajv({ ...options, coerceTypes: true, useDefaults: true });
  addFormats(params);

  const operations = OPERATIONS.map((spec): CompiledOperation => {
    const op = subset.paths[spec.path]?.[spec.method];
    if (!op) throw new Error(`${spec.operationId} is missing from ${SUBSET_FILE}: re-run scripts/extract-openapi.ts`);
    const all = op.parameters ?? [];
    const pathParams = all.filter((p) => p.in === 'path');
    const bodySchema = jsonSchemaOf(op.requestBody?.content);
    const responses = new Map<number, Check | undefined>();
    for (const [status, response] of Object.entries(op.responses)) {
      const schema = jsonSchemaOf(response.content);
      responses.set(Number(status), schema ? check(bodies.compile(toJsonSchema(schema) as JsonObject)) : undefined);
    }
    return {
      ...spec,
      pathParams,
      checkPath: check(params.compile(paramsSchema(pathParams))),
      checkQuery: check(params.compile(paramsSchema(all.filter((p) => p.in === 'query')))),
      requestBodyRequired: op.requestBody?.required === true,
      checkRequestBody: bodySchema ? check(bodies.compile(toJsonSchema(bodySchema) as JsonObject)) : undefined,
      responses,
    };
  });

  const errorChecks = ERROR_SCHEMAS.map((name) =>
    check(bodies.compile(toJsonSchema(subset.components.schemas[name]) as JsonObject)),
  );
  return {
    octokitOpenApiVersion: subset['x-octokit-openapi-version'],
    operations,
    // basic-error accepts any object with string message etc.; validation-error adds the `errors` array shape.
    checkErrorBody: (value) => {
      const reasons = errorChecks.map((c) => c(value));
      return reasons.some((r) => r === undefined) ? undefined : reasons.join(' | ');
    },
  };
}
