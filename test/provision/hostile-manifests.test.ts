/**
 * Hostile manifests in mode up, against the real API server: a 600-byte manifest of nested YAML aliases once
 * crashed `up` with a heap exhaustion after 42 s despite `timeout: 30s`, leaving no report. Now it is refused by its
 * expanded size before anything is created, with a clear error and a report, in a step whose heap is capped (so
 * the test fails if memory is not bounded, rather than timing anything).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTestbed } from '@gauntlet/testbed';
import { type KubeClient, type KubeObject } from './kube-exports.js';
import {
  adminClient,
  cleanupRepository,
  ensureBuilt,
  pullRequestEvent,
  randomRepositoryId,
  runBundle,
} from './harness.js';

const tb = getTestbed();
const repositoryId = randomRepositoryId();
let admin: KubeClient;

beforeAll(async () => {
  ensureBuilt();
  admin = await adminClient(tb.kubeconfig);
});

afterAll(async () => {
  await cleanupRepository(admin, repositoryId);
  admin.close();
});

describe('hostile manifests', () => {
  it('an alias bomb fails up with a clear error and a report, within a 192 MB heap, creating nothing', async () => {
    const run = await runBundle({
      inputs: {
        manifests: 'fixtures/alias-bomb/*.yaml',
        kubeconfig: readFileSync(tb.kubeconfig, 'utf8'),
        timeout: '30s',
        'capacity-check': 'false',
        'max-environments': '0',
        report: 'true',
      },
      event: pullRequestEvent(repositoryId, 901),
      env: { NODE_OPTIONS: '--max-old-space-size=192' },
    });
    const log = run.main.log.join('\n');
    expect(run.main.signal, log).toBeNull();
    expect(log).not.toMatch(/heap out of memory/i);
    expect(run.main.exitCode, log).toBe(1);
    expect(run.outputs.status).toBe('failed');
    const error = run.main.commands.find((c) => c.name === 'error')?.message ?? '';
    expect(error).toMatch(/bomb\.yaml: expands to more than 1000000 nodes/);
    // The report (Markdown-escaped) names the file and the reason.
    expect(run.summary.replace(/[\\\u200b]/g, '')).toMatch(
      /alias-bomb\/bomb\.yaml: expands to more than 1000000 nodes/,
    );
    // Refused before the namespace was created.
    const namespace = run.outputs.namespace as string;
    expect(await admin.getOptional<KubeObject>(`/api/v1/namespaces/${namespace}`)).toBeUndefined();
  });
});
