// Public API of @gauntlet/events: event probes and data chaos on Kafka, RabbitMQ and NATS JetStream.
export * from './model.js';
export type * from './brokers/client.js';
export * from './brokers/connection.js';
export { connectBroker } from './brokers/connect.js';
export { DEFAULT_EXCHANGE } from './brokers/rabbitmq.js';
export * from './probes/verdict.js';
export * from './probes/evidence.js';
export * from './probes/filter.js';
export * from './probes/selector.js';
export * from './probes/template.js';
export * from './probes/context.js';
export * from './probes/expect.js';
export * from './probes/count.js';
export * from './probes/sequence.js';
export * from './probes/watchers.js';
export * from './chaos/faults.js';
export * from './chaos/journal.js';
export * from './chaos/relay.js';
