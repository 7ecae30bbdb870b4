/** Re-exports for the tests, plus the paths of an environment's guardrail objects. */
export * from '@gauntlet/kube';

export function Guardrail_names(namespace: string): string[] {
  return [
    `/api/v1/namespaces/${namespace}/resourcequotas/gauntlet-quota`,
    `/api/v1/namespaces/${namespace}/limitranges/gauntlet-limits`,
    `/apis/networking.k8s.io/v1/namespaces/${namespace}/networkpolicies/gauntlet-default-deny`,
    `/apis/networking.k8s.io/v1/namespaces/${namespace}/networkpolicies/gauntlet-allow`,
    `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/gauntlet-environment`,
  ];
}
