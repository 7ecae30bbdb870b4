// NetworkPolicy evaluation for the test bed's loopback balancer. kwok enforces nothing, so the balancer asks
// this module, per connection, whether the client may reach the backend pod. The semantics are the
// networking.k8s.io/v1 ones: a pod is isolated for a direction when some policy of its namespace selects it for
// that direction, and then a connection is allowed only when some rule of those policies allows it; ingress is
// decided by the target pod's namespace and egress by the client pod's. Fields we cannot honour are errors that
// name them (the balancer then denies: a policy the test bed misreads must never silently open traffic).
import { labelSelectorMatches, type LabelSelectorSpec } from '@gauntlet/kube';

export class PolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicyError';
  }
}

export interface PolicyPod {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** status.podIP (kwok assigns one): what ipBlock peers match. */
  readonly ip?: string;
  /** Container ports, for named ports in policies. */
  readonly ports?: ReadonlyArray<{
    readonly name?: string;
    readonly containerPort: number;
    readonly protocol?: string;
  }>;
}

/** Who opens a connection: a pod (subject to its namespace's egress policies), or a client outside the cluster. */
export type PolicyClient =
  { readonly kind: 'pod'; readonly pod: PolicyPod } | { readonly kind: 'external'; readonly ip?: string };

interface PolicyPeer {
  podSelector?: LabelSelectorSpec;
  namespaceSelector?: LabelSelectorSpec;
  ipBlock?: { cidr: string; except?: string[] };
}

interface PolicyPort {
  protocol?: string;
  port?: number | string;
  endPort?: number;
}

interface PolicyRule {
  from?: PolicyPeer[];
  to?: PolicyPeer[];
  ports?: PolicyPort[];
}

export interface NetworkPolicyObject {
  metadata?: { name?: string; namespace?: string };
  spec?: {
    podSelector?: LabelSelectorSpec;
    policyTypes?: string[];
    ingress?: PolicyRule[];
    egress?: PolicyRule[];
  };
}

export interface PolicyWorld {
  /** Every NetworkPolicy of the namespaces involved. */
  readonly policies: readonly NetworkPolicyObject[];
  /** The labels of a namespace (kubernetes.io/metadata.name included), undefined when it does not exist. */
  namespaceLabels(namespace: string): Readonly<Record<string, string>> | undefined;
}

export interface Decision {
  readonly allowed: boolean;
  readonly reason: string;
}

const selectAll = { empty: 'everything', unknownOperator: 'throw' } as const;

const KNOWN_SPEC = new Set(['podSelector', 'policyTypes', 'ingress', 'egress']);
const KNOWN_RULE = new Set(['from', 'to', 'ports']);
const KNOWN_PEER = new Set(['podSelector', 'namespaceSelector', 'ipBlock']);
const KNOWN_PORT = new Set(['protocol', 'port', 'endPort']);

function unknownKeys(value: object | undefined, known: Set<string>): string[] {
  return Object.keys(value ?? {}).filter((k) => !known.has(k));
}

