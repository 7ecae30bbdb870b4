/**
 * Which input sets the guardrail an admission rejection names, so a rejection says what to change: the quota, the
 * LimitRange and the Pod Security level are the action's, set by its inputs, and not the stack's.
 */
import { Guardrail, Inputs } from './constants.js';

export function inputHint(message: string): string | undefined {
  if (message.includes(`quota: ${Guardrail.quota}`) || message.includes(`ResourceQuota ${Guardrail.quota}`))
    return `the environment's quota is set by the input ${Inputs.resourceQuota}`;
  if (/rejected by the namespace's LimitRange/.test(message))
    return `the environment's LimitRange is set by the input ${Inputs.limitRange}`;
  if (/violates PodSecurity/.test(message))
    return `the Pod Security level is set by the input ${Inputs.podSecurity}; give the pods a securityContext that meets it (for restricted: runAsNonRoot, allowPrivilegeEscalation: false, capabilities drop ALL, seccompProfile RuntimeDefault)`;
  return undefined;
}

/** The message with its hint appended, when there is one. */
export function withInputHint(message: string): string {
  const hint = inputHint(message);
  return hint ? `${message}; ${hint}` : message;
}
