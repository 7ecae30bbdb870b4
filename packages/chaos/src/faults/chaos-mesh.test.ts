import { describe, expect, it } from 'vitest';
import { injectionFailure } from './chaos-mesh.js';

const record = (phase: string, ...events: [string, string, string?][]) => ({
  id: `ns/pod-${phase}`,
  phase,
  events: events.map(([type, operation, message]) => ({ type, operation, ...(message ? { message } : {}) })),
});
const status = (...containerRecords: ReturnType<typeof record>[]) => ({ status: { experiment: { containerRecords } } });

describe('injectionFailure', () => {
  it("gives the controller's reason once every target not injected has failed to apply twice", () => {
    const noDaemon = 'unable to get chaos-daemon of node kwok-node-0';
    expect(
      injectionFailure(
        status(
          record('Not Injected', ['Failed', 'Apply', 'old'], ['Failed', 'Apply', noDaemon]),
          record('Not Injected', ['Failed', 'Apply', noDaemon], ['Failed', 'Apply', noDaemon]),
        ),
      ),
    ).toBe(`the controller failed to apply it to 2 of 2 targets (each 2+ times): ${noDaemon}`);
  });

  it('is undefined while the controller may still succeed', () => {
    expect(injectionFailure(undefined)).toBeUndefined();
    expect(injectionFailure(status())).toBeUndefined();
    expect(injectionFailure(status(record('Injected', ['Succeeded', 'Apply'])))).toBeUndefined();
    // One failure is a retry away from success; a recover failure is not an apply failure.
    expect(injectionFailure(status(record('Not Injected', ['Failed', 'Apply', 'x'])))).toBeUndefined();
    expect(
      injectionFailure(status(record('Not Injected', ['Failed', 'Recover', 'x'], ['Failed', 'Recover', 'x']))),
    ).toBeUndefined();
    expect(
      injectionFailure(
        status(record('Not Injected', ['Failed', 'Apply', 'x'], ['Failed', 'Apply', 'x']), record('Not Injected')),
      ),
    ).toBeUndefined();
  });
});
