/**
 * TEST ONLY. What every act test file arranges first: the GitHub API stand-in for acme/shop, the harness reporting
 * to it, a fresh copy of the shop fixture (its pull request seeded when the file has one) and the repository's
 * Actions cache folder. close() prints the harness's timings (the figures of the note) and stops both.
 */
import { startGitHubStandIn, type GitHubStandIn, type IssueComment } from '@gauntlet/github-api-standin';
import type { FixtureRepo } from './fixture-repo.js';
import { ActHarness } from './harness.js';

export interface ShopScenario {
  readonly gh: GitHubStandIn;
  readonly harness: ActHarness;
  readonly repo: FixtureRepo;
  readonly cacheDir: string;
  /** The comments the stand-in holds on pull request `pr` (default: the scenario's). */
  commentsOn(pr?: number): IssueComment[];
  close(): Promise<void>;
}

export interface ShopScenarioOptions {
  /** Names the timings line, e.g. the workflow file. */
  readonly label: string;
  /** The stand-in's seed (ids and SHAs it hands out). */
  readonly seed: number;
  /** A pull request to seed, open, at the fixture's PR head. */
  readonly pr?: number;
}

export async function startShopScenario(options: ShopScenarioOptions): Promise<ShopScenario> {
  const gh = await startGitHubStandIn({ seed: options.seed, owner: 'acme', repo: 'shop' });
  let harness: ActHarness | undefined;
  try {
    harness = await ActHarness.start({ github: gh });
    const repo = await harness.repo('shop');
    if (options.pr !== undefined) gh.seedPull(options.pr, { headSha: repo.prHeadSha });
    const cacheDir = await harness.cacheDir('shop');
    const started = harness;
    return {
      gh,
      harness,
      repo,
      cacheDir,
      commentsOn: (pr = options.pr) => gh.store.comments.filter((c) => c.issue_url.endsWith(`/issues/${pr}`)),
      close: async () => {
        process.stderr.write(`[act] ${options.label} runs: ${JSON.stringify(started.summary())}\n`);
        await started.close();
        await gh.close();
      },
    };
  } catch (error) {
    await harness?.close();
    await gh.close();
    throw error;
  }
}
