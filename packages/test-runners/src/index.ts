export * from './command-template.js';
export * from './adapters.js';
export * from './run-command.js';
