export * from './command-template.js';
export * from './adapters.js';
