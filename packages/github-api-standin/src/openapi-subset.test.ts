import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { extractSubset } from '../scripts/extract-openapi.js';
import { compiledSubset, SUBSET_FILE, toJsonSchema } from './openapi-schema.js';
import { OPERATIONS } from './operations.js';

describe('openapi/subset.json', () => {
  it('is what scripts/extract-openapi.ts produces from the installed @octokit/openapi (re-run it after a bump)', async () => {
    expect(readFileSync(SUBSET_FILE, 'utf8')).toBe(await extractSubset());
  });

  it('records the @octokit/openapi version and holds exactly the served operations, $ref-free', () => {
    const installed = (createRequire(import.meta.url)('@octokit/openapi/package.json') as { version: string }).version;
    const text = readFileSync(SUBSET_FILE, 'utf8');
    const subset = JSON.parse(text) as {
      'x-octokit-openapi-version': string;
      paths: Record<string, Record<string, { operationId: string }>>;
    };
    expect(subset['x-octokit-openapi-version']).toBe(installed);
    expect(compiledSubset().octokitOpenApiVersion).toBe(installed);
    const ids = Object.values(subset.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
    expect(ids.sort()).toEqual(OPERATIONS.map((op) => op.operationId).sort());
    expect(text).not.toContain('"$ref"');
  });
});

describe('OpenAPI 3.0 → JSON Schema', () => {
  it('turns nullable into a null type, adds null to nullable enums, and drops annotations', () => {
    expect(toJsonSchema({ type: 'string', nullable: true, example: 'x', 'x-github': {} })).toEqual({
      type: ['string', 'null'],
    });
    expect(toJsonSchema({ type: 'string', enum: ['success', 'failure'], nullable: true })).toEqual({
      type: ['string', 'null'],
      enum: ['success', 'failure', null],
    });
    expect(toJsonSchema({ allOf: [{ type: 'object' }], nullable: true })).toEqual({
      anyOf: [{ allOf: [{ type: 'object' }] }, { type: 'null' }],
    });
    // Property names are not keywords: a property called "example" survives.
    expect(toJsonSchema({ type: 'object', properties: { example: { type: 'string' } } })).toEqual({
      type: 'object',
      properties: { example: { type: 'string' } },
    });
  });

  it('validates GitHub’s nullable check-run conclusion both ways', () => {
    const check = compiledSubset()
      .operations.find((op) => op.operationId === 'checks/get')!
      .responses.get(200)!;
    const problem = check({ conclusion: 'bogus' });
    expect(problem).toContain('/conclusion must be equal to one of the allowed values');
    expect(check({ conclusion: null })).not.toContain('/conclusion');
  });
});
