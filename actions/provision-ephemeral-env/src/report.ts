/**
 * What the action reports, as data, and its rendering: a section of the sticky PR comment, a check run named
 * "Ephemeral environment" and the job summary. Every piece of text that came from the cluster or the manifests
 * (names, event messages, logs) goes through the escaping of MarkdownDoc; sizes are budgeted by the renderer, so
 * a crash-looping pod with a megabyte of log cannot push the comment past GitHub's limits. No endpoint is listed
 * unless the whole environment became ready.
 */
import { formatDuration } from '@gauntlet/action-kit';
import type { ActionRuntime } from '@gauntlet/action-runtime';
import { MarkdownDoc, type CheckRunInput, type ReportSection } from '@gauntlet/github';
import type { Diagnosis, StuckNamespace } from '@gauntlet/kube';
import { ACTION, CHECK_NAME } from './constants.js';

export interface ServicePort {
  name?: string;
  port: number;
  protocol: string;
}

export interface ServiceEndpoint {
  name: string;
  /** In-cluster DNS name: <service>.<namespace>.svc.<cluster-domain>. */
  dns: string;
  clusterIP?: string;
  ports: ServicePort[];
}

export interface EnvironmentDescription {
  namespace: string;
  context: string;
  expiresAt: string;
  prNumber?: number;
  headSha: string;
  services: ServiceEndpoint[];
  ingresses: Array<{ name: string; hosts: string[] }>;
}

export interface QuotaUse {
  resource: string;
  used: string;
  hard: string;
}

export interface TargetLine {
  target: string;
  state: string;
  message: string;
}

export type EnvironmentReport =
  | {
      kind: 'ready';
      namespace: string;
      adopted: boolean;
      description: EnvironmentDescription;
      quota: QuotaUse[];
      applied: number;
      durationMs: number;
      targets: TargetLine[];
    }
  | {
      kind: 'failed';
      namespace: string;
      reason: string;
      targets: TargetLine[];
      diagnostics: Diagnosis[];
      teardown: string;
      durationMs: number;
      cancelled: boolean;
    }
  | { kind: 'down'; namespace: string; result: DownResult; stuck?: StuckNamespace; failed: boolean }
  | { kind: 'reap'; dryRun: boolean; rows: ReapRow[]; notes: string[] };

/** What mode down found: it deleted the namespace, found none to delete, or left it terminating. */
export type DownResult = 'deleted' | 'nothing to delete' | 'still terminating';

export interface ReapRow {
  namespace: string;
  decision: 'deleted' | 'would delete' | 'kept' | 'live' | 'terminating' | 'failed' | 'unproven';
  reason: string;
  pr?: number;
  expiresAt?: string;
}

export interface RenderedReport {
  section: ReportSection;
  checkRun?: CheckRunInput;
}

const stateIcon: Record<string, string> = { ready: '✅', progressing: '⏳', failed: '❌', unsupported: '⚠️' };

function targetTable(doc: MarkdownDoc, targets: readonly TargetLine[]): void {
  if (targets.length === 0) return;
  doc.table(
    [{ header: 'Workload' }, { header: 'State' }, { header: 'Detail', maxChars: 300 }],
    targets.map((t) => [{ code: t.target }, { markdown: `${stateIcon[t.state] ?? ''} ${t.state}`.trim() }, t.message]),
  );
}

