/** TEST ONLY: the act harness that runs workflows-examples/ under nektos/act (see README.md). */
export {
  ActHarness,
  EXAMPLES_DIR,
  REPO_ROOT,
  type HarnessOptions,
  type RunSpec,
  type WorkflowRunHandle,
  type WorkflowRunResult,
} from './harness.js';
export type { Conclusion, JobRecord, StepRecord } from './act-log.js';
export { freePort, stderrProgress, type ProgressLog } from './act-process.js';
export type { FixtureRepo } from './fixture-repo.js';
export { pullRequestEvent, pushEvent, scheduleEvent, workflowDispatchEvent, type PullRequestAction } from './events.js';
export { readArtifact, unzip } from './artifacts.js';
export { startShopScenario, type ShopScenario, type ShopScenarioOptions } from './scenario.js';
