export * from './heap-limit.js';
export * from './fake-clock.js';
export * from './recording-logger.js';
