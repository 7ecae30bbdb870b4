import { runShardDemo } from '../../test/shard-and-run/demo.js';
import { actionExists, runStep, type DemoContext } from './context.js';
import { runSloCheck } from './slo-step.js';

/** The example pipeline, in workflow order. Steps whose action is not built yet are skipped and named. */
export interface DemoStep {
  action: string;
  available(ctx: DemoContext): boolean;
  run(ctx: DemoContext): Promise<void>;
}

export const demoSteps: DemoStep[] = [
  step('provision-ephemeral-env', async (ctx) => {
    // A stack of every common kind (Deployment, StatefulSet, DaemonSet, Job, Service, Ingress, …) in the PR's
    // namespace, with the default guardrails; its namespace feeds the SLO gate below.
    const up = await runStep(
      ctx,
      'environment',
      'provision-ephemeral-env',
      {
        mode: 'up',
        manifests: 'test/provision/fixtures/all-kinds/stack.yaml',
        ttl: '1h',
        // A quota sized to this small stack, so capacity admission fits it on a busy test bed.
        'resource-quota': 'requests.cpu: "1"\nrequests.memory: 1Gi\nlimits.cpu: "4"\nlimits.memory: 4Gi\npods: "30"',
      },
      { KUBECONFIG: ctx.kubeconfig },
      ctx.root,
    );
    if (up.outputs.namespace) ctx.namespace = up.outputs.namespace;
  }),
  step('shard-and-run', async (ctx) => {
    // plan → three shards → merge on a sample suite with one failing and one flaky test.
    await runShardDemo((name, inputs, workspace) => runStep(ctx, name, 'shard-and-run', inputs, {}, workspace));
  }),
  step('slo-check', async (ctx) => {
    // The environment's namespace when provision-ephemeral-env ran; a fixed demo name otherwise.
    await runSloCheck(ctx, ctx.namespace ?? 'pr-demo00-42');
  }),
  step('provision-ephemeral-env', async (ctx) => {
    // What the workflow's pull_request `closed` job does: tear the environment down, ownership checked.
    if (!ctx.namespace) return;
    await runStep(
      ctx,
      'teardown',
      'provision-ephemeral-env',
      { mode: 'down' },
      { KUBECONFIG: ctx.kubeconfig },
      ctx.root,
    );
  }),
];

function step(action: string, run: (ctx: DemoContext) => Promise<void>): DemoStep {
  return { action, available: (ctx) => actionExists(ctx, action), run };
}
