import { runStep } from '@gauntlet/action-runtime/testing';
import { describe, expect, it } from 'vitest';
import slocheck from './index.js';

describe('slo-check on the action runtime', () => {
  it('masks the Prometheus credentials and header values before an input error can print them', async () => {
    const host = await runStep(slocheck, 'main', {
      inputs: {
        'prometheus-url': 'ftp://prometheus',
        'prometheus-token': 'prom-token-123456',
        'prometheus-headers': 'X-Scope-OrgID=tenant-secret-1',
        slos: 'slos: []',
      },
    });
    expect(host.failed).toMatch(/^slo-check: Input 'prometheus-url'/);
    expect(host.secrets).toEqual(expect.arrayContaining(['prom-token-123456', 'tenant-secret-1']));
  });

  it('masks a malformed headers input whole', async () => {
    const host = await runStep(slocheck, 'main', {
      inputs: { 'prometheus-url': 'http://p:9090', 'prometheus-headers': 'no equals sign here', slos: 'slos: []' },
    });
    expect(host.failed).toMatch(/prometheus-headers/);
    expect(host.secrets).toContain('no equals sign here');
  });
});
