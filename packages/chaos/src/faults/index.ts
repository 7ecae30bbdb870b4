export * from './types.js';
export { revertEntry, verifyReverted } from './revert.js';
export { loadBackend, UnsupportedFaultError } from './registry.js';
export { resolveTarget, podsOfTarget, isReadyPod } from './targets.js';
export { revertLedger, reapLeftovers, type ReapOptions } from './reap.js';
export { ToxiproxyClient, ToxiproxyError, type ToxiproxyProxy, type ToxiproxyToxic } from './toxiproxy/client.js';
export { newEntry } from './common.js';
