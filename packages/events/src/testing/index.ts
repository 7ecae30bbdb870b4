// Test doubles for @gauntlet/events (import from '@gauntlet/events/testing'; never from product code).
export { MemoryBroker } from './memory-broker.js';
