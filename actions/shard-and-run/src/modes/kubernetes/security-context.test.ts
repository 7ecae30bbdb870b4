import { describe, expect, it } from 'vitest';
import { RESTRICTED_DEFAULT, securityContexts } from './security-context.js';

const input = 'pod-security-context';

describe('pod-security-context', () => {
  it('defaults to a context that passes Pod Security restricted', () => {
    expect(securityContexts(input, undefined)).toBe(RESTRICTED_DEFAULT);
  });

  it('merges over the default key by key, container-only fields on the container, null removing a default', () => {
    const merged = securityContexts(input, {
      runAsUser: 1001,
      runAsGroup: null,
      fsGroup: 2000,
      readOnlyRootFilesystem: true,
      capabilities: null,
    });
    expect(merged.pod).toEqual({
      runAsNonRoot: true,
      runAsUser: 1001,
      fsGroup: 2000,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(merged.container).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
    // The default itself is never mutated.
    expect(RESTRICTED_DEFAULT.pod['runAsUser']).toBe(1000);
  });

  it('refuses an unknown field with the nearest known one, and values of the wrong type', () => {
    expect(() => securityContexts(input, { runAsUsr: 5 })).toThrow(
      /unknown securityContext field "runAsUsr"; did you mean "runAsUser"/,
    );
    expect(() => securityContexts(input, { hostNetwork: true })).toThrow(
      /unknown securityContext field "hostNetwork"$/,
    );
    expect(() => securityContexts(input, { runAsUser: -1 })).toThrow(/runAsUser: "?-1"? is not a user or group id/);
    expect(() => securityContexts(input, { runAsUser: '1000' })).toThrow(/is not a user or group id/);
    expect(() => securityContexts(input, { runAsNonRoot: 'yes' })).toThrow(/is not true or false/);
    expect(() => securityContexts(input, { seccompProfile: 'RuntimeDefault' })).toThrow(/is not a mapping/);
    expect(() => securityContexts(input, { supplementalGroups: [1, 'x'] })).toThrow(/is not a list of group ids/);
    expect(() => securityContexts(input, ['runAsUser'])).toThrow(/must be a mapping/);
    expect(() => securityContexts(input, { __proto__: { runAsUser: 0 } })).not.toThrow();
  });
});
