export * from './logger.js';
export * from './errors.js';
export * from './untrusted.js';
