// Public API of @gauntlet/events: event probes and data chaos on Kafka, RabbitMQ and NATS JetStream.
export * from './model.js';
export type * from './brokers/client.js';
export * from './probes/verdict.js';
export * from './probes/evidence.js';
export * from './probes/filter.js';
export * from './probes/selector.js';
export * from './probes/template.js';
