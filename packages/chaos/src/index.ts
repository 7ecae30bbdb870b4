/**
 * @gauntlet/chaos — chaos experiments under a live SLO guard: the experiment model and loader, the built-in
 * library, blast-radius limits, the decision policy, and the fault life cycle (inject, verify injected, revert,
 * verify reverted) whose backends are loaded lazily.
 */
export * from './errors.js';
export * from './experiment/model.js';
export { loadExperiments, API_VERSION } from './experiment/load.js';
export { LIBRARY_NAMES, type LibraryName } from './experiment/library.js';
export { FAULT_TYPES, TOXIC_TYPES, CHAOS_MESH_KINDS } from './experiment/faults.js';
export { nearestName } from './experiment/nearest.js';
export * from './blast-radius.js';
export * from './policy.js';
export * from './faults/index.js';
export * from './run/guard.js';
export * from './run/run-experiment.js';
export * from './select/index.js';
