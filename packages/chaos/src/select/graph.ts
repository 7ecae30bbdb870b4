/**
 * The environment's dependency graph, for target selection: Services lead to the workloads their selectors match,
 * and workloads lead to the Services whose DNS names appear in their container env, args, command and the
 * ConfigMaps they mount or read. An edge `from → to` says "from calls to (through service)". Everything here is
 * read from the cluster, so names and labels are untrusted text: they are compared, never interpreted.
 */
import { collectionPath, types, type KubeClient, type KubeObject } from '@gauntlet/kube';

export type GraphWorkloadKind = 'Deployment' | 'StatefulSet';

export interface GraphWorkload {
  readonly kind: GraphWorkloadKind;
  readonly name: string;
  /** The pod template's labels (the target selector of pod faults). */
  readonly podLabels: Readonly<Record<string, string>>;
  readonly replicas: number;
}

export interface GraphEdge {
  /** Workload names (unique in a namespace across the two kinds we read, else `kind/name`). */
  readonly from: string;
  readonly to: string;
  readonly service: string;
  /** Where the caller names the service: `env CHECKOUT_URL`, `configmap shop-config key DB`. */
  readonly evidence: string;
}

export interface DependencyGraph {
  readonly namespace: string;
  readonly workloads: readonly GraphWorkload[];
  /** Service name → the workloads its selector matches. */
  readonly services: ReadonlyMap<string, readonly string[]>;
  readonly edges: readonly GraphEdge[];
}

interface PodTemplate {
  metadata?: { labels?: Record<string, string> };
  spec?: {
    containers?: Container[];
    initContainers?: Container[];
    volumes?: { configMap?: { name?: string }; projected?: { sources?: { configMap?: { name?: string } }[] } }[];
  };
}
interface Container {
  env?: { name?: string; value?: string; valueFrom?: { configMapKeyRef?: { name?: string; key?: string } } }[];
  envFrom?: { configMapRef?: { name?: string } }[];
  args?: string[];
  command?: string[];
}

/** Texts of one workload that may name a service, each with where it came from. */
function textsOf(template: PodTemplate, configMaps: ReadonlyMap<string, Record<string, string>>): [string, string][] {
  const out: [string, string][] = [];
  const mapEntries = (name: string | undefined, only?: string): void => {
    const data = name === undefined ? undefined : configMaps.get(name);
    if (!data) return;
    for (const [key, value] of Object.entries(data)) {
      if (only === undefined || key === only) out.push([`configmap ${name} key ${key}`, value]);
    }
  };
  for (const c of [...(template.spec?.containers ?? []), ...(template.spec?.initContainers ?? [])]) {
    for (const e of c.env ?? []) {
      if (typeof e.value === 'string') out.push([`env ${e.name ?? '?'}`, e.value]);
      const ref = e.valueFrom?.configMapKeyRef;
      if (ref) mapEntries(ref.name, ref.key ?? '');
    }
    for (const from of c.envFrom ?? []) mapEntries(from.configMapRef?.name);
    for (const [i, a] of (c.args ?? []).entries()) out.push([`args[${i}]`, a]);
    for (const [i, a] of (c.command ?? []).entries()) out.push([`command[${i}]`, a]);
  }
  for (const v of template.spec?.volumes ?? []) {
    mapEntries(v.configMap?.name);
    for (const s of v.projected?.sources ?? []) mapEntries(s.configMap?.name);
  }
  return out;
}

