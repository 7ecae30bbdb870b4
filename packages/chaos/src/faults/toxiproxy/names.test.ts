import { describe, expect, it } from 'vitest';
import { loadExperiments } from '../../experiment/load.js';
import { ToxiproxyClient } from './client.js';
import { toxicExpiry, toxicName } from './names.js';

const experiment = (fault: string) =>
  loadExperiments(
    `apiVersion: gauntlet.dev/v1alpha1
kind: ChaosExperiment
metadata: { name: e }
spec:
  targets: []
  steps: [{ faults: [${fault}] }]
`,
    'e.yaml',
  );

describe('toxiproxy names', () => {
  it('carry the expiry, differ per run and fault, and are read back', () => {
    const expires = '2026-12-02T19:00:00.000Z';
    const a = toxicName('run-1', 'e', 's1f1', expires);
    expect(a).toMatch(/^gauntlet-chaos-s1f1-[0-9a-f]{10}-x\d+$/);
    expect(toxicName('run-2', 'e', 's1f1', expires)).not.toBe(a);
    expect(toxicExpiry(a)).toBe(Date.parse(expires));
    expect(toxicExpiry('slow')).toBeUndefined();
    expect(toxicExpiry('gauntlet-chaos-x')).toBeUndefined();
  });

  it('a toxic whose Toxiproxy default would make it a no-op is refused by the loader, naming the attribute', () => {
    expect(() => experiment('{ type: toxiproxy, proxy: db, toxic: latency, duration: 10s }')).toThrow(
      /attributes: a latency toxic needs latency \(Toxiproxy's default 0 does nothing\)/,
    );
    expect(() =>
      experiment('{ type: toxiproxy, proxy: db, toxic: latency, duration: 10s, attributes: { latncy: 100 } }'),
    ).toThrow(/latncy/);
    expect(() => experiment('{ type: toxiproxy, proxy: db, toxic: down, toxicity: 50%, duration: 10s }')).toThrow(
      /toxicity does not apply/,
    );
    expect(
      experiment('{ type: toxiproxy, proxy: db, toxic: reset_peer, duration: 10s }')[0]!.steps[0]!.faults[0],
    ).toMatchObject({ toxic: 'reset_peer', attributes: {} });
  });

  it('the client refuses a URL that is not http(s), and says when Toxiproxy cannot be reached', async () => {
    expect(() => new ToxiproxyClient('file:///etc/passwd')).toThrow(/expected an http or https URL/);
    expect(() => new ToxiproxyClient('not a url')).toThrow(/expected an http\(s\) URL/);
    await expect(new ToxiproxyClient('http://127.0.0.1:9').proxies()).rejects.toThrow(
      /cannot reach http:\/\/127.0.0.1:9/,
    );
  });
});
