// The balancer's NetworkPolicy semantics against a table of policies (networking.k8s.io/v1 behaviour).
import { describe, expect, it } from 'vitest';
import {
  connectionAllowed,
  PolicyError,
  validatePolicy,
  type NetworkPolicyObject,
  type PolicyClient,
  type PolicyPod,
} from './network-policy.js';

const pod = (namespace: string, name: string, labels: Record<string, string>, ip: string): PolicyPod => ({
  namespace,
  name,
  labels,
  ip,
  ports: [{ name: 'http', containerPort: 8080 }],
});
const web = pod('shop', 'web-0', { app: 'web' }, '10.0.0.10');
const api = pod('shop', 'api-0', { app: 'api' }, '10.0.0.11');
const db = pod('shop', 'db-0', { app: 'db' }, '10.0.0.12');
const probe = pod('monitoring', 'probe-0', { app: 'probe' }, '10.0.1.5');
const intruder = pod('other', 'x-0', { app: 'web' }, '10.0.2.5');
const nsLabels: Record<string, Record<string, string>> = {
  shop: { 'kubernetes.io/metadata.name': 'shop', team: 'shop' },
  monitoring: { 'kubernetes.io/metadata.name': 'monitoring', role: 'monitoring' },
  other: { 'kubernetes.io/metadata.name': 'other' },
};

const np = (name: string, spec: NetworkPolicyObject['spec'], namespace = 'shop'): NetworkPolicyObject => ({
  metadata: { name, namespace },
  spec,
});
const denyAllIngress = np('deny-all', { podSelector: {}, policyTypes: ['Ingress'] });
const denyAllEgress = np('deny-egress', { podSelector: {}, policyTypes: ['Egress'] });
const apiFromWeb = np('api-from-web', {
  podSelector: { matchLabels: { app: 'api' } },
  ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }] }],
});
const partitionApiDb = np('partition', {
  podSelector: { matchLabels: { app: 'db' } },
  policyTypes: ['Ingress'],
  ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['api'] }] } }] }],
});
const fromMonitoringNs = np('from-monitoring', {
  podSelector: {},
  ingress: [{ from: [{ namespaceSelector: { matchLabels: { role: 'monitoring' } } }] }],
});
const nsAndPod = np('probe-only', {
  podSelector: {},
  ingress: [
    {
      from: [
        { namespaceSelector: { matchLabels: { role: 'monitoring' } }, podSelector: { matchLabels: { app: 'other' } } },
      ],
    },
  ],
});
const onlyPort9090 = np('port-9090', { podSelector: {}, ingress: [{ ports: [{ port: 9090 }] }] });
const namedPort = np('named-http', { podSelector: {}, ingress: [{ ports: [{ port: 'http' }] }] });
const portRange = np('range', { podSelector: {}, ingress: [{ ports: [{ port: 8000, endPort: 8100 }] }] });
const udpOnly = np('udp', { podSelector: {}, ingress: [{ ports: [{ protocol: 'UDP', port: 8080 }] }] });
const ipBlock = np('ip', {
  podSelector: {},
  ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/16', except: ['10.0.2.0/24'] } }] }],
});
const allowAll = np('allow-all', { podSelector: {}, ingress: [{}] });
const egressToDbOnly = np('web-egress-db', {
  podSelector: { matchLabels: { app: 'web' } },
  policyTypes: ['Egress'],
  egress: [{ to: [{ podSelector: { matchLabels: { app: 'db' } } }] }],
});
const egressImplied = np('implied-egress', { podSelector: { matchLabels: { app: 'web' } }, egress: [] });
const otherNsDeny = np('deny-all', { podSelector: {}, policyTypes: ['Ingress'] }, 'other');

const asPod = (p: PolicyPod): PolicyClient => ({ kind: 'pod', pod: p });
const external: PolicyClient = { kind: 'external' };

