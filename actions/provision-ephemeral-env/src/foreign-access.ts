/**
 * Access to an environment that nobody declared, reported after every up (so on every adoption too): a binding
 * planted in an adopted namespace, or one made in advance for a namespace that does not exist yet (environment names
 * are deterministic, so a ClusterRoleBinding naming `system:serviceaccount:<namespace>:default` is inherited by the
 * next environment of that pull request). Reported, never deleted: the action deletes only what it can prove it
 * created.
 * - RoleBindings in the environment the stack did not declare and the action did not create, whoever they grant;
 * - RoleBindings in other namespaces, and ClusterRoleBindings the stack did not declare, that grant something to a
 *   ServiceAccount of the environment (by name or through the group system:serviceaccounts:<namespace>). Bindings to
 *   every ServiceAccount of the cluster (system:serviceaccounts) are the cluster's own set-up and are not listed.
 */
import { type KubeClient, type PlannedObject, collectionPath, formatKubeError, types } from '@gauntlet/kube';
import { isAbortError } from '@gauntlet/action-kit';
import { Guardrail } from './constants.js';

interface Subject {
  kind?: string;
  name?: string;
  namespace?: string;
}

export interface Binding {
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  roleRef?: { kind?: string; name?: string };
  subjects?: Subject[];
}

/** At most this many bindings are named (each line is also capped): a cluster full of them is not a log flood. */
const MAX_REPORTED = 50;

/** Whether `subject` is, or includes, a ServiceAccount of `namespace`. */
export function grantsToEnvironment(subject: Subject, namespace: string): boolean {
  if (subject.kind === 'ServiceAccount') return subject.namespace === namespace;
  if (subject.kind === 'Group') return subject.name === `system:serviceaccounts:${namespace}`;
  if (subject.kind === 'User') return subject.name?.startsWith(`system:serviceaccount:${namespace}:`) ?? false;
  return false;
}

/** One binding in words; its namespace is named when it is not the environment's. */
export function describeBinding(kind: string, binding: Binding, namespace: string): string {
  const subjects = (binding.subjects ?? [])
    .slice(0, 5)
    .map((s) => `${s.kind ?? '?'}/${s.namespace ? `${s.namespace}/` : ''}${s.name ?? '?'}`)
    .join(', ');
  const other = binding.metadata?.namespace;
  const where = other && other !== namespace ? `${other}/` : '';
  return `${kind}/${where}${binding.metadata?.name ?? '?'} grants ${binding.roleRef?.kind ?? '?'}/${binding.roleRef?.name ?? '?'} to ${subjects || 'nobody'}`.slice(
    0,
    400,
  );
}

/** The foreign bindings, in words, from the lists the API server returned (a pure function, unit-tested). */
export function foreignBindings(
  namespace: string,
  plan: readonly PlannedObject[],
  roleBindings: readonly Binding[],
  clusterRoleBindings: readonly Binding[],
): string[] {
  const declared = (kind: string) => new Set(plan.filter((p) => p.type.kind === kind).map((p) => p.name));
  const declaredRoleBindings = declared('RoleBinding');
  declaredRoleBindings.add(Guardrail.readerAccount);
  const declaredClusterRoleBindings = declared('ClusterRoleBinding');
  const toEnvironment = (b: Binding) => (b.subjects ?? []).some((s) => grantsToEnvironment(s, namespace));
  const lines: string[] = [];
  for (const b of roleBindings) {
    const name = b.metadata?.name;
    if (!name) continue;
    const inside = b.metadata?.namespace === namespace;
    if (inside ? !declaredRoleBindings.has(name) : toEnvironment(b))
      lines.push(describeBinding('RoleBinding', b, namespace));
  }
  for (const b of clusterRoleBindings) {
    const name = b.metadata?.name;
    if (name && !declaredClusterRoleBindings.has(name) && toEnvironment(b))
      lines.push(describeBinding('ClusterRoleBinding', b, namespace));
  }
  return lines.slice(0, MAX_REPORTED);
}

/**
 * Lists the bindings (every namespace's RoleBindings, the ClusterRoleBindings) and returns the foreign ones in words,
 * plus a note for each list that could not be read (what is then not checked).
 */
export async function foreignAccess(
  client: KubeClient,
  namespace: string,
  plan: readonly PlannedObject[],
  signal?: AbortSignal,
): Promise<{ bindings: string[]; notes: string[] }> {
  const notes: string[] = [];
  const list = async (type: typeof types.roleBinding, what: string): Promise<Binding[]> => {
    try {
      return (await client.list<Binding>(collectionPath(type), {}, signal)).items;
    } catch (error) {
      if (isAbortError(error)) throw error;
      notes.push(`${what} could not be listed (${formatKubeError(error)}); access they grant is not checked`);
      return [];
    }
  };
  const [roleBindings, clusterRoleBindings] = await Promise.all([
    list(types.roleBinding, 'role bindings'),
    list(types.clusterRoleBinding, 'cluster role bindings'),
  ]);
  return { bindings: foreignBindings(namespace, plan, roleBindings, clusterRoleBindings), notes };
}
