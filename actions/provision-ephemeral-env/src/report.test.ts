import { describe, expect, it } from 'vitest';
import { CHECK_OUTPUT_LIMIT, COMMENT_BODY_LIMIT, INJECTION_CORPUS, renderWithin } from '@gauntlet/github';
import { analyzeMarkdown } from '@gauntlet/github/testing';
import type { Diagnosis } from '@gauntlet/kube';
import { renderReport, type EnvironmentReport } from './report.js';

const hostile = INJECTION_CORPUS.join(' ');

function diagnosis(i: number): Diagnosis {
  return {
    target: `deployment/app-${i}`,
    verdict: { state: 'progressing', message: `0 of 1 available ${hostile}` },
    conditions: [`Available=False ${hostile}`],
    pods: [
      {
        name: `app-${i}-x`,
        phase: 'Running',
        conditions: [],
        containers: [
          {
            name: 'main',
            state: 'waiting',
            reason: 'CrashLoopBackOff',
            message: hostile,
            restarts: 7,
            lastTermination: 'OOMKilled (exit 137)',
          },
        ],
      },
    ],
    events: [{ type: 'Warning', reason: 'BackOff', object: `pod/app-${i}-x`, message: hostile, count: 12 }],
    logs: [{ pod: `app-${i}-x`, container: 'main', previous: true, text: `${hostile}\n${'log line\n'.repeat(5_000)}` }],
    notes: [],
  };
}

describe('renderReport', () => {
  it('reports a ready environment with endpoints, quota use and a successful check run', () => {
    const report: EnvironmentReport = {
      kind: 'ready',
      namespace: 'pr-abc123-7',
      adopted: false,
      description: {
        namespace: 'pr-abc123-7',
        context: 'ctx',
        expiresAt: '2030-01-01T00:00:00.000Z',
        headSha: 'a'.repeat(40),
        services: [
          {
            name: 'web',
            dns: 'web.pr-abc123-7.svc.cluster.local',
            ports: [{ port: 80, protocol: 'TCP', name: 'http' }],
          },
        ],
        ingresses: [{ name: 'web', hosts: ['pr-7.example.test'] }],
      },
      quota: [{ resource: 'requests.cpu', used: '200m', hard: '4' }],
      applied: 4,
      durationMs: 12_000,
      targets: [],
    };
    const rendered = renderReport(report);
    expect(rendered.checkRun).toMatchObject({ name: 'Ephemeral environment', conclusion: 'success' });
    const text = renderWithin(rendered.section.markdown, COMMENT_BODY_LIMIT);
    expect(text).toContain('web.pr-abc123-7.svc.cluster.local');
    expect(text).toContain('requests.cpu');
    expect(text).toContain('pr-7.example.test');
  });

  it('escapes hostile diagnostics and fits 30 unready workloads with huge logs into the limits', () => {
    const report: EnvironmentReport = {
      kind: 'failed',
      namespace: 'pr-abc123-7',
      reason: `not ready ${hostile}`,
      targets: Array.from({ length: 30 }, (_, i) => ({
        target: `deployment/app-${i}`,
        state: 'progressing',
        message: hostile,
      })),
      diagnostics: Array.from({ length: 30 }, (_, i) => diagnosis(i)),
      teardown: 'deleted',
      durationMs: 600_000,
      cancelled: false,
    };
    const rendered = renderReport(report);
    expect(rendered.checkRun?.conclusion).toBe('failure');
    for (const limit of [COMMENT_BODY_LIMIT, CHECK_OUTPUT_LIMIT]) {
      const text = renderWithin(rendered.section.markdown, limit);
      expect(limit.measure(text)).toBeLessThanOrEqual(limit.max);
      const structure = analyzeMarkdown(text);
      expect(structure.links).toEqual([]);
      expect(structure.images).toEqual([]);
      expect(structure.html).toEqual([]);
      expect(structure.mentions).toEqual([]);
      expect(text).not.toContain('Endpoints');
    }
  });

  it('says a down that found nothing found nothing, never "Torn down"', () => {
    const nothing = renderWithin(
      renderReport({ kind: 'down', namespace: 'shop-pr-abc123-7', result: 'nothing to delete', failed: false }).section
        .markdown,
      COMMENT_BODY_LIMIT,
    );
    expect(nothing).toContain('Nothing to tear down');
    expect(nothing).toContain('kubeconfig match');
    expect(nothing).not.toContain('Torn down');
    const deleted = renderWithin(
      renderReport({ kind: 'down', namespace: 'shop-pr-abc123-7', result: 'deleted', failed: false }).section.markdown,
      COMMENT_BODY_LIMIT,
    );
    expect(deleted).toContain('Torn down');
  });

  it('reports a stuck teardown with its finalizers and conditions', () => {
    const rendered = renderReport({
      kind: 'down',
      namespace: 'pr-abc123-7',
      result: 'still terminating',
      failed: true,
      stuck: {
        name: 'pr-abc123-7',
        phase: 'Terminating',
        finalizers: ['kubernetes'],
        conditions: [
          {
            type: 'NamespaceFinalizersRemaining',
            status: 'True',
            reason: 'SomeFinalizersRemain',
            message: 'example.com/hold in 1 resource instances',
          },
        ],
      },
    });
    const text = renderWithin(rendered.section.markdown, COMMENT_BODY_LIMIT);
    expect(text).toContain('kubernetes');
    expect(text).toContain('NamespaceFinalizersRemaining');
    expect(rendered.checkRun).toBeUndefined();
  });
});
