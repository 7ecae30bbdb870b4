import { actionExists, type DemoContext } from './context.js';

/** The example pipeline, in workflow order. Steps whose action is not built yet are skipped and named. */
export interface DemoStep {
  action: string;
  available(ctx: DemoContext): boolean;
  run(ctx: DemoContext): Promise<void>;
}

export const demoSteps: DemoStep[] = [];

export function step(action: string, run: (ctx: DemoContext) => Promise<void>): DemoStep {
  return { action, available: (ctx) => actionExists(ctx, action), run };
}
