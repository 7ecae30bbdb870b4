/** Names shared by action.yml, the input parser, the outputs and the post step's state: one place, no string copies. */

export const ACTION_NAME = 'shard-and-run';

export const MODES = ['plan', 'run', 'merge', 'queue', 'kubernetes'] as const;
export type Mode = (typeof MODES)[number];

export const Inputs = {
  mode: 'mode',
  githubToken: 'github-token',
  workingDirectory: 'working-directory',
  runner: 'runner',
  command: 'command',
  tests: 'tests',
  discovery: 'discovery',
  listCommand: 'list-command',
  discoveryJunit: 'discovery-junit',
  allowNoTests: 'allow-no-tests',
  shards: 'shards',
  granularity: 'granularity',
  targetDuration: 'target-duration',
  maxParallel: 'max-parallel',
  shardOverhead: 'shard-overhead',
  timings: 'timings',
  timingsFile: 'timings-file',
  timingsKey: 'timings-key',
  trustedRefs: 'trusted-refs',
  cacheTimeout: 'cache-timeout',
  plan: 'plan',
  planFile: 'plan-file',
  planId: 'plan-id',
  shard: 'shard',
  junitPath: 'junit-path',
  retries: 'retries',
  rerun: 'rerun',
  timeout: 'timeout',
  resultsDir: 'results-dir',
  failOnFailure: 'fail-on-failure',
  mergedJunit: 'merged-junit',
  report: 'report',
  checkName: 'check-name',
  comment: 'comment',
  maxAnnotations: 'max-annotations',
  namespace: 'namespace',
  kubeconfig: 'kubeconfig',
  image: 'image',
  parallelism: 'parallelism',
  resources: 'resources',
  nodeSelector: 'node-selector',
  tolerations: 'tolerations',
  labels: 'labels',
  podAnnotations: 'pod-annotations',
  podEnv: 'pod-env',
  retriesPerIndex: 'retries-per-index',
  serviceAccount: 'service-account',
  kubeTimeout: 'kube-timeout',
  kubePendingTimeout: 'kube-pending-timeout',
  podSecurityContext: 'pod-security-context',
  keepResources: 'keep-resources',
  leaseTimeout: 'lease-timeout',
} as const;

export const Outputs = {
  matrix: 'matrix',
  plan: 'plan',
  planFile: 'plan-file',
  planId: 'plan-id',
  shardCount: 'shard-count',
  shardCountReason: 'shard-count-reason',
  lowerBound: 'lower-bound-seconds',
  predictedMakespan: 'predicted-makespan-seconds',
  resultDir: 'result-dir',
  conclusion: 'conclusion',
  tests: 'tests',
  passed: 'passed',
  failed: 'failed',
  flaky: 'flaky',
  skipped: 'skipped',
  missingShards: 'missing-shards',
  mergedJunit: 'merged-junit',
  recommendedShards: 'recommended-shards',
} as const;

/** Post-step state: what the Kubernetes backend created, so a cancelled main step still gets cleaned up. */
export const State = {
  kubeRoot: 'kube-root',
  /** The uid of the root ConfigMap this run created: the post step deletes that object only. */
  kubeRootUid: 'kube-root-uid',
  kubeNamespace: 'kube-namespace',
  cleaned: 'kube-cleaned',
} as const;

/** Environment the action gives the test command (and the Kubernetes pods). */
export const CommandEnv = {
  shardIndex: 'GAUNTLET_SHARD_INDEX',
  shardTotal: 'GAUNTLET_SHARD_TOTAL',
  /** 0 on the first run of a shard's tests, 1 on the first retry of its failures, … */
  retry: 'GAUNTLET_RETRY',
  /** The workflow run attempt (1, 2, …) or, on Kubernetes, the pod's attempt for its index (1, 2, …). */
  attempt: 'GAUNTLET_ATTEMPT',
  planId: 'GAUNTLET_PLAN_ID',
} as const;

/** Upper bound of an inline `plan` output: GitHub allows 1 MB of outputs per job, shared with the matrix. */
export const INLINE_PLAN_MAX_BYTES = 256 * 1024;

/** File names inside a shard's result directory. */
export const ResultFiles = {
  meta: 'result.json',
  junit: 'junit.xml',
  timings: 'timings.json',
} as const;
