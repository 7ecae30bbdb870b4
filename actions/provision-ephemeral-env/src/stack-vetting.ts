/**
 * What the stack may not contain, checked on the whole plan before anything is created, so a refused stack changes
 * nothing in the cluster. The PR's manifests must not be able to weaken or forge what the action keeps in the
 * environment:
 * - no object (of any kind) named with the reserved prefix: the guardrails, the reader account and any later
 *   bookkeeping object are all named `gauntlet-…`, so a stack object can never replace one of them;
 * - no Namespace (the environment is the only one, and its labels and annotations are ours);
 * - no object carrying our ownership marks (managed-by label, gauntlet.dev/ labels and annotations), which other
 *   environments' capacity admission and the reaper would otherwise take for ours.
 */
import { UserError } from '@gauntlet/action-kit';
import { MANAGED_BY, type PlannedObject, labels as ownershipLabels, where } from '@gauntlet/kube';
import { Guardrail, RESERVED_NAME_PREFIX, SEED_ANNOTATION } from './constants.js';

/** The guardrail or bookkeeping object a stack object would replace, in words, if it has one's kind and name. */
const OURS: Record<string, string> = {
  [`ResourceQuota/${Guardrail.quota}`]: "the environment's ResourceQuota",
  [`LimitRange/${Guardrail.limits}`]: "the environment's LimitRange",
  [`NetworkPolicy/${Guardrail.denyAll}`]: "the environment's default-deny NetworkPolicy",
  [`NetworkPolicy/${Guardrail.allow}`]: "the environment's NetworkPolicy allow-list",
  [`Lease/${Guardrail.lease}`]: "the environment's lease",
  [`ServiceAccount/${Guardrail.readerAccount}`]: "the namespace-kubeconfig's ServiceAccount",
  [`Role/${Guardrail.readerAccount}`]: "the namespace-kubeconfig's Role",
  [`RoleBinding/${Guardrail.readerAccount}`]: "the namespace-kubeconfig's RoleBinding",
};

export class StackRefusedError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'StackRefusedError';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

const OWNERSHIP_KEY = /^gauntlet\.dev\//;

/** Throws a StackRefusedError naming the first object (file#document, kind/name) the stack may not contain. */
export function vetStack(plan: readonly PlannedObject[]): void {
  for (const planned of plan) {
    const { kind, group } = planned.type;
    const what = `${where(planned.source)}: ${kind}/${planned.name}`;
    if (kind === 'Namespace' && group === '')
      throw new StackRefusedError(`${what}: Namespace objects are not allowed in the stack`);
    if (planned.name.startsWith(RESERVED_NAME_PREFIX)) {
      const replaced = OURS[`${kind}/${planned.name}`];
      throw new StackRefusedError(
        `${what}: ${replaced ? `would replace ${replaced}; ` : ''}names starting with "${RESERVED_NAME_PREFIX}" are reserved for the environment's guardrails and bookkeeping. Rename it; nothing was applied`,
      );
    }
    const meta = planned.object.metadata ?? {};
    for (const [key, value] of Object.entries(meta.labels ?? {})) {
      if ((key === ownershipLabels.managedBy && value === MANAGED_BY) || OWNERSHIP_KEY.test(key))
        throw new StackRefusedError(
          `${what}: label ${JSON.stringify(key.slice(0, 100))} is one of the action's ownership marks, which stack objects may not carry`,
        );
    }
    for (const key of Object.keys(meta.annotations ?? {})) {
      if (OWNERSHIP_KEY.test(key) && !(key === SEED_ANNOTATION && kind === 'Job'))
        throw new StackRefusedError(
          `${what}: annotation ${JSON.stringify(key.slice(0, 100))} is reserved for the action (only Jobs may carry ${SEED_ANNOTATION})`,
        );
    }
  }
}
