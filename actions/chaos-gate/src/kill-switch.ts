import { errorMessage, neutralize, type Logger, type WorkflowRun } from '@gauntlet/action-kit';
import type { GitHubClient } from '@gauntlet/github';
import { objectPath, types, type KubeClient } from '@gauntlet/kube';

export interface KillSwitchOptions {
  readonly client: KubeClient;
  readonly namespaces: readonly string[];
  readonly configMap?: string;
  readonly label?: string;
  readonly run: WorkflowRun;
  readonly github: () => GitHubClient | undefined;
  readonly logger: Logger;
}

/**
 * The kill switch, asked before each experiment and at every guard interval: the halt label on the pull request
 * (read through the API, so a label added mid-run counts; the event's labels when there is no token) or the halt
 * ConfigMap in an allowed namespace. A reason string when a halt is requested.
 *
 * A failure to read the label is warned about once and does not halt (a flaky API must not stop every game day);
 * a failure to read the ConfigMap is an error, since the cluster is what the faults are in.
 */
export function killSwitch(options: KillSwitchOptions): () => Promise<string | undefined> {
  let warned = false;
  const wanted = options.label?.toLowerCase();
  const eventLabels = (): string[] => {
    const labels: unknown = options.run.event.pull_request?.labels;
    return Array.isArray(labels)
      ? labels.map((l: unknown) => (l as { name?: unknown } | null)?.name).filter((n) => typeof n === 'string')
      : [];
  };
  const labelled = async (): Promise<boolean> => {
    if (!wanted || options.run.prNumber === undefined) return false;
    const octokit = options.github();
    if (octokit) {
      try {
        const { data } = await octokit.rest.issues.listLabelsOnIssue({
          owner: options.run.owner,
          repo: options.run.repo,
          issue_number: options.run.prNumber,
          per_page: 100,
        });
        return data.some((l) => l.name.toLowerCase() === wanted);
      } catch (error) {
        if (!warned) {
          warned = true;
          options.logger.warning(
            `the halt label could not be read (${neutralize(errorMessage(error))}); only the event's labels and the halt ConfigMap count`,
          );
        }
      }
    }
    return eventLabels().some((name) => name.toLowerCase() === wanted);
  };
  return async () => {
    if (options.configMap) {
      for (const namespace of options.namespaces) {
        const found = await options.client.getOptional(objectPath(types.configMap, namespace, options.configMap));
        if (found) return `ConfigMap ${namespace}/${options.configMap} exists`;
      }
    }
    if (await labelled()) return `the pull request has the label "${options.label}"`;
    return undefined;
  };
}
