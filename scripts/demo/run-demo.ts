/**
 * `npm run demo`: the example pipeline, run locally on embedded defaults. It starts the test bed (a real Kubernetes
 * control plane with kwok, Prometheus, Toxiproxy) and a loopback GitHub API, runs each action's real bundle through
 * the local runner in workflow order (the actions that exist so far), and writes what Gauntlet would have posted —
 * the sticky PR comment, every check run, every job summary — to an HTML file it names. It then stops the parts of
 * the test bed it started (those already running stay) unless given --keep, and says which.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGitHubStandIn } from '@gauntlet/github-api-standin';
import { down, up } from '@gauntlet/testbed';
import type { DemoContext } from './context.js';
import { renderReportHtml, type ReportPart } from './render-html.js';
import { demoSteps } from './steps.js';

const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== '--keep');
if (unknown.length > 0) {
  process.stderr.write(
    `unknown argument ${JSON.stringify(unknown[0])}\nUsage: npm run demo [-- --keep]   (--keep: leave the test bed running)\n`,
  );
  process.exit(2);
}
const keep = args.includes('--keep');
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const outDir = path.join(root, 'demo-output');
mkdirSync(outDir, { recursive: true });

const github = await startGitHubStandIn({ owner: 'acme', repo: 'shop' });
const pr = { number: 42, headSha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678', headRef: 'feature/checkout-v2' };
github.seedPull(pr.number, { headSha: pr.headSha });
process.stdout.write('Starting the test bed (first run builds it; later runs take seconds)…\n');
const { state, started } = await up({});
if (!state.cluster || !state.prometheus || !state.toxiproxy) throw new Error('the test bed did not come up whole');
const ctx: DemoContext = {
  root,
  outDir,
  github,
  pr,
  kubeconfig: state.cluster.kubeconfig,
  prometheusUrl: state.prometheus.url,
  toxiproxyUrl: state.toxiproxy.url,
  results: [],
  notes: [],
};

let failed = false;
try {
  for (const step of demoSteps) {
    if (!step.available(ctx)) {
      ctx.notes.push(`${step.action}: not built yet, skipped.`);
      continue;
    }
    await step.run(ctx);
  }
} catch (error) {
  failed = true;
  ctx.notes.push(`The demo stopped early: ${(error as Error).message}`);
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
} finally {
  const parts: ReportPart[] = [];
  for (const comment of github.store.comments) {
    parts.push({
      title: `PR #${pr.number} comment by ${comment.user?.login ?? '?'}`,
      kind: 'comment',
      markdown: comment.body ?? '',
    });
  }
  for (const run of github.store.checkRuns) {
    const output = run.output as { title?: string | null; summary?: string | null; text?: string | null } | undefined;
    const markdown = [output?.summary ?? '', output?.text ?? ''].filter((s) => s !== '').join('\n\n');
    parts.push({
      title: `${run.name}: ${output?.title ?? ''}`,
      kind: 'check-run',
      badge: run.conclusion ?? run.status,
      markdown,
    });
  }
  for (const { step, result } of ctx.results) {
    if (result.summary.trim() !== '')
      parts.push({ title: `job summary: ${step}`, kind: 'summary', markdown: result.summary });
  }
  const file = path.join(outDir, 'report.html');
  writeFileSync(file, renderReportHtml(`Gauntlet demo: PR #${pr.number} (${pr.headRef})`, parts, ctx.notes));
  process.stdout.write(`\nThe report Gauntlet would post (comment, check runs, summaries): ${file}\n`);
  await github.close();
  if (started.length === 0) process.stdout.write('The test bed was already running; it is left running.\n');
  else if (keep) process.stdout.write(`Left running (--keep): ${started.join(', ')}. Stop them with: pnpm env:down\n`);
  else {
    await down({ components: started });
    process.stdout.write(`Stopped what the demo started: ${started.join(', ')} (--keep leaves them running).\n`);
  }
}
process.exitCode = failed ? 1 : 0;
