import { loadExperiments } from '@gauntlet/chaos';
import type { BrokerConnection } from '@gauntlet/events';
import { describe, expect, it } from 'vitest';
import { prepareEvents } from './events.js';

// Nothing listens on port 1: a refusal that reached for the broker would say it cannot reach it instead.
const brokers = new Map<string, BrokerConnection>([['orders', { kind: 'nats', url: 'nats://127.0.0.1:1' }]]);
const options = { runId: 'r1', log: () => undefined, now: Date.now };

function experiment(steps: string): string {
  return `apiVersion: gauntlet.dev/v1alpha1
kind: ChaosExperiment
metadata: { name: relays }
spec:
  steps:
${steps}
  steadyState: { slos: none, probes: [{ name: up, http: { url: "http://127.0.0.1:1/" } }] }
`;
}

const relay = (duplicate: string): string =>
  `        - type: event
          duration: 3s
          event: { broker: orders, relay: { from: { channel: orders.raw }, to: { channel: orders.in }, duplicate: ${duplicate} } }`;

describe('prepareEvents', () => {
  it('refuses two relay faults on one route in one step before reaching any broker, naming both', async () => {
    const experiments = loadExperiments(experiment(`    - faults:\n${relay('30%')}\n${relay('10%')}`), 'chaos/e.yaml');
    await expect(prepareEvents(experiments, brokers, options)).rejects.toThrow(
      /^chaos\/e\.yaml: experiment relays, step 1: faults s1f1 and s1f2 both relay orders\.raw → orders\.in on broker orders; /,
    );
  });

  it('lets steps one after another use the same route (the refusal is per step)', async () => {
    const steps = `    - faults:\n${relay('30%')}\n    - faults:\n${relay('10%')}`;
    await expect(prepareEvents(loadExperiments(experiment(steps), 'chaos/e.yaml'), brokers, options)).rejects.toThrow(
      /^broker orders: cannot reach/,
    );
  });
});
