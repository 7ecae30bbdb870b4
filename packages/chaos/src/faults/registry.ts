import { UserError } from '@gauntlet/action-kit';
import type { FaultSpec, FaultType } from '../experiment/model.js';
import type { FaultBackend } from './types.js';

/**
 * Backends are loaded when a run first uses their type (as the Kubernetes client is), so a run of pod faults
 * never loads the Toxiproxy or Chaos Mesh code. A type without a backend yet is an error before any write.
 */
export async function loadBackend(type: FaultType): Promise<FaultBackend> {
  switch (type) {
    case 'pod-delete':
    case 'pod-failure':
      return (await import('./pod-delete.js')).podDeleteBackend;
    case 'scale-down':
      return (await import('./scale-down.js')).scaleDownBackend;
    case 'network-partition':
    case 'dns-failure':
      return (await import('./network-policy.js')).networkPolicyBackend;
    case 'resource-exhaustion':
      return (await import('./quota.js')).quotaBackend;
    case 'toxiproxy':
      return (await import('./toxiproxy.js')).toxiproxyBackend;
    case 'chaos-mesh':
      return (await import('./chaos-mesh.js')).chaosMeshBackend;
    case 'litmus':
      return (await import('./litmus.js')).litmusBackend;
    default:
      throw new UnsupportedFaultError(type);
  }
}

export class UnsupportedFaultError extends UserError {
  constructor(readonly type: FaultType) {
    super(`fault type '${type}' has no backend in this version of chaos-gate`);
    this.name = 'UnsupportedFaultError';
  }
}

export function faultTypesOf(faults: readonly FaultSpec[]): FaultType[] {
  return [...new Set(faults.map((f) => f.type))];
}
