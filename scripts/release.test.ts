import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { changelogSection, planRelease, type ReleaseInput } from './release.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

const changelog = `# Changelog

## [Unreleased]

## [1.2.0] - 2027-01-10

### Added
- queue mode

## [1.1.3] - 2026-12-20

- a fix

[1.2.0]: https://github.com/gauntlet-org/gauntlet/compare/v1.1.3...v1.2.0
`;

function input(overrides: Partial<ReleaseInput>): ReleaseInput {
  return { version: '1.2.0', packageVersion: '1.2.0', changelog, tags: new Map(), commit: A, ...overrides };
}

describe('release plan', () => {
  it('takes the notes from the version section, up to the next heading or link', () => {
    expect(changelogSection(changelog, '1.2.0')).toEqual({ date: '2027-01-10', body: '### Added\n- queue mode' });
    expect(changelogSection(changelog, '1.1.3')!.body).toBe('- a fix');
    expect(changelogSection(changelog, '1.1')).toBeUndefined();
  });

  it('tags vX.Y.Z and moves vX when it is the newest of its major', () => {
    const plan = planRelease(
      input({
        tags: new Map([
          ['v1.1.3', B],
          ['v1', B],
        ]),
      }),
    );
    expect(plan).toMatchObject({ tag: 'v1.2.0', major: 'v1', createTag: true, moveMajor: true });
  });

  it('does not move vX backwards for a patch of an older minor', () => {
    const plan = planRelease(
      input({
        version: '1.1.4',
        packageVersion: '1.1.4',
        tags: new Map([['v1.2.0', B]]),
        changelog: `${changelog}\n## [1.1.4] - 2027-01-11\n- backport\n`,
      }),
    );
    expect(plan.moveMajor).toBe(false);
    expect(plan.notes).toBe('- backport');
  });

  it('finishes a release whose tag already points at this commit, and refuses one elsewhere', () => {
    expect(planRelease(input({ tags: new Map([['v1.2.0', A]]) })).createTag).toBe(false);
    expect(() => planRelease(input({ tags: new Map([['v1.2.0', B]]) }))).toThrow(/already exists at bbbbbbbbbbbb/);
  });

  it('refuses a version package.json or the changelog do not have, and says how to fix it', () => {
    expect(() => planRelease(input({ version: 'v1.2.0' }))).toThrow(/not X.Y.Z/);
    expect(() => planRelease(input({ version: '01.2.0' }))).toThrow(/not X.Y.Z/);
    expect(() => planRelease(input({ packageVersion: '1.1.3' }))).toThrow(/package.json says version 1.1.3/);
    expect(() => planRelease(input({ version: '1.3.0', packageVersion: '1.3.0' }))).toThrow(
      /no "## \[1.3.0\] - YYYY-MM-DD" section: rename "## \[Unreleased\]"/,
    );
    expect(() => planRelease(input({ changelog: '## [1.2.0]\n- x\n' }))).toThrow(/heading has no date/);
    expect(() => planRelease(input({ changelog: '## [1.2.0] - 2027-01-10\n\n## [1.1.0] - 2026-01-01\n' }))).toThrow(
      /section is empty/,
    );
  });

  it("the repository's own version has an Unreleased section, and the examples pin its major tag", () => {
    const ours = readFileSync(path.join(root, 'CHANGELOG.md'), 'utf8');
    expect(ours).toMatch(/^## \[Unreleased\]$/m);
    const version = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
