/**
 * What a release is, decided before anything is written (used by .github/workflows/release.yml):
 * - the version is X.Y.Z, package.json says the same, and CHANGELOG.md has a `## [X.Y.Z] - YYYY-MM-DD` section,
 *   which becomes the release notes;
 * - the tag vX.Y.Z does not exist yet, or already points at this commit (a re-run finishes the same release);
 * - the major tag vX moves only when X.Y.Z is the highest release of its major, so a patch of an older minor never
 *   takes `@vX` backwards.
 * `tsx scripts/release.ts plan <version> <commit>` prints the plan as JSON, and writes it to $GITHUB_OUTPUT when set.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const VERSION = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

export interface ReleaseInput {
  /** The version asked for (X.Y.Z, no leading v). */
  readonly version: string;
  readonly packageVersion: string;
  readonly changelog: string;
  /** Every tag of the repository, with the commit it points at. */
  readonly tags: ReadonlyMap<string, string>;
  /** The commit being released. */
  readonly commit: string;
}

export interface ReleasePlan {
  readonly tag: string;
  readonly major: string;
  /** False when the tag already points at this commit (a re-run). */
  readonly createTag: boolean;
  readonly moveMajor: boolean;
  readonly notes: string;
}

type Triple = [number, number, number];

function parse(version: string): Triple | undefined {
  const m = VERSION.exec(version);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

function compare(a: Triple, b: Triple): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** The body of `## [version]` in a Keep a Changelog file, without its heading; undefined when there is none. */
export function changelogSection(changelog: string, version: string): { date: string; body: string } | undefined {
  const lines = changelog.split(/\r?\n/);
  const escaped = version.replace(/\./g, '\\.');
  const heading = new RegExp(`^## \\[${escaped}\\](?: - (\\d{4}-\\d{2}-\\d{2}))?\\s*$`);
  const start = lines.findIndex((l) => heading.test(l));
  if (start < 0) return undefined;
  const date = heading.exec(lines[start]!)![1] ?? '';
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((l) => /^## /.test(l) || /^\[[^\]]+\]:\s/.test(l));
  const body = (end < 0 ? rest : rest.slice(0, end)).join('\n').trim();
  return { date, body };
}

/** The plan, or the list of reasons there can be none. */
export function planRelease(input: ReleaseInput): ReleasePlan {
  const problems: string[] = [];
  const wanted = parse(input.version);
  if (!wanted) throw new Error(`version "${input.version}" is not X.Y.Z (digits only, no leading v or zeros)`);
  if (input.packageVersion !== input.version)
    problems.push(
      `package.json says version ${input.packageVersion}, not ${input.version}: bump it in the release commit`,
    );
  const section = changelogSection(input.changelog, input.version);
  if (!section)
    problems.push(
      `CHANGELOG.md has no "## [${input.version}] - YYYY-MM-DD" section: rename "## [Unreleased]" to it and start a new empty Unreleased section`,
    );
  else if (section.date === '')
    problems.push(`CHANGELOG.md's [${input.version}] heading has no date (" - YYYY-MM-DD")`);
  else if (section.body === '') problems.push(`CHANGELOG.md's [${input.version}] section is empty`);
  const tag = `v${input.version}`;
  const major = `v${wanted[0]}`;
  const existing = input.tags.get(tag);
  if (existing !== undefined && existing !== input.commit)
    problems.push(`tag ${tag} already exists at ${existing.slice(0, 12)}, not at ${input.commit.slice(0, 12)}`);
  if (problems.length > 0) throw new Error(problems.join('\n'));
  const sameMajor = [...input.tags.keys()]
    .map((t) => (t.startsWith('v') ? parse(t.slice(1)) : undefined))
    .filter((v): v is Triple => v !== undefined && v[0] === wanted[0]);
  const moveMajor = sameMajor.every((v) => compare(v, wanted) <= 0);
  return { tag, major, createTag: existing === undefined, moveMajor, notes: section!.body };
}

function git(root: string, args: string[]): string {
  return execFileSync('git', args, { cwd: root, encoding: 'utf8' });
}

/** Tags with the commits they point at (annotated tags peeled). */
export function repositoryTags(root: string): Map<string, string> {
  const out = git(root, ['tag', '--list', '--format=%(refname:short) %(*objectname) %(objectname)']);
  const tags = new Map<string, string>();
  for (const line of out.split('\n').filter(Boolean)) {
    const [name, peeled, object] = line.split(' ');
    tags.set(name!, peeled || object!);
  }
  return tags;
}

function writeOutputs(file: string, plan: ReleasePlan): void {
  const delimiter = `EOF_${randomBytes(12).toString('hex')}`;
  appendFileSync(
    file,
    [
      `tag=${plan.tag}`,
      `major=${plan.major}`,
      `create-tag=${plan.createTag}`,
      `move-major=${plan.moveMajor}`,
      `notes<<${delimiter}`,
      plan.notes,
      delimiter,
      '',
    ].join('\n'),
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [command, version, commit] = process.argv.slice(2);
  if (command !== 'plan' || !version || !commit || !/^[0-9a-f]{40}$/.test(commit)) {
    process.stderr.write('usage: tsx scripts/release.ts plan <X.Y.Z> <40-hex commit>\n');
    process.exit(2);
  }
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  try {
    const plan = planRelease({
      version,
      packageVersion: (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version?: string })
        .version!,
      changelog: readFileSync(path.join(root, 'CHANGELOG.md'), 'utf8'),
      tags: repositoryTags(root),
      commit,
    });
    process.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
    const output = process.env['GITHUB_OUTPUT'];
    if (output) writeOutputs(output, plan);
  } catch (error) {
    process.stderr.write(`release: ${(error as Error).message}\n`);
    process.exit(1);
  }
}