function diagnosisBlocks(doc: MarkdownDoc, diagnostics: readonly Diagnosis[]): void {
  for (const d of diagnostics.slice(0, 20)) {
    doc.heading(4, `${d.target}: ${d.verdict.message}`);
    if (d.conditions.length > 0) doc.list(d.conditions);
    const containers = d.pods.flatMap((pod) =>
      pod.containers.map((c) => [
        { code: pod.name },
        { code: c.name },
        `${c.state}${c.reason ? ` (${c.reason})` : ''}`,
        String(c.restarts),
        c.lastTermination ?? '',
        c.message ?? pod.conditions.join('; '),
      ]),
    );
    const podsWithoutContainers = d.pods
      .filter((p) => p.containers.length === 0)
      .map((p) => [{ code: p.name }, '', p.phase, '0', '', p.conditions.join('; ')]);
    if (containers.length + podsWithoutContainers.length > 0) {
      doc.table(
        [
          { header: 'Pod' },
          { header: 'Container' },
          { header: 'State' },
          { header: 'Restarts', align: 'right' },
          { header: 'Last termination' },
          { header: 'Message', maxChars: 300 },
        ],
        [...containers, ...podsWithoutContainers],
      );
    }
    if (d.events.length > 0) {
      doc.table(
        [
          { header: 'Event' },
          { header: 'Object' },
          { header: 'Count', align: 'right' },
          { header: 'Message', maxChars: 400 },
        ],
        d.events.map((e) => [`${e.type} ${e.reason}`, { code: e.object }, String(e.count), e.message]),
      );
    }
    for (const log of d.logs) {
      doc.text(`Log tail of ${log.pod}/${log.container}${log.previous ? ' (previous container)' : ''}:`);
      doc.code(log.text, { keep: 'tail' });
    }
    if (d.notes.length > 0) doc.list(d.notes);
  }
  if (diagnostics.length > 20) doc.text(`… and ${diagnostics.length - 20} more unready workloads.`);
}

/** Publishes the report through the runtime (nothing at all with report: false). Never throws. */
export async function publishEnvironmentReport(
  rt: Pick<ActionRuntime, 'report'>,
  inputs: { readonly report: boolean; readonly prNumber: number | undefined },
  report: EnvironmentReport,
): Promise<void> {
  if (!inputs.report) return;
  const { section, checkRun } = renderReport(report);
  await rt.report({
    title: section.title,
    markdown: section.markdown,
    ...(section.summaryMarkdown === undefined ? {} : { summaryMarkdown: section.summaryMarkdown }),
    ...(checkRun ? { checkRun } : {}),
    ...(inputs.prNumber === undefined ? {} : { prNumber: inputs.prNumber }),
  });
}

