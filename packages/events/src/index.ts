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
export * from './probes/acknowledged.js';
export * from './probes/lag-recovery.js';
export * from './probes/replay.js';
export * from './chaos/faults.js';
export * from './chaos/journal.js';
export * from './chaos/relay.js';
export { RelayRoute, RELAY_IN_FLIGHT, type RouteEnds } from './chaos/relay-route.js';
export * from './chaos/data-fault.js';
export {
  NatsChaosProxy,
  NatsDataFault,
  PROXY_HOLD_LIMIT_BYTES,
  type NatsFaultSpec,
  type NatsProxyOptions,
} from './chaos/nats-proxy.js';
export { subjectMatches, subjectPatternError, NatsProtocolError } from './chaos/nats-framing.js';
export * from './contracts/asyncapi.js';
export * from './contracts/validate.js';
export * from './contracts/malformations.js';
export * from './contracts/probe.js';
export { ChaoticClient, ProducerDataFault, describeCounts, type ProducerFaultSpec } from './chaos/producer-fault.js';
export * from './definitions/index.js';
