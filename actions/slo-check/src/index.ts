import { runAction } from '@gauntlet/action-kit/runner';
import { ACTION } from './constants.js';
import { run } from './main.js';

export async function main(): Promise<void> {
  await runAction(ACTION, run);
}
