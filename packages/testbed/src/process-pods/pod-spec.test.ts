// What a pod may ask of the process-pod controller: forged annotations name no argv and never reach a shell.
import { describe, expect, it } from 'vitest';
import type { V1Pod } from '@kubernetes/client-node';
import { expandArgv, processPodKeys, processRequest, serviceEnvName, wantsProcess } from './pod-spec.js';

const pod = (annotations: Record<string, string> = {}, extra: Partial<V1Pod> = {}): V1Pod => ({
  metadata: { name: 'p', namespace: 'n', labels: { [processPodKeys.process]: 'true' }, annotations },
  status: { phase: 'Running' },
  ...extra,
});
const commands = { echo: { argv: ['node', 'server.js', '--port', '$(PORT)'] as [string, ...string[]] } };

describe('processRequest', () => {
  it('defaults to the sample service and passes its annotations as validated numbers', () => {
    expect(processRequest(pod(), commands)).toEqual({
      command: 'sample',
      job: 'process-pods',
      metricsPath: '/metrics',
      sampleEnv: {},
    });
    const r = processRequest(
      pod({ [processPodKeys.errorRate]: '0.25', [processPodKeys.latencyMs]: '40', [processPodKeys.prefix]: 'shop' }),
      commands,
    );
    expect(r.sampleEnv).toEqual({ SAMPLE_ERROR_RATE: '0.25', SAMPLE_LATENCY_MS: '40', SAMPLE_PREFIX: 'shop' });
  });
  it('takes only commands the test registered', () => {
    expect(processRequest(pod({ [processPodKeys.command]: 'echo' }), commands).command).toBe('echo');
    expect(() => processRequest(pod({ [processPodKeys.command]: 'bash' }), commands)).toThrow(
      /no command "bash" was registered/,
    );
    expect(() => processRequest(pod({ [processPodKeys.command]: 'toString' }), commands)).toThrow(/not a command name/);
    expect(() => processRequest(pod({ [processPodKeys.command]: 'constructor' }), commands)).toThrow(/was registered/);
  });
  it.each([
    [processPodKeys.command, '["sh","-c","id"]'],
    [processPodKeys.command, 'echo; rm -rf /'],
    [processPodKeys.errorRate, '2'],
    [processPodKeys.errorRate, 'NaN'],
    [processPodKeys.errorRate, ''],
    [processPodKeys.latencyMs, '-1'],
    [processPodKeys.prefix, 'a b'],
    [processPodKeys.prefix, 'x"} 1\nevil'],
    [processPodKeys.job, '::error::x'],
    [processPodKeys.metricsPath, '../../etc/passwd'],
    [processPodKeys.metricsPath, 'http://elsewhere/metrics'],
  ])('refuses %s=%j naming the annotation', (key, value) => {
    expect(() => processRequest(pod({ [key]: value }), commands)).toThrow(key);
  });
});

describe('wantsProcess', () => {
  it('only Running, labelled, not terminating pods', () => {
    expect(wantsProcess(pod())).toBe(true);
    expect(wantsProcess(pod({}, { status: { phase: 'Pending' } }))).toBe(false);
    expect(wantsProcess({ ...pod(), metadata: { ...pod().metadata, deletionTimestamp: new Date() } })).toBe(false);
    expect(wantsProcess({ ...pod(), metadata: { name: 'p', labels: { [processPodKeys.process]: 'yes' } } })).toBe(
      false,
    );
  });
});

describe('argv and env helpers', () => {
  it('expands only known $(VARS), as text, never through a shell', () => {
    expect(expandArgv(['x', '--port=$(PORT)', '$(HOME)', '$(PORT)$(PORT)'], { PORT: '80' })).toEqual([
      'x',
      '--port=80',
      '$(HOME)',
      '8080',
    ]);
  });
  it('names service variables like Kubernetes', () => {
    expect(serviceEnvName('my-db')).toBe('MY_DB');
  });
});
