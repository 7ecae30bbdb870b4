// Public API of @gauntlet/testbed.
export {
  up,
  down,
  release,
  status,
  allComponents,
  brokerComponents,
  type Component,
  type UpOptions,
  type UpResult,
  type DownOptions,
  type StatusReport,
} from './testbed.js';
export { ensureBinaries, readBinaries, type Binaries } from './binaries.js';
export { getTestbed, envNames, type Testbed, type TestbedFacts } from './testbed-facts.js';
export { FaultProxy, type FaultProxyOptions, type RecordedRequest } from './fault-proxy.js';
export type { FaultRule, FaultAction, RuleState } from './fault-rules.js';
export { kubeStatus, prometheusError, expiredWatchEvent } from './fault-bodies.js';
export { upstreamFromKubeConfig, plainUpstream, loadKubeConfig, type Upstream } from './upstream.js';
export { stageKeys } from './kwok-stages.js';
export { nodeKeys, defaultFakeNodes, type FakeNodeSpec } from './fake-nodes.js';
// A private RabbitMQ node (its own directory and ports), for tests that kill and restart a broker.
export { startRabbitmq, type RabbitmqState } from './brokers/rabbitmq.js';
export { ToxiproxyClient, type ToxiproxyProxy, type Toxic } from './toxiproxy-client.js';
export { remoteWrite, type RemoteWriteSeries } from './prometheus-remote-write.js';
export {
  ensureBrokers,
  brokerProcessControl,
  type BrokerKind,
  type BrokerFacts,
  type BrokerProcessControl,
} from './brokers/index.js';
export {
  startProcessPods,
  type ProcessPods,
  type ProcessPodsOptions,
  type ServiceAddressOptions,
  type ProcessPodInfo,
} from './process-pods/process-pods.js';
export { processPodKeys, type RegisteredCommand } from './process-pods/pod-spec.js';
export {
  connectionAllowed,
  validatePolicy,
  PolicyError,
  type PolicyPod,
  type PolicyClient,
} from './process-pods/network-policy.js';
export { ensureChaosMesh, chaosMeshVersion, type ChaosMeshFacts } from './chaos-mesh.js';
export { installCrds, testbedCrds, type CrdSet } from './crds.js';
export {
  startLitmusStatusWriter,
  type LitmusStatusWriter,
  type LitmusStatusWriterOptions,
  type LitmusVerdict,
} from './litmus-status-writer.js';
export { processBackedDeployment, httpStatus, prometheusValue } from './process-pods/fixtures.js';
