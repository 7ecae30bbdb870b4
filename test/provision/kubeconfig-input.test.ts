/**
 * The kubeconfig as users give it (issue 11, provision 6), through the bundle against the real API server: a path
 * in the kubeconfig input is read as a file (as shard-and-run does), not parsed as YAML; KUBECONFIG pointing at a
 * missing or garbage file says so, naming it, instead of "set KUBECONFIG"; a refused connection names the server it
 * tried. A path must be inside the workspace or RUNNER_TEMP.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTestbed } from '@gauntlet/testbed';
import { ensureBuilt, pullRequestEvent, randomRepositoryId, runBundle } from './harness.js';

const tb = getTestbed();
const repositoryId = randomRepositoryId();
const dir = mkdtempSync(path.join(os.tmpdir(), 'provision-kubeconfig-'));

beforeAll(() => {
  ensureBuilt();
});

afterAll(() => undefined);

describe('the kubeconfig input', () => {
  it('a path is read as a file: down connects and finds nothing', async () => {
    const file = path.join(dir, 'config');
    writeFileSync(file, tb.kubeConfig().exportConfig());
    const run = await runBundle({
      inputs: { mode: 'down', kubeconfig: file, 'delete-timeout': '0' },
      event: pullRequestEvent(repositoryId, 1),
      env: { RUNNER_TEMP: dir },
    });
    const log = run.main.log.join('\n');
    expect(run.main.exitCode, log).toBe(0);
    expect(log).toMatch(/does not exist; nothing to tear down/);
  });

  it('a path outside the workspace and RUNNER_TEMP is refused before anything connects, quoting no content', async () => {
    const file = path.join(dir, 'config');
    writeFileSync(file, tb.kubeConfig().exportConfig());
    const run = await runBundle({
      inputs: { mode: 'down', kubeconfig: file, 'delete-timeout': '0' },
      event: pullRequestEvent(repositoryId, 4),
    });
    const log = run.main.log.join('\n');
    expect(run.main.exitCode).not.toBe(0);
    expect(log).toMatch(
      /Input 'kubeconfig': ".*" is outside the workspace and RUNNER_TEMP; paths must stay inside them/,
    );
    expect(log).not.toMatch(/nothing to tear down|certificate|server:/);
  });

  it('KUBECONFIG naming a missing file says which file, not "set KUBECONFIG"', async () => {
    const missing = path.join(dir, 'nope', 'config');
    const run = await runBundle({
      inputs: { mode: 'down', 'delete-timeout': '0' },
      event: pullRequestEvent(repositoryId, 2),
      env: { KUBECONFIG: missing },
    });
    const log = run.main.log.join('\n');
    expect(run.main.exitCode).not.toBe(0);
    expect(log).toContain(`KUBECONFIG is set, but ${JSON.stringify(missing)} does not exist`);
    expect(log).not.toMatch(/or set KUBECONFIG/);
  });

  it('a path to a file that is not a kubeconfig names the file', async () => {
    const garbage = path.join(dir, 'garbage');
    writeFileSync(garbage, 'just: [text\n');
    const run = await runBundle({
      inputs: { mode: 'down', kubeconfig: garbage, 'delete-timeout': '0' },
      event: pullRequestEvent(repositoryId, 3),
      env: { RUNNER_TEMP: dir },
    });
    expect(run.main.exitCode).not.toBe(0);
    expect(run.main.log.join('\n')).toContain(JSON.stringify(garbage));
  });

  it('KUBECONFIG naming a file that is not a kubeconfig names the file, not "set KUBECONFIG"', async () => {
    const garbage = path.join(dir, 'garbage-env');
    writeFileSync(garbage, 'just: [text\n');
    const run = await runBundle({
      inputs: { mode: 'down', 'delete-timeout': '0' },
      event: pullRequestEvent(repositoryId, 5),
      env: { KUBECONFIG: garbage },
    });
    const log = run.main.log.join('\n');
    expect(run.main.exitCode, log).not.toBe(0);
    expect(log).toContain(`KUBECONFIG is set (${JSON.stringify(garbage)}), but it is not a valid kubeconfig`);
    expect(log).not.toMatch(/or set KUBECONFIG/);
    expect(log).not.toContain('just: [text');
  });

  it('a refused connection names the server it tried', async () => {
    // A port that was free a moment ago and has nothing listening: every connection to it is refused.
    const port = await new Promise<number>((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const kc = tb.kubeConfig();
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('the test bed kubeconfig has no current cluster');
    const server = `https://127.0.0.1:${port}`;
    const refused = kc
      .exportConfig()
      .replace(JSON.stringify(cluster.server).slice(1, -1), server)
      .replace(cluster.server, server);
    expect(refused).toContain(server);
    const file = path.join(dir, 'refused-config');
    writeFileSync(file, refused);
    const run = await runBundle({
      inputs: { mode: 'down', kubeconfig: file, 'delete-timeout': '0' },
      event: pullRequestEvent(repositoryId, 6),
      env: { RUNNER_TEMP: dir },
    });
    const log = run.main.log.join('\n');
    expect(run.main.exitCode, log).not.toBe(0);
    expect(log).toContain(`cannot reach the API server at ${server} (connection refused)`);
    expect(log).not.toMatch(/nothing to tear down/);
  });
});
