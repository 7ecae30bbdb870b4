import { collectionPath, labelSelectorMatches, objectPath, types, type KubeObject } from '@gauntlet/kube';
import type { FaultSpec } from '../experiment/model.js';
import { chaosMetadata, chaosObjectName, dryRunQuery, namespaceOf, newEntry, targetOf } from './common.js';
import { BlastRadiusError } from '../errors.js';
import { isLivePod, podLabelsOfTarget } from './targets.js';
import type { FaultBackend, FaultContext, LedgerEntry } from './types.js';

type NetworkFault = Extract<FaultSpec, { type: 'network-partition' | 'dns-failure' }>;

interface PolicySpec {
  podSelector: { matchLabels: Record<string, string> };
  policyTypes: ('Ingress' | 'Egress')[];
  ingress?: unknown[];
  egress?: unknown[];
}

/** Pods that do NOT match the peer: one NotIn term per label (a pod differing in any label is not the peer). */
function notPeer(peer: Record<string, string>): unknown[] {
  return Object.entries(peer).map(([key, value]) => ({
    podSelector: { matchExpressions: [{ key, operator: 'NotIn', values: [value] }] },
  }));
}

/** Every port but 53, TCP and UDP: egress that leaves everything open except cluster DNS. */
const ALL_BUT_DNS = ['TCP', 'UDP'].flatMap((protocol) => [
  { protocol, port: 1, endPort: 52 },
  { protocol, port: 54, endPort: 65535 },
]);

async function policySpec(fault: NetworkFault, ctx: FaultContext, namespace: string): Promise<PolicySpec> {
  const target = targetOf(ctx, fault.target);
  const podSelector = { matchLabels: await podLabelsOfTarget(ctx.client, target, namespace, ctx.signal) };
  if (fault.type === 'dns-failure') return { podSelector, policyTypes: ['Egress'], egress: [{ ports: ALL_BUT_DNS }] };
  const peer = fault.from
    ? await podLabelsOfTarget(ctx.client, targetOf(ctx, fault.from), namespace, ctx.signal)
    : undefined;
  const rule = peer ? [{ from: notPeer(peer) }] : [];
  const egressRule = peer ? [{ to: notPeer(peer) }] : [];
  const spec: PolicySpec = { podSelector, policyTypes: [] };
  if (fault.direction !== 'egress') {
    spec.policyTypes.push('Ingress');
    spec.ingress = rule;
  }
  if (fault.direction !== 'ingress') {
    spec.policyTypes.push('Egress');
    spec.egress = egressRule;
  }
  return spec;
}

const specs = new WeakMap<LedgerEntry, PolicySpec>();

