import { runAction, runPostStep } from '@gauntlet/action-kit/runner';
import { ACTION } from './constants.js';
import { run } from './main.js';
import { runPost } from './post.js';

export async function main(): Promise<void> {
  await runAction(ACTION, run);
}

export async function post(): Promise<void> {
  await runPostStep(ACTION, runPost);
}

export default { main, post };
