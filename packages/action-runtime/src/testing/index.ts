export * from './test-host.js';
