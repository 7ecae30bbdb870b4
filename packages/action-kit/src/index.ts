export * from './logger.js';
export * from './errors.js';
export * from './untrusted.js';
export * from './duration.js';
export * from './clock.js';
export * from './inputs.js';
export * from './secrets.js';
export * from './workflow-run.js';