export function renderReport(report: EnvironmentReport): RenderedReport {
  const doc = new MarkdownDoc();
  switch (report.kind) {
    case 'ready': {
      const d = report.description;
      doc.markdown(
        `**✅ Ready** in ${formatDuration(report.durationMs)}${report.adopted ? ' (existing environment updated)' : ''}`,
      );
      doc.table(
        [{ header: 'Namespace' }, { header: 'Expires' }, { header: 'Objects applied', align: 'right' }],
        [[{ code: report.namespace }, d.expiresAt, String(report.applied)]],
      );
      if (d.services.length > 0) {
        doc.heading(4, 'Endpoints');
        doc.table(
          [{ header: 'Service' }, { header: 'In-cluster address' }, { header: 'Ports' }],
          d.services.map((s) => [
            { code: s.name },
            { code: s.dns },
            s.ports.map((p) => `${p.port}/${p.protocol}${p.name ? ` (${p.name})` : ''}`).join(', '),
          ]),
        );
      }
      const hosts = d.ingresses.flatMap((i) => i.hosts);
      if (hosts.length > 0) {
        doc.heading(4, 'Ingress hosts');
        doc.list(hosts.map((h) => ({ code: h })));
      }
      if (report.quota.length > 0) {
        doc.heading(4, 'Resource use against the quota');
        doc.table(
          [{ header: 'Resource' }, { header: 'Used', align: 'right' }, { header: 'Hard', align: 'right' }],
          report.quota.map((q) => [{ code: q.resource }, q.used, q.hard]),
        );
      }
      return {
        section: { action: ACTION, title: 'Ephemeral environment', markdown: doc },
        checkRun: { name: CHECK_NAME, conclusion: 'success', title: `Ready: ${report.namespace}`, summary: doc },
      };
    }
    case 'failed': {
      doc.markdown(
        `**${report.cancelled ? '⏹️ Cancelled' : '❌ Not ready'}** after ${formatDuration(report.durationMs)}`,
      );
      doc.text(report.reason);
      doc.table([{ header: 'Namespace' }, { header: 'Teardown' }], [[{ code: report.namespace }, report.teardown]]);
      targetTable(
        doc,
        report.targets.filter((t) => t.state !== 'ready'),
      );
      if (report.diagnostics.length > 0) {
        doc.heading(4, 'Diagnostics');
        diagnosisBlocks(doc, report.diagnostics);
      }
      const unready = report.targets.filter((t) => t.state !== 'ready').length;
      return {
        section: { action: ACTION, title: 'Ephemeral environment', markdown: doc },
        checkRun: {
          name: CHECK_NAME,
          conclusion: report.cancelled ? 'cancelled' : 'failure',
          title: unready > 0 ? `Not ready: ${unready} workload${unready === 1 ? '' : 's'}` : 'Not ready',
          summary: doc,
        },
      };
    }
    case 'down': {
      // "Torn down" only when this run deleted it: a down that found nothing must not claim an environment is gone
      // (another name-prefix, PR number or cluster may hold one that is still live).
      const headline =
        report.result === 'nothing to delete'
          ? '🔍 Nothing to tear down: no environment of this pull request exists under this name'
          : report.failed
            ? '⚠️ Teardown incomplete'
            : '🧹 Torn down';
      doc.markdown(`**${headline}**`);
      doc.table([{ header: 'Namespace' }, { header: 'Result' }], [[{ code: report.namespace }, report.result]]);
      if (report.result === 'nothing to delete')
        doc.text(
          'If an environment of this pull request is still running, it was created under another namespace: check that name-prefix, pr-number and the kubeconfig match those of the workflow that brought it up.',
        );
      if (report.stuck) {
        doc.heading(4, 'Why the namespace is still terminating');
        doc.list([`phase: ${report.stuck.phase}`, ...report.stuck.finalizers.map((f) => `finalizer: ${f}`)]);
        if (report.stuck.conditions.length > 0) {
          doc.table(
            [{ header: 'Condition' }, { header: 'Status' }, { header: 'Reason' }, { header: 'Message', maxChars: 500 }],
            report.stuck.conditions.map((c) => [c.type, c.status, c.reason ?? '', c.message ?? '']),
          );
        }
        doc.text(
          'Finalizers are never removed by this action: resolve what holds them (for example a missing API service or a controller that is down).',
        );
      }
      return { section: { action: ACTION, title: 'Ephemeral environment', markdown: doc } };
    }
    case 'reap': {
      const count = (decision: ReapRow['decision']) => report.rows.filter((r) => r.decision === decision).length;
      doc.markdown(
        `**Reaper${report.dryRun ? ' (dry run)' : ''}**: ${count('deleted')} deleted, ${count('would delete')} would be deleted, ${count('kept')} kept, ${count('live')} live, ${count('terminating')} terminating, ${count('failed')} failed, ${count('unproven')} unproven (never deleted)`,
      );
      const order: ReapRow['decision'][] = [
        'failed',
        'unproven',
        'deleted',
        'would delete',
        'kept',
        'terminating',
        'live',
      ];
      const rows = [...report.rows].sort(
        (a, b) => order.indexOf(a.decision) - order.indexOf(b.decision) || a.namespace.localeCompare(b.namespace),
      );
      doc.table(
        [
          { header: 'Namespace' },
          { header: 'Decision' },
          { header: 'PR', align: 'right' },
          { header: 'Expires' },
          { header: 'Reason', maxChars: 200 },
        ],
        rows.map((r) => [
          { code: r.namespace },
          r.decision,
          r.pr === undefined ? '' : String(r.pr),
          r.expiresAt ?? '',
          r.reason,
        ]),
      );
      if (report.notes.length > 0) doc.list(report.notes);
      return { section: { action: ACTION, title: 'Ephemeral environments: reaper', markdown: doc } };
    }
  }
}
