/**
 * The shard pods' security context. By default it passes Pod Security `restricted` (what provision-ephemeral-env
 * enforces on its namespaces): non-root with a fixed uid/gid, no privilege escalation, every capability dropped, the
 * RuntimeDefault seccomp profile. The `pod-security-context` input is merged over it, one key at a time: pod-level
 * fields go to the pod's securityContext, container-only ones (allowPrivilegeEscalation, capabilities, privileged,
 * procMount, readOnlyRootFilesystem) to the tests container's, and a key set to null removes the default. An
 * unknown key is refused with the nearest known one, never dropped; values are checked for their type here and
 * fully by the API server (the Job is created with strict field validation).
 *
 * uid/gid 1000 rather than "whatever the image says": a restricted namespace refuses root, and most images that
 * run as root (node, python, debian) would then fail with CreateContainerConfigError. 1000 is the `node` user of
 * the node images and the first user of most others; set runAsUser to your image's own user if it has another.
 */
import { InputError, nearestName, quote } from '@gauntlet/action-kit';

const POD_FIELDS = [
  'appArmorProfile',
  'fsGroup',
  'fsGroupChangePolicy',
  'runAsGroup',
  'runAsNonRoot',
  'runAsUser',
  'seLinuxChangePolicy',
  'seLinuxOptions',
  'seccompProfile',
  'supplementalGroups',
  'supplementalGroupsPolicy',
  'sysctls',
  'windowsOptions',
] as const;
const CONTAINER_FIELDS = [
  'allowPrivilegeEscalation',
  'capabilities',
  'privileged',
  'procMount',
  'readOnlyRootFilesystem',
] as const;

const BOOLEAN_FIELDS = new Set(['runAsNonRoot', 'allowPrivilegeEscalation', 'privileged', 'readOnlyRootFilesystem']);
const ID_FIELDS = new Set(['runAsUser', 'runAsGroup', 'fsGroup']);
const OBJECT_FIELDS = new Set([
  'appArmorProfile',
  'seLinuxOptions',
  'seccompProfile',
  'windowsOptions',
  'capabilities',
]);
const STRING_FIELDS = new Set(['fsGroupChangePolicy', 'seLinuxChangePolicy', 'supplementalGroupsPolicy', 'procMount']);

export interface SecurityContexts {
  readonly pod: Readonly<Record<string, unknown>>;
  readonly container: Readonly<Record<string, unknown>>;
}

/** Passes Pod Security `restricted` (v1.25+ rules). */
export const RESTRICTED_DEFAULT: SecurityContexts = {
  pod: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
  container: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
};

function checkValue(input: string, key: string, value: unknown): void {
  const bad = (expected: string) =>
    new InputError(input, `${key}: ${quote(JSON.stringify(value) ?? String(value))} is not ${expected}`);
  if (BOOLEAN_FIELDS.has(key) && typeof value !== 'boolean') throw bad('true or false');
  if (ID_FIELDS.has(key) && !(Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) < 2 ** 31))
    throw bad('a user or group id (a whole number from 0 to 2147483647)');
  if (OBJECT_FIELDS.has(key) && (typeof value !== 'object' || Array.isArray(value))) throw bad('a mapping');
  if (STRING_FIELDS.has(key) && typeof value !== 'string') throw bad('a string');
  if (key === 'supplementalGroups') {
    if (!Array.isArray(value) || !value.every((g) => Number.isSafeInteger(g) && g >= 0 && g < 2 ** 31))
      throw bad('a list of group ids');
  }
  if (key === 'sysctls' && !Array.isArray(value)) throw bad('a list of {name, value}');
}

/** The input's YAML value (undefined: not set) merged over the restricted default. */
export function securityContexts(input: string, value: unknown): SecurityContexts {
  if (value === undefined) return RESTRICTED_DEFAULT;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputError(input, 'must be a mapping of securityContext fields, e.g. {runAsUser: 1001}');
  }
  const pod: Record<string, unknown> = { ...RESTRICTED_DEFAULT.pod };
  const container: Record<string, unknown> = { ...RESTRICTED_DEFAULT.container };
  const known: readonly string[] = [...POD_FIELDS, ...CONTAINER_FIELDS];
  for (const [key, raw] of Object.entries(value as Record<string, unknown>)) {
    if (!known.includes(key)) {
      const near = nearestName(key, known);
      throw new InputError(
        input,
        `unknown securityContext field ${quote(key)}${near ? `; did you mean ${quote(near)}?` : ''}`,
      );
    }
    const target = (CONTAINER_FIELDS as readonly string[]).includes(key) ? container : pod;
    if (raw === null) {
      delete target[key];
      continue;
    }
    checkValue(input, key, raw);
    target[key] = raw;
  }
  return { pod, container };
}