/** Refuses what the balancer could not honour, naming the policy and field. */
export function validatePolicy(policy: NetworkPolicyObject): void {
  const where = `NetworkPolicy ${policy.metadata?.namespace ?? '?'}/${policy.metadata?.name ?? '?'}`;
  const spec = policy.spec;
  if (!spec) throw new PolicyError(`${where}: spec is missing`);
  const extra = unknownKeys(spec, KNOWN_SPEC);
  if (extra.length) throw new PolicyError(`${where}: spec.${extra[0]} is not supported by the test bed`);
  for (const type of spec.policyTypes ?? []) {
    if (type !== 'Ingress' && type !== 'Egress')
      throw new PolicyError(`${where}: spec.policyTypes has ${JSON.stringify(type)}`);
  }
  for (const direction of ['ingress', 'egress'] as const) {
    (spec[direction] ?? []).forEach((rule, i) => {
      const path = `spec.${direction}[${i}]`;
      const bad = unknownKeys(rule, KNOWN_RULE);
      if (bad.length) throw new PolicyError(`${where}: ${path}.${bad[0]} is not supported by the test bed`);
      const peersKey = direction === 'ingress' ? 'from' : 'to';
      if (rule[direction === 'ingress' ? 'to' : 'from'] !== undefined)
        throw new PolicyError(
          `${where}: ${path} has ${direction === 'ingress' ? 'to' : 'from'}, which ${direction} rules have not`,
        );
      (rule[peersKey] ?? []).forEach((peer, j) => {
        const peerPath = `${path}.${peersKey}[${j}]`;
        const badPeer = unknownKeys(peer, KNOWN_PEER);
        if (badPeer.length)
          throw new PolicyError(`${where}: ${peerPath}.${badPeer[0]} is not supported by the test bed`);
        if (peer.ipBlock && (peer.podSelector || peer.namespaceSelector))
          throw new PolicyError(`${where}: ${peerPath} combines ipBlock with a selector`);
        if (!peer.ipBlock && !peer.podSelector && !peer.namespaceSelector)
          throw new PolicyError(`${where}: ${peerPath} is empty`);
        if (peer.ipBlock) {
          parseCidr(peer.ipBlock.cidr, `${where}: ${peerPath}.ipBlock.cidr`);
          (peer.ipBlock.except ?? []).forEach((c, k) => parseCidr(c, `${where}: ${peerPath}.ipBlock.except[${k}]`));
        }
        // Unknown operators fail now, not at the first connection.
        checkSelector(peer.podSelector, `${where}: ${peerPath}.podSelector`);
        checkSelector(peer.namespaceSelector, `${where}: ${peerPath}.namespaceSelector`);
      });
      (rule.ports ?? []).forEach((port, j) => {
        const portPath = `${path}.ports[${j}]`;
        const badPort = unknownKeys(port, KNOWN_PORT);
        if (badPort.length)
          throw new PolicyError(`${where}: ${portPath}.${badPort[0]} is not supported by the test bed`);
        const protocol = port.protocol ?? 'TCP';
        if (!['TCP', 'UDP', 'SCTP'].includes(protocol))
          throw new PolicyError(`${where}: ${portPath}.protocol ${JSON.stringify(protocol)} is not TCP, UDP or SCTP`);
        if (port.endPort !== undefined && typeof port.port !== 'number')
          throw new PolicyError(`${where}: ${portPath}.endPort needs a numeric port`);
      });
    });
  }
  checkSelector(spec.podSelector, `${where}: spec.podSelector`);
}