const table: Array<[string, NetworkPolicyObject[], PolicyClient, PolicyPod, number, boolean]> = [
  ['no policy: all open', [], asPod(web), api, 8080, true],
  ['no policy: external client', [], external, api, 8080, true],
  ['default deny ingress', [denyAllIngress], asPod(web), api, 8080, false],
  ['default deny ingress: external client', [denyAllIngress], external, api, 8080, false],
  ['deny in another namespace does not isolate', [otherNsDeny], asPod(web), api, 8080, true],
  ['pod selector allows web → api', [apiFromWeb], asPod(web), api, 8080, true],
  ['pod selector refuses db → api', [apiFromWeb], asPod(db), api, 8080, false],
  ['pod selector is namespace-local', [apiFromWeb], asPod(intruder), api, 8080, false],
  ['policy on api does not isolate db', [apiFromWeb], asPod(web), db, 8080, true],
  ['allow plus deny-all: union of allows', [denyAllIngress, apiFromWeb], asPod(web), api, 8080, true],
  ['partition cuts api → db', [partitionApiDb], asPod(api), db, 8080, false],
  ['partition keeps web → db', [partitionApiDb], asPod(web), db, 8080, true],
  ['namespace selector admits the monitoring namespace', [fromMonitoringNs], asPod(probe), web, 8080, true],
  ['namespace selector refuses the own namespace', [fromMonitoringNs], asPod(api), web, 8080, false],
  ['namespace and pod selector together: both must match', [nsAndPod], asPod(probe), web, 8080, false],
  ['numeric port refuses another port', [onlyPort9090], asPod(web), api, 8080, false],
  ['numeric port admits its port', [onlyPort9090], asPod(web), api, 9090, true],
  ['named port resolves to the container port', [namedPort], asPod(web), api, 8080, true],
  ['named port does not match another number', [namedPort], asPod(web), api, 9090, false],
  ['port range', [portRange], asPod(web), api, 8080, true],
  ['UDP rule never admits TCP', [udpOnly], asPod(web), api, 8080, false],
  ['ipBlock admits a pod IP inside', [ipBlock], asPod(web), api, 8080, true],
  ['ipBlock except refuses', [ipBlock], asPod(intruder), api, 8080, false],
  ['ipBlock never admits an external client without an address', [ipBlock], external, api, 8080, false],
  ['ipBlock admits an external client by address', [ipBlock], { kind: 'external', ip: '10.0.3.3' }, api, 8080, true],
  ['allow-all rule with no from', [denyAllIngress, allowAll], asPod(intruder), api, 8080, true],
  ['default deny egress of the client', [denyAllEgress], asPod(web), api, 8080, false],
  ['egress deny does not apply to an external client', [denyAllEgress], external, api, 8080, true],
  ['egress allow list: web → db', [egressToDbOnly], asPod(web), db, 8080, true],
  ['egress allow list: web → api refused', [egressToDbOnly], asPod(web), api, 8080, false],
  ['egress rules imply policyTypes Egress', [egressImplied], asPod(web), db, 8080, false],
  ['egress policy does not isolate ingress', [egressToDbOnly], asPod(api), web, 8080, true],
];

describe('connectionAllowed', () => {
  const world = (policies: NetworkPolicyObject[]) => ({ policies, namespaceLabels: (ns: string) => nsLabels[ns] });
  it.each(table)('%s', (_name, policies, client, target, port, expected) => {
    const decision = connectionAllowed(world(policies), client, target, port);
    expect(decision.allowed, decision.reason).toBe(expected);
    if (!expected) expect(decision.reason).toMatch(/denied \(isolated by /);
  });
});

describe('validatePolicy names what it cannot honour', () => {
  it.each<[string, NetworkPolicyObject, RegExp]>([
    ['IPv6 cidr', np('v6', { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: 'fd00::/8' } }] }] }), /IPv6/],
    [
      'bad cidr',
      np('bad', { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/40' } }] }] }),
      /not an IPv4 CIDR/,
    ],
    [
      'unknown operator',
      np('op', { podSelector: { matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] } }),
      /unsupported label selector operator "Gt"/,
    ],
    [
      'unknown spec field',
      { metadata: { name: 'u', namespace: 'shop' }, spec: { podSelector: {}, x: 1 } as never },
      /spec\.x is not supported/,
    ],
    ['unknown policy type', np('t', { podSelector: {}, policyTypes: ['Both'] }), /policyTypes has "Both"/],
    [
      'ipBlock with a selector',
      np('m', { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} }] }] }),
      /combines ipBlock/,
    ],
    ['empty peer', np('e', { podSelector: {}, ingress: [{ from: [{}] }] }), /from\[0\] is empty/],
    [
      'endPort with a named port',
      np('r', { podSelector: {}, ingress: [{ ports: [{ port: 'http', endPort: 9 }] }] }),
      /endPort needs a numeric port/,
    ],
  ])('%s', (_name, policy, message) => {
    expect(() => validatePolicy(policy)).toThrow(PolicyError);
    expect(() => validatePolicy(policy)).toThrow(message);
  });
});
