export * from './heap-limit.js';