const HOST = /[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*/g;

/**
 * The services a text names. A qualified name (`svc.ns`, `svc.ns.svc`, `svc.ns.svc.<domain>`) counts anywhere; a
 * bare `svc` only as a URL host (`http://svc`) or with a port (`svc:5432`), so `MODE=web` is not a call to `web`.
 */
export function servicesNamed(text: string, namespace: string, services: ReadonlySet<string>): string[] {
  const found = new Set<string>();
  const lower = text.slice(0, 65_536).toLowerCase();
  for (const match of lower.matchAll(HOST)) {
    const host = match[0];
    const start = match.index;
    const before = lower.slice(Math.max(0, start - 3), start);
    const after = lower.charAt(start + host.length);
    if (lower.charAt(start - 1) === '.' || lower.charAt(start - 1) === '-') continue;
    const labels = host.split('.');
    const service = labels[0]!;
    if (!services.has(service)) continue;
    const qualified = labels.length >= 2 && labels[1] === namespace && (labels.length === 2 || labels[2] === 'svc');
    const bareHost =
      labels.length === 1 &&
      (before === '://' || (after === ':' && /^:\d/.test(lower.slice(start + host.length, start + host.length + 2))));
    if (qualified || bareHost) found.add(service);
  }
  return [...found].sort();
}

function matches(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

export interface GraphObjects {
  readonly namespace: string;
  readonly services: readonly KubeObject[];
  readonly workloads: readonly KubeObject[];
  readonly configMaps: readonly KubeObject[];
}

/** The graph from listed objects (pure, so a forged or odd object is a unit-test case). */
export function graphFromObjects(objects: GraphObjects): DependencyGraph {
  const configMaps = new Map<string, Record<string, string>>();
  for (const cm of objects.configMaps) {
    const data = (cm as { data?: Record<string, unknown> }).data ?? {};
    const strings: Record<string, string> = {};
    for (const [k, v] of Object.entries(data)) if (typeof v === 'string') strings[k] = v;
    if (cm.metadata?.name) configMaps.set(cm.metadata.name, strings);
  }
  const workloads: (GraphWorkload & { template: PodTemplate })[] = [];
  for (const w of objects.workloads) {
    const kind = w.kind === 'StatefulSet' ? 'StatefulSet' : w.kind === 'Deployment' ? 'Deployment' : undefined;
    const name = w.metadata?.name;
    const spec = (w as { spec?: { replicas?: unknown; template?: PodTemplate } }).spec;
    if (!kind || !name || !spec?.template) continue;
    const podLabels: Record<string, string> = {};
    for (const [k, v] of Object.entries(spec.template.metadata?.labels ?? {}))
      if (typeof v === 'string') podLabels[k] = v;
    const replicas = typeof spec.replicas === 'number' && Number.isInteger(spec.replicas) ? spec.replicas : 1;
    workloads.push({ kind, name, podLabels, replicas, template: spec.template });
  }
  const clash = new Set(
    workloads.filter((w, i) => workloads.findIndex((x) => x.name === w.name) !== i).map((w) => w.name),
  );
  const idOf = (w: GraphWorkload): string => (clash.has(w.name) ? `${w.kind}/${w.name}` : w.name);
  const services = new Map<string, string[]>();
  for (const s of objects.services) {
    const name = s.metadata?.name;
    const selector = (s as { spec?: { selector?: Record<string, string> } }).spec?.selector ?? {};
    if (!name) continue;
    services.set(
      name,
      workloads
        .filter((w) => matches(selector, w.podLabels))
        .map(idOf)
        .sort(),
    );
  }
  const serviceNames = new Set(services.keys());
  const edges: GraphEdge[] = [];
  const seen = new Set<string>();
  for (const w of workloads) {
    const from = idOf(w);
    for (const [where, text] of textsOf(w.template, configMaps)) {
      for (const service of servicesNamed(text, objects.namespace, serviceNames)) {
        for (const to of services.get(service) ?? []) {
          const key = `${from}\u0000${to}\u0000${service}`;
          if (to === from || seen.has(key)) continue;
          seen.add(key);
          edges.push({ from, to, service, evidence: where });
        }
      }
    }
  }
  return {
    namespace: objects.namespace,
    workloads: workloads.map(({ template: _t, ...rest }) => ({ ...rest, name: idOf(rest) })),
    services,
    edges,
  };
}

/** Reads Services, Deployments, StatefulSets and ConfigMaps of the namespace (list and get only) into the graph. */
export async function readDependencyGraph(
  client: KubeClient,
  namespace: string,
  signal?: AbortSignal,
): Promise<DependencyGraph> {
  const list = async (type: (typeof types)[keyof typeof types]): Promise<KubeObject[]> =>
    (await client.list<KubeObject>(collectionPath(type, namespace), {}, signal)).items.map((item) => ({
      ...item,
      kind: type.kind,
    }));
  const [services, deployments, statefulSets, configMaps] = await Promise.all([
    list(types.service),
    list(types.deployment),
    list(types.statefulSet),
    list(types.configMap),
  ]);
  return graphFromObjects({ namespace, services, workloads: [...deployments, ...statefulSets], configMaps });
}