/** The live pods a policy's podSelector selects now, by name. */
async function selectedPods(
  ctx: FaultContext,
  namespace: string,
  matchLabels: Record<string, string>,
): Promise<string[]> {
  const labelSelector = Object.entries(matchLabels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const pods = await ctx.client.list(collectionPath(types.pod, namespace), { labelSelector }, ctx.signal);
  return pods.items
    .filter(isLivePod)
    .filter((p) =>
      labelSelectorMatches({ matchLabels }, p.metadata?.labels, { empty: 'nothing', unknownOperator: 'throw' }),
    )
    .map((p) => p.metadata?.name ?? '');
}

/**
 * A NetworkPolicy cuts every pod its selector matches: it cannot take the subset the blast-radius limits choose, so
 * a selector that matches more pods than the limits allow is refused here, before the step's first write.
 */
async function assertWithinLimits(
  fault: NetworkFault,
  ctx: FaultContext,
  namespace: string,
  spec: PolicySpec,
): Promise<void> {
  const pods = await selectedPods(ctx, namespace, spec.podSelector.matchLabels);
  const allowed = ctx.limitTargets(pods, targetOf(ctx, fault.target));
  if (allowed.length < pods.length)
    throw new BlastRadiusError(
      `${ctx.experiment}: fault ${fault.id} (${fault.type}) would cut all ${pods.length} pods its NetworkPolicy selects in '${namespace}', and the blast-radius limits (max-targets, max-percentage, blastRadius) allow ${allowed.length}: a NetworkPolicy cannot hit a subset, so narrow target '${fault.target}' or raise the limit`,
    );
}

/**
 * Network partition and DNS failure as a NetworkPolicy, created and deleted by uid, labelled with the run. Policies
 * only add allowances, so another policy that already allows the traffic defeats the fault: verifyInjected says so
 * (the fault is then "not injected", never a pass).
 */
export const networkPolicyBackend: FaultBackend<NetworkFault> = {
  async plan(fault, ctx) {
    const namespace = namespaceOf(ctx, fault.target);
    const entry = newEntry(fault, ctx, namespace, { target: targetOf(ctx, fault.target) });
    const spec = await policySpec(fault, ctx, namespace);
    await assertWithinLimits(fault, ctx, namespace, spec);
    specs.set(entry, spec);
    entry.created.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      plural: 'networkpolicies',
      namespace,
      name: chaosObjectName(ctx, fault),
    });
    return entry;
  },
  async inject(fault, entry, ctx) {
    const object = entry.created[0]!;
    const spec = specs.get(entry) ?? (await policySpec(fault, ctx, entry.namespace));
    const created = await ctx.client.request<KubeObject>({
      method: 'POST',
      path: collectionPath(types.networkPolicy, entry.namespace),
      query: dryRunQuery(ctx),
      body: {
        apiVersion: object.apiVersion,
        kind: object.kind,
        metadata: { name: object.name, ...chaosMetadata(entry) },
        spec,
      },
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    if (!ctx.dryRun) object.uid = created.metadata?.uid;
    ctx.log(`created NetworkPolicy ${object.name} (${fault.type})${ctx.dryRun ? ' (dry run)' : ''}`);
  },
  async verifyInjected(_fault, entry, ctx) {
    const object = entry.created[0]!;
    const selector = specs.get(entry)?.podSelector.matchLabels;
    // A policy over no live pod cuts nothing: zero targets is "not injected", never a pass.
    if (selector && (await selectedPods(ctx, entry.namespace, selector)).length === 0)
      return { ok: false, detail: `NetworkPolicy ${object.name} selects no live pod` };
    if (ctx.dryRun) return { ok: true, detail: `NetworkPolicy ${object.name} accepted (dry run)` };
    const live = await ctx.client.getOptional<KubeObject>(
      objectPath(types.networkPolicy, entry.namespace, object.name),
      ctx.signal,
    );
    if (!live || live.metadata?.uid !== object.uid)
      return { ok: false, detail: `NetworkPolicy ${object.name} is not there` };
    const spec = live.spec as PolicySpec;
    const others = (await ctx.client.list(collectionPath(types.networkPolicy, entry.namespace), {}, ctx.signal)).items;
    for (const other of others) {
      if (other.metadata?.uid === object.uid) continue;
      const o = other.spec as PolicySpec & { podSelector?: { matchLabels?: Record<string, string> } };
      if (
        !labelSelectorMatches(o.podSelector, spec.podSelector.matchLabels, {
          empty: 'everything',
          unknownOperator: 'no-match',
        })
      )
        continue;
      for (const type of spec.policyTypes) {
        const rules = type === 'Ingress' ? o.ingress : o.egress;
        if ((o.policyTypes ?? ['Ingress']).includes(type) && rules && rules.length > 0) {
          return {
            ok: false,
            detail: `NetworkPolicy ${other.metadata?.name} also selects the target and allows ${type.toLowerCase()} traffic; policies only add allowances, so the fault cannot cut it`,
          };
        }
      }
    }
    return { ok: true, detail: `NetworkPolicy ${object.name} (uid ${object.uid}) in effect` };
  },
  describe(fault) {
    return fault.type === 'dns-failure'
      ? `dns-failure ${fault.target}`
      : `network-partition ${fault.target} (${fault.direction})`;
  },
};
