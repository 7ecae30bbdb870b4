/** The RBAC in the README is the RBAC the integration test proves: the same rules, verb for verb. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadAll } from 'js-yaml';

const read = (relative: string): string => readFileSync(new URL(relative, import.meta.url), 'utf8');

describe('README', () => {
  it('shows exactly the tested rbac.yaml', () => {
    const readme = read('../README.md');
    const block = /```yaml\n# actions\/provision-ephemeral-env\/rbac\.yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    expect(loadAll(block ?? '')).toEqual(loadAll(read('../rbac.yaml')));
  });
});
