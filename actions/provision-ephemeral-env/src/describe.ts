/** The environment's description (the `environment` output) and its quota use, from the applied objects. */
import { type KubeClient, type KubeObject, formatQuantity, objectPath, parseQuantity, types } from '@gauntlet/kube';
import { Guardrail } from './constants.js';
import type { EnvironmentDescription, QuotaUse, ServiceEndpoint } from './report.js';

export function describeEnvironment(
  applied: readonly KubeObject[],
  options: {
    namespace: string;
    context: string;
    expiresAt: string;
    clusterDomain: string;
    prNumber?: number;
    headSha: string;
  },
): EnvironmentDescription {
  const services: ServiceEndpoint[] = [];
  const ingresses: EnvironmentDescription['ingresses'] = [];
  for (const object of applied) {
    const name = object.metadata?.name ?? '';
    if (object.kind === 'Service') {
      const spec = (object.spec ?? {}) as {
        clusterIP?: string;
        ports?: Array<{ name?: string; port?: number; protocol?: string }>;
      };
      services.push({
        name,
        dns: `${name}.${options.namespace}.svc.${options.clusterDomain}`,
        ...(spec.clusterIP && spec.clusterIP !== 'None' ? { clusterIP: spec.clusterIP } : {}),
        ports: (spec.ports ?? [])
          .filter((p) => typeof p.port === 'number')
          .map((p) => ({ ...(p.name ? { name: p.name } : {}), port: p.port as number, protocol: p.protocol ?? 'TCP' })),
      });
    } else if (object.kind === 'Ingress') {
      const spec = (object.spec ?? {}) as { rules?: Array<{ host?: string }>; tls?: Array<{ hosts?: string[] }> };
      const hosts = new Set<string>();
      for (const rule of spec.rules ?? []) if (rule.host) hosts.add(rule.host);
      for (const tls of spec.tls ?? []) for (const host of tls.hosts ?? []) hosts.add(host);
      ingresses.push({ name, hosts: [...hosts].sort() });
    }
  }
  services.sort((a, b) => a.name.localeCompare(b.name));
  return {
    namespace: options.namespace,
    context: options.context,
    expiresAt: options.expiresAt,
    ...(options.prNumber !== undefined ? { prNumber: options.prNumber } : {}),
    headSha: options.headSha,
    services,
    ingresses,
  };
}

/** used/hard of the environment's ResourceQuota, formatted; [] when there is none or it cannot be read. */
export async function quotaUse(client: KubeClient, namespace: string, signal?: AbortSignal): Promise<QuotaUse[]> {
  let quota: KubeObject | undefined;
  try {
    quota = await client.getOptional(objectPath(types.resourceQuota, namespace, Guardrail.quota), signal);
  } catch {
    return [];
  }
  const status = (quota?.status ?? {}) as { hard?: Record<string, string>; used?: Record<string, string> };
  return Object.keys(status.hard ?? {})
    .sort()
    .map((resource) => {
      const fmt = (value: string | undefined): string => {
        try {
          return formatQuantity(resource, parseQuantity(value ?? '0'));
        } catch {
          return value ?? '';
        }
      };
      return { resource, used: fmt(status.used?.[resource]), hard: fmt(status.hard?.[resource]) };
    });
}
