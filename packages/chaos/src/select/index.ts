export * from './graph.js';
export * from './history.js';
export * from './rank.js';
export * from './traffic.js';