function checkSelector(selector: LabelSelectorSpec | undefined, where: string): void {
  try {
    labelSelectorMatches(selector, {}, selectAll);
  } catch (e) {
    throw new PolicyError(`${where}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function parseIpv4(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return parts.reduce((acc, p) => acc * 256 + p, 0);
}

function parseCidr(text: string, where: string): { base: number; bits: number } {
  const [ip, bitsText, ...rest] = String(text).split('/');
  if (ip?.includes(':')) throw new PolicyError(`${where}: IPv6 (${text}) is not supported by the test bed`);
  const base = parseIpv4(ip ?? '');
  const bits = Number(bitsText);
  if (base === undefined || rest.length || !/^\d{1,2}$/.test(bitsText ?? '') || bits > 32)
    throw new PolicyError(`${where}: ${JSON.stringify(text)} is not an IPv4 CIDR`);
  return { base, bits };
}

function inCidr(ip: number, cidr: { base: number; bits: number }): boolean {
  if (cidr.bits === 0) return true;
  const size = 2 ** (32 - cidr.bits);
  return Math.floor(ip / size) === Math.floor(cidr.base / size);
}

function ipBlockMatches(block: { cidr: string; except?: string[] }, ipText: string | undefined): boolean {
  const ip = ipText === undefined ? undefined : parseIpv4(ipText);
  if (ip === undefined) return false;
  if (!inCidr(ip, parseCidr(block.cidr, 'ipBlock.cidr'))) return false;
  return !(block.except ?? []).some((c) => inCidr(ip, parseCidr(c, 'ipBlock.except')));
}

/** Whether `peer` (from a policy in `policyNamespace`) describes `subject` (a pod, or an external address). */
function peerMatches(
  peer: PolicyPeer,
  policyNamespace: string,
  subject: { pod?: PolicyPod; ip?: string },
  world: PolicyWorld,
): boolean {
  if (peer.ipBlock) return ipBlockMatches(peer.ipBlock, subject.pod?.ip ?? subject.ip);
  const pod = subject.pod;
  if (!pod) return false; // selectors describe pods; a client outside the cluster is never one
  if (peer.namespaceSelector) {
    const labels = world.namespaceLabels(pod.namespace);
    if (!labels || !labelSelectorMatches(peer.namespaceSelector, labels, selectAll)) return false;
  } else if (pod.namespace !== policyNamespace) {
    return false;
  }
  return peer.podSelector ? labelSelectorMatches(peer.podSelector, pod.labels, selectAll) : true;
}

function portMatches(rulePorts: PolicyPort[] | undefined, port: number, target: PolicyPod): boolean {
  if (!rulePorts || rulePorts.length === 0) return true;
  return rulePorts.some((p) => {
    if ((p.protocol ?? 'TCP') !== 'TCP') return false; // the balancer only carries TCP
    if (p.port === undefined) return true;
    if (typeof p.port === 'number')
      return p.endPort === undefined ? p.port === port : port >= p.port && port <= p.endPort;
    const named = (target.ports ?? []).find((cp) => cp.name === p.port && (cp.protocol ?? 'TCP') === 'TCP');
    return named?.containerPort === port;
  });
}

function hasType(policy: NetworkPolicyObject, type: 'Ingress' | 'Egress'): boolean {
  const types = policy.spec?.policyTypes;
  if (types && types.length) return types.includes(type);
  return type === 'Ingress' || policy.spec?.egress !== undefined;
}

function selecting(world: PolicyWorld, pod: PolicyPod, type: 'Ingress' | 'Egress'): NetworkPolicyObject[] {
  return world.policies.filter(
    (p) =>
      p.metadata?.namespace === pod.namespace &&
      hasType(p, type) &&
      labelSelectorMatches(p.spec?.podSelector, pod.labels, selectAll),
  );
}

const names = (policies: NetworkPolicyObject[]): string => policies.map((p) => p.metadata?.name ?? '?').join(', ');

/**
 * Whether `client` may open a TCP connection to `target` on `port` (the target pod's port the Service maps to).
 * Throws PolicyError for a policy it cannot honour.
 */
export function connectionAllowed(world: PolicyWorld, client: PolicyClient, target: PolicyPod, port: number): Decision {
  for (const p of world.policies) validatePolicy(p);
  if (client.kind === 'pod') {
    const egress = selecting(world, client.pod, 'Egress');
    if (egress.length) {
      const ok = egress.some((p) =>
        (p.spec?.egress ?? []).some(
          (rule) =>
            (!rule.to?.length ||
              rule.to.some((peer) => peerMatches(peer, client.pod.namespace, { pod: target }, world))) &&
            portMatches(rule.ports, port, target),
        ),
      );
      if (!ok)
        return {
          allowed: false,
          reason: `egress of ${client.pod.namespace}/${client.pod.name} to ${target.namespace}/${target.name}:${port} is denied (isolated by ${names(egress)})`,
        };
    }
  }
  const ingress = selecting(world, target, 'Ingress');
  if (ingress.length) {
    const subject = client.kind === 'pod' ? { pod: client.pod } : client.ip !== undefined ? { ip: client.ip } : {};
    const ok = ingress.some((p) =>
      (p.spec?.ingress ?? []).some(
        (rule) =>
          (!rule.from?.length || rule.from.some((peer) => peerMatches(peer, target.namespace, subject, world))) &&
          portMatches(rule.ports, port, target),
      ),
    );
    const who = client.kind === 'pod' ? `${client.pod.namespace}/${client.pod.name}` : 'an external client';
    if (!ok)
      return {
        allowed: false,
        reason: `ingress to ${target.namespace}/${target.name}:${port} from ${who} is denied (isolated by ${names(ingress)})`,
      };
    return { allowed: true, reason: `allowed by ${names(ingress)}` };
  }
  return { allowed: true, reason: 'no policy isolates the pods' };
}
