/**
 * Mode reap: the last line after a SIGKILL or a lost runner. Finds what chaos runs left in the allowed namespaces
 * by our labels and annotations and reverts what has expired (packages/chaos reapLeftovers); nothing without our
 * marks is touched. A scheduled workflow runs it; the report lists every object and what was done.
 */
import { MarkdownDoc, type Cell } from '@gauntlet/github';
import type { ActionRuntime } from '@gauntlet/action-runtime';
import { reapLeftovers } from '@gauntlet/chaos';
import { Outputs } from './constants.js';
import type { ReapInputs } from './inputs.js';
import { connect } from './main.js';

export async function reap(inputs: ReapInputs, rt: ActionRuntime): Promise<void> {
  const client = await connect(inputs.kubeconfig, rt);
  let lines: string[];
  try {
    lines = await reapLeftovers(
      { client, log: (line) => rt.logger.info(line), signal: rt.signal },
      {
        namespaces: inputs.allowedNamespaces,
        now: rt.clock.now(),
        dryRun: inputs.dryRun,
        ...(inputs.toxiproxyUrl ? { toxiproxyUrls: [inputs.toxiproxyUrl] } : {}),
      },
    );
  } finally {
    client.close();
  }
  for (const line of lines) rt.logger.info(line);
  const acted = lines.filter((l) => !/, left$/.test(l)).length;
  rt.setOutput(Outputs.verdict, 'pass');
  rt.setOutput(Outputs.results, lines);
  const doc = new MarkdownDoc()
    .text(
      `Reaper${inputs.dryRun ? ' (dry run)' : ''}: ${lines.length} chaos object${lines.length === 1 ? '' : 's'} found in ${inputs.allowedNamespaces.join(', ')}; ${acted} reverted${inputs.dryRun ? ' (would be)' : ''}.`,
    )
    .table(
      [{ header: 'Object and outcome', maxChars: 400 }],
      lines.map((l): Cell[] => [l]),
    );
  await rt.report({
    title: 'Chaos reaper',
    markdown: doc,
    checkRun: { name: `${inputs.checkName} reaper`, conclusion: 'success', title: `${acted} reverted`, summary: doc },
    comment: false,
    post: inputs.report,
  });
}
