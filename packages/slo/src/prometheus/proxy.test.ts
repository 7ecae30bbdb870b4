import { describe, expect, it } from 'vitest';
import { bypasses, proxyFor } from './proxy.js';

const url = (s: string) => new URL(s);

describe('proxyFor', () => {
  it('picks the scheme’s variable, lower case first, then ALL_PROXY', () => {
    const env = {
      HTTP_PROXY: 'http://upper:1',
      http_proxy: 'http://lower:2',
      HTTPS_PROXY: 'http://s:3',
      ALL_PROXY: 'http://all:4',
    };
    expect(proxyFor(url('http://p:9090'), env, '24.21.0')?.variable).toBe('http_proxy');
    expect(proxyFor(url('https://p'), env, '24.21.0')?.display).toBe('http://s:3');
    expect(proxyFor(url('https://p'), { ALL_PROXY: 'http://all:4' }, '24.21.0')?.variable).toBe('ALL_PROXY');
    expect(proxyFor(url('https://p'), { HTTPS_PROXY: '  ' }, '24.21.0')).toBeUndefined();
  });

  it('keeps credentials out of what it prints and hands them over as secrets', () => {
    const choice = proxyFor(url('https://p'), { HTTPS_PROXY: 'http://u:p%40ss@proxy:3128' }, '24.21.0');
    expect(choice?.display).toBe('http://proxy:3128');
    expect(choice?.secrets).toEqual(['p@ss', 'p%40ss']);
  });

  it('refuses a Node that would ignore the proxy, naming the variable', () => {
    expect(() => proxyFor(url('https://p'), { HTTPS_PROXY: 'http://proxy:3128' }, '24.4.1')).toThrow(
      'HTTPS_PROXY is set, but Node.js 24.4.1 cannot send requests through a proxy (needs 24.5 or later)',
    );
    expect(proxyFor(url('https://p'), { HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: 'p' }, '20.0.0')).toBeUndefined();
  });
});

describe('bypasses (NO_PROXY)', () => {
  it.each([
    ['http://prometheus.monitoring.svc:9090', 'svc', true],
    ['http://prometheus.monitoring.svc:9090', '.monitoring.svc', true],
    ['http://prometheus.monitoring.svc:9090', '*.svc', true],
    ['http://notsvc:9090', 'svc', false],
    ['http://prometheus:9090', 'prometheus:9090', true],
    ['http://prometheus:9091', 'prometheus:9090', false],
    ['https://prometheus', 'prometheus:443', true],
    ['http://10.1.2.3:9090', '10.0.0.0/8', true],
    ['http://11.1.2.3:9090', '10.0.0.0/8', false],
    ['http://[fd00::5]:9090', 'fd00::/8', true],
    ['http://[::1]:9090', '::1', true],
    ['http://[::1]:9090', '[::1]:9090', true],
    ['http://127.0.0.1:9090', '127.0.0', false],
    ['http://Prometheus.Example.:80', 'example.com example', true],
    ['http://x', '', false],
    ['http://x', ' , ,* ', true],
  ])('%s with NO_PROXY=%j → %s', (target, list, expected) => {
    expect(bypasses(url(target), list)).toBe(expected);
  });
});
