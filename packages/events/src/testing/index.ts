// Test doubles for @gauntlet/events (import from '@gauntlet/events/testing'; never from product code).
export { MemoryBroker } from './memory-broker.js';
export {
  startSampleSystem,
  sampleChannels,
  PAYMENT_LIMIT,
  type SampleSystem,
  type SampleVariant,
  type SampleChannels,
} from './sample-system.js';
export { ensureNatsStream } from './nats-stream.js';
export { startServiceConsumer, type ServiceConsumer, type ServiceConsumerOptions } from './service-consumer.js';
export { startOrderProjection, type OrderProjection, type ProjectionVariant } from './projection.js';
export { openIdleConnection, type IdleConnection } from './idle-connection.js';
