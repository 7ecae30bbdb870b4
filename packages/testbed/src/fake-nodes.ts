// The fake nodes the local cluster starts with. Shapes mirror common cloud instance types so scheduling,
// quota and capacity maths in the actions meet realistic numbers; the spot and high-memory nodes are
// tainted so that only pods that opt in land there (as on a real cluster).
import type { V1Node } from '@kubernetes/client-node';

export interface FakeNodeSpec {
  name: string;
  cpu: string;
  memory: string;
  pods: string;
  instanceType: string;
  zone: string;
  labels?: Record<string, string>;
  taints?: { key: string; value: string; effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' }[];
}

/** Label and taint names used on the special nodes, exported so tests select them without string copies. */
export const nodeKeys = {
  capacityType: 'karpenter.sh/capacity-type',
  eksCapacityType: 'eks.amazonaws.com/capacityType',
  spotTaint: 'gauntlet.dev/spot',
  pool: 'gauntlet.dev/node-pool',
  highMemoryTaint: 'gauntlet.dev/high-memory',
} as const;

export const defaultFakeNodes: FakeNodeSpec[] = [
  // Large general nodes: several test runs share one test bed, and each live environment reserves its whole quota
  // in capacity admission, so small nodes would make unrelated tests refuse each other.
  { name: 'kwok-general-0', cpu: '32', memory: '128Gi', pods: '250', instanceType: 'm5.8xlarge', zone: 'us-east-1a' },
  { name: 'kwok-general-1', cpu: '32', memory: '128Gi', pods: '250', instanceType: 'm5.8xlarge', zone: 'us-east-1b' },
  {
    name: 'kwok-spot-0',
    cpu: '4',
    memory: '16Gi',
    pods: '58',
    instanceType: 'm5.xlarge',
    zone: 'us-east-1c',
    labels: { [nodeKeys.capacityType]: 'spot', [nodeKeys.eksCapacityType]: 'SPOT', [nodeKeys.pool]: 'spot' },
    taints: [{ key: nodeKeys.spotTaint, value: 'true', effect: 'NoSchedule' }],
  },
  {
    name: 'kwok-highmem-0',
    cpu: '16',
    memory: '128Gi',
    pods: '234',
    instanceType: 'r5.4xlarge',
    zone: 'us-east-1a',
    labels: { [nodeKeys.capacityType]: 'on-demand', [nodeKeys.pool]: 'high-memory' },
    taints: [{ key: nodeKeys.highMemoryTaint, value: 'true', effect: 'NoSchedule' }],
  },
];

/** The v1.Node object for a spec, in the same form as kwokctl's own node template. */
export function fakeNodeObject(spec: FakeNodeSpec, index: number): V1Node {
  // Node IPs are from TEST-NET-1 (192.0.2.0/24): data only, nothing may ever connect to them.
  const resources = { cpu: spec.cpu, memory: spec.memory, pods: spec.pods, 'ephemeral-storage': '100Gi' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: spec.name,
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/os': 'linux',
        'kubernetes.io/hostname': spec.name,
        'node.kubernetes.io/instance-type': spec.instanceType,
        'topology.kubernetes.io/region': 'us-east-1',
        'topology.kubernetes.io/zone': spec.zone,
        type: 'kwok',
        ...spec.labels,
      },
    },
    spec: {
      podCIDR: `10.0.${index}.0/24`,
      podCIDRs: [`10.0.${index}.0/24`],
      ...(spec.taints ? { taints: spec.taints } : {}),
    },
    status: {
      addresses: [{ address: `192.0.2.${index + 10}`, type: 'InternalIP' }],
      allocatable: resources,
      capacity: resources,
      nodeInfo: {
        architecture: 'amd64',
        operatingSystem: 'linux',
        bootID: '',
        containerRuntimeVersion: 'kwok',
        kernelVersion: '',
        kubeProxyVersion: '',
        kubeletVersion: 'kwok',
        machineID: '',
        osImage: 'kwok',
        systemUUID: '',
      },
    },
  };
}
