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
  step('shard-and-run', async (ctx) => {
    // plan → three shards → merge on a sample suite with one failing and one flaky test.
    await runShardDemo((name, inputs) => runStep(ctx, name, 'shard-and-run', inputs));
  }),
  step('slo-check', async (ctx) => {
    // The environment's namespace when provision-ephemeral-env ran; a fixed demo name otherwise.
    await runSloCheck(ctx, ctx.namespace ?? 'pr-demo00-42');
  }),
];

function step(action: string, run: (ctx: DemoContext) => Promise<void>): DemoStep {
  return { action, available: (ctx) => actionExists(ctx, action), run };
}
