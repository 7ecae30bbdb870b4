export * from './fake-prometheus.js';
