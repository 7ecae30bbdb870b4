import { describe, expect, it } from 'vitest';
import { actArgs, type ActInvocation } from './act-cli.js';

const base: ActInvocation = {
  event: 'pull_request',
  repoDir: '/r',
  workflow: '/w/shard-matrix.yml',
  eventFile: '/e.json',
  actionCacheDir: '/ac',
  artifactDir: '/art',
  artifactPort: 40001,
  cacheDir: '/cache',
  localRepositories: [{ ref: 'gauntlet-org/gauntlet@v1', dir: '/export' }],
  env: { GITHUB_RUN_ID: '5' },
  secrets: { GITHUB_TOKEN: 'ghs_x' },
  vars: { PROMETHEUS_URL: 'http://127.0.0.1:9' },
};

describe('actArgs', () => {
  it('runs in host mode on loopback servers, reading no files of the invoking directory', () => {
    const args = actArgs(base);
    const pairs = (flag: string) => args.flatMap((a, i) => (a === flag ? [args[i + 1]] : []));
    expect(args[0]).toBe('pull_request');
    expect(pairs('--platform')).toEqual(['ubuntu-latest=-self-hosted']);
    expect(pairs('--artifact-server-addr')).toEqual(['127.0.0.1']);
    expect(pairs('--cache-server-addr')).toEqual(['127.0.0.1']);
    expect(pairs('--artifact-server-port')).toEqual(['40001']);
    for (const flag of ['--env-file', '--secret-file', '--var-file', '--input-file'])
      expect(pairs(flag)).toEqual(['/dev/null']);
    expect(pairs('--local-repository')).toEqual(['gauntlet-org/gauntlet@v1=/export']);
    expect(pairs('--env')).toEqual(['GITHUB_RUN_ID=5']);
    expect(pairs('--secret')).toEqual(['GITHUB_TOKEN=ghs_x']);
    expect(pairs('--var')).toEqual(['PROMETHEUS_URL=http://127.0.0.1:9']);
    expect(args).toContain('--json');
  });

  it('selects a job and matrix legs', () => {
    const args = actArgs({ ...base, job: 'merge', matrix: { shard: ['2', '3'] } });
    expect(args.slice(-6)).toEqual(['--job', 'merge', '--matrix', 'shard:2', '--matrix', 'shard:3']);
  });

  it('refuses names act would misread', () => {
    expect(() => actArgs({ ...base, env: { 'A=B': 'x' } })).toThrow(/not a valid name/);
    expect(() => actArgs({ ...base, secrets: { '-s': 'x' } })).toThrow(/not a valid name/);
    expect(() => actArgs({ ...base, localRepositories: [{ ref: 'x@v1=/etc', dir: '/d' }] })).toThrow(/owner\/repo@ref/);
  });
});
