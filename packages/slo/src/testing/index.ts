export * from './fake-prometheus.js';
export * from './local-prometheus.js';
export * from './forward-proxy.js';
