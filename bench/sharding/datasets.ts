/**
 * Loads the timing datasets (shared/datasets/timings, see its PROVENANCE.md) into one shape: versions of
 * `key → seconds`, oldest first, with the granularity each suite is split at. The directory is found relative to
 * this script (the nearest shared/datasets/timings above the repo root, or GAUNTLET_DATASETS), never by absolute path.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '@gauntlet/action-kit';
import { importKnapsackReport, importPytestDurations, junitDurations, parseJUnitXml } from '@gauntlet/sharding';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');

/**
 * `GAUNTLET_DATASETS` when set, else the nearest `shared/datasets/timings` above the repository root (the checkout
 * may be a worktree nested deeper than the integration checkout).
 */
function findDatasets(): string {
  const fromEnv = process.env['GAUNTLET_DATASETS'];
  if (fromEnv) return resolve(fromEnv);
  for (let dir = resolve(repoRoot, '..'); ; dir = dirname(dir)) {
    const candidate = join(dir, 'shared', 'datasets', 'timings');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return resolve(repoRoot, '..', 'shared', 'datasets', 'timings');
  }
}
export const DATASETS_DIR = findDatasets();

export type Level = 'test' | 'file';

export interface Version {
  /** `<unix-time>.<commit>` from the file name, or the file name. */
  readonly label: string;
  /** Seconds per key, in the file's own order (collection order for pytest-split files). */
  readonly durations: Map<string, number>;
}

export interface Dataset {
  readonly name: string;
  /** 'test': keys are `file::test` and the runner filters by test id; 'file': keys are files (or classes). */
  readonly level: Level;
  readonly versions: readonly Version[];
}

function versionFiles(dir: string): string[] {
  // `<name>.<unix-time>.<commit>.json`: order by time, then name (two tilavarauspalvelu files share a time).
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort((a, b) => {
      const ta = Number(a.split('.')[1]);
      const tb = Number(b.split('.')[1]);
      return (Number.isFinite(ta) && Number.isFinite(tb) ? ta - tb : 0) || (a < b ? -1 : a > b ? 1 : 0);
    });
}

function jsonSeries(name: string, folder: string, level: Level): Dataset {
  const dir = join(DATASETS_DIR, folder);
  const versions = versionFiles(dir).map((f) => {
    const text = readFileSync(join(dir, f), 'utf8');
    const durations =
      level === 'test' ? importPytestDurations(text, silentLogger) : importKnapsackReport(text, silentLogger);
    return { label: f.split('.').slice(1, 3).join('.').slice(0, 22), durations };
  });
  return { name, level, versions };
}

/** JUnit suites at file level: the testsuite time (file wall time incl. set-up) per file or class. */
function junitFiles(name: string, path: string): Dataset {
  const report = parseJUnitXml(readFileSync(join(DATASETS_DIR, path), 'utf8'));
  const { files } = junitDurations(report, silentLogger);
  return { name, level: 'file', versions: [{ label: path.split('/')[1]!, durations: files }] };
}

export function loadDatasets(): Dataset[] {
  return [
    jsonSeries('nf-metro', 'nf-metro', 'test'),
    jsonSeries('localstack', 'localstack', 'test'),
    jsonSeries('tilavarauspalvelu', 'tilavarauspalvelu', 'test'),
    jsonSeries('pgmpy', 'pgmpy', 'test'),
    jsonSeries('identity-idp', 'identity-idp', 'file'),
    jsonSeries('sequencescape', 'sequencescape', 'file'),
    junitFiles('jest-junit', 'jest-junit/jest-test-results.xml'),
    junitFiles('pulsar-junit', 'pulsar-junit/pulsar-test-report.xml'),
  ];
}
