export { main, parseArguments, repositoryRoot } from './cli.js';
export { runActionLocally, postShouldRun, RUNNER_SIGNAL_SCHEDULE } from './run-action.js';
export type { RunOptions, RunResult, StepResult } from './run-action.js';
export { readActionMetadata, inputEnvironment, inputVariable } from './action-metadata.js';
export type { ActionMetadata } from './action-metadata.js';
export { parseKeyValueFile } from './file-commands.js';
export { CommandProcessor, parseCommand } from './workflow-commands.js';
export type { WorkflowCommand } from './workflow-commands.js';
