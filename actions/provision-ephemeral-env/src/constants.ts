/** Input, output and state names of provision-ephemeral-env: the only place they are spelled. */
export const ACTION = 'provision-ephemeral-env';
export const CHECK_NAME = 'Ephemeral environment';

export const Inputs = {
  mode: 'mode',
  kubeconfig: 'kubeconfig',
  context: 'context',
  namePrefix: 'name-prefix',
  prNumber: 'pr-number',
  baselineRef: 'baseline-ref',
  manifests: 'manifests',
  variables: 'variables',
  images: 'images',
  imageTag: 'image-tag',
  allowClusterScoped: 'allow-cluster-scoped',
  forceConflicts: 'force-conflicts',
  fieldManager: 'field-manager',
  seedJobs: 'seed-jobs',
  timeout: 'timeout',
  ttl: 'ttl',
  keepOnFailure: 'keep-on-failure',
  resourceQuota: 'resource-quota',
  limitRange: 'limit-range',
  networkPolicy: 'network-policy',
  allowNamespaces: 'allow-namespaces',
  podSecurity: 'pod-security',
  allowPrivileged: 'allow-privileged',
  maxEnvironments: 'max-environments',
  capacityCheck: 'capacity-check',
  capacityWait: 'capacity-wait',
  namespaceKubeconfig: 'namespace-kubeconfig',
  clusterDomain: 'cluster-domain',
  deleteTimeout: 'delete-timeout',
  failOnStuck: 'fail-on-stuck',
  dryRun: 'dry-run',
  reapClosed: 'reap-closed',
  githubToken: 'github-token',
  report: 'report',
  allowForkEvents: 'allow-fork-events',
  recordsNamespace: 'records-namespace',
} as const;

export const Outputs = {
  namespace: 'namespace',
  baselineNamespace: 'baseline-namespace',
  environment: 'environment',
  expiresAt: 'expires-at',
  kubeconfig: 'kubeconfig',
  status: 'status',
  reaped: 'reaped',
} as const;

/** Saved by the main step, read by the post step (as STATE_<name>). */
export const State = {
  namespace: 'namespace',
  identity: 'identity',
  /** starting → creating → applying → ready | failed | torn-down */
  phase: 'phase',
  runKey: 'run-key',
  keepOnFailure: 'keep-on-failure',
  /** Set by the main step's SIGINT/SIGTERM handler: the job was cancelled, even if up had already finished. */
  cancelled: 'cancelled',
  /** 'true' when up stopped with its namespace create possibly still in flight: the post step looks again. */
  createInFlight: 'create-in-flight',
} as const;

export type Phase = 'starting' | 'creating' | 'applying' | 'ready' | 'failed' | 'torn-down' | 'down';

/** Names of the guardrail objects in every environment. */
export const Guardrail = {
  quota: 'gauntlet-quota',
  limits: 'gauntlet-limits',
  denyAll: 'gauntlet-default-deny',
  allow: 'gauntlet-allow',
  lease: 'gauntlet-environment',
  readerAccount: 'gauntlet-reader',
} as const;

/**
 * Every object the action keeps in an environment besides the stack (guardrails, the reader account) is named with
 * this prefix, and the stack may not use it for any kind: a stack object can never take the name of one of ours.
 */
export const RESERVED_NAME_PREFIX = 'gauntlet-';

/**
 * The field manager of the guardrails and the reader account: fixed, and never the stack's field-manager (an input
 * equal to it is refused), so a stack object can neither share nor take over their fields.
 */
export const GUARDRAIL_FIELD_MANAGER = 'gauntlet-guardrails';

/** Annotation marking a Job in the stack as a seed job (run to completion before workloads are awaited). */
export const SEED_ANNOTATION = 'gauntlet.dev/seed';

/** The environment's ResourceQuota when resource-quota does not change it (the input is merged over this). */
export const DEFAULT_QUOTA: Readonly<Record<string, string>> = {
  'requests.cpu': '4',
  'requests.memory': '8Gi',
  'limits.cpu': '16',
  'limits.memory': '32Gi',
  pods: '60',
  services: '40',
  persistentvolumeclaims: '10',
  'services.loadbalancers': '0',
  'services.nodeports': '0',
};
