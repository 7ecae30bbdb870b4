/** Reading event definitions: the brokers input, `event:` probes and `type: event` faults. */
export { EventDefinitionError, type DefinitionSource } from './field.js';
export { readBrokers, brokerSecrets } from './brokers.js';
export { readEventProbe, EVENT_PROBE_KINDS, type EventProbeDefinition, type EventProbeKind } from './probes.js';
export { readEventFault, defaultSeed, type EventFaultDefinition } from './faults.js';
