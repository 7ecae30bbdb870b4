export * from './heap-limit.js';
export * from './fake-clock.js';
