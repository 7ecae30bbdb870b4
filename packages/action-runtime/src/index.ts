export * from './define-action.js';
export type { CancelSignal, RunnerHost } from './host.js';
export * from './report.js';
export * from './runtime.js';
