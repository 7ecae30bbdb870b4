// SLO-10 and SLO-11 against the REAL Prometheus: hostile template values reach PromQL only as escaped label values
// (sent form-encoded, never through a shell or URL), credentials are registered as secrets before the first
// request and appear nowhere: not in logs, results, JSON output or error messages (leak scanner, X-01/X-03).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as ChildProcess from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { errorMessage } from '@gauntlet/action-kit';
import { RecordingLogger } from '@gauntlet/action-kit/testing';
import { FaultProxy } from '@gauntlet/testbed';
import {
  createPrometheusClient,
  evaluateSlos,
  loadSlosFromYaml,
  toJsonOutput,
  type PrometheusClientOptions,
} from '@gauntlet/slo';
import { startFakePrometheus, type FakePrometheus } from '@gauntlet/slo/testing';
import { findLeaks, prometheusUrl, STANDARD_SLOS, uniqueName, writeHistory } from './helpers.js';

const spawned = vi.hoisted(() => ({ calls: [] as string[] }));
vi.mock('node:child_process', async (importOriginal) => {
  const actual = await importOriginal<typeof ChildProcess>();
  const wrap =
    <F extends (...args: never[]) => unknown>(name: string, fn: F) =>
    (...args: Parameters<F>) => {
      spawned.calls.push(name);
      return fn(...args);
    };
  const wrapped = {
    spawn: wrap('spawn', actual.spawn),
    spawnSync: wrap('spawnSync', actual.spawnSync),
    exec: wrap('exec', actual.exec),
    execSync: wrap('execSync', actual.execSync),
    execFile: wrap('execFile', actual.execFile),
    execFileSync: wrap('execFileSync', actual.execFileSync),
    fork: wrap('fork', actual.fork),
  };
  return { ...actual, ...wrapped, default: { ...actual, ...wrapped } };
});

const NOW = Math.floor(Date.now() / 1000) * 1000 - 5_000;
const suffix = uniqueName('x');
// Quotes, $(), backticks, a newline, a backslash, a brace and a PromQL-looking tail.
const EVIL = `pr-${suffix}"} or vector(1) or {a="$(touch /tmp/pwned)\`id\`\nline2\\end}`;
const DECOY = `pr-${suffix}`;
const TOKEN = `canary-bearer-${suffix}-Qm9vYmFy`;
const PASSWORD = `canary-pw-${suffix}-:@/?#`;
const TENANT = `tenant-${suffix}-secret`;
let proxy: FaultProxy;
let echo: FakePrometheus;

beforeAll(async () => {
  const common = { endMs: NOW, durationMs: 3_600_000, intervalMs: 5_000 };
  await writeHistory(prometheusUrl(), { ...common, namespace: EVIL, rps: 20, errorRatio: () => 0.001 });
  // A decoy that a broken escape or regex would also match: much more traffic, all errors.
  await writeHistory(prometheusUrl(), {
    ...common,
    namespace: DECOY,
    rps: 200,
    errorRatio: () => 1,
    slowRatio: () => 1,
  });
  proxy = await FaultProxy.start({ upstream: prometheusUrl() });
  // Echoes credentials back in an error page, as a careless gateway might.
  echo = await startFakePrometheus((r) => ({
    status: 502,
    contentType: 'text/html',
    body: `<html>upstream said: Authorization: ${String(r.headers.authorization)}; tenant ${String(r.headers['x-scope-orgid'])}; token=${TOKEN}</html>`,
  }));
}, 120_000);
afterAll(async () => {
  await proxy?.close();
  await echo?.close();
});

function evaluate(
  url: string,
  client: Partial<PrometheusClientOptions>,
  logger: RecordingLogger,
  yaml = STANDARD_SLOS,
  namespace = EVIL,
) {
  return evaluateSlos({
    slos: loadSlosFromYaml(yaml),
    client: createPrometheusClient({ url, registerSecret: () => {}, ...client }),
    logger,
    vars: { namespace },
    nowMs: NOW,
    defaultWindow: { kind: 'duration', ms: 3_600_000 },
    scrapeIntervalMs: 5_000,
  });
}

describe('SLO-10: hostile PromQL values', () => {
  it('matches exactly the series whose label holds quotes, $(), backticks and a newline, and nothing else', async () => {
    spawned.calls.length = 0;
    proxy.clearRequests();
    const logger = new RecordingLogger();
    const result = await evaluate(proxy.url, {}, logger);
    expect(result.slos.map((s) => s.verdict)).toEqual(['pass', 'pass']);
    // 20 rps for an hour: the decoy (200 rps, all errors) was not matched.
    expect(result.slos[0]!.events!.total).toBeGreaterThan(60_000);
    expect(result.slos[0]!.events!.total).toBeLessThan(80_000);
    const sent = proxy.requests.map((r) => new URLSearchParams(r.body).get('query') ?? '');
    expect(sent[0]).toContain(
      'namespace="pr-' + suffix + '\\"} or vector(1) or {a=\\"$(touch /tmp/pwned)`id`\\nline2\\\\end}"',
    );
    for (const r of proxy.requests) expect(Object.keys(r.query)).toEqual([]);
    expect(spawned.calls).toEqual([]);
  });

  it('matches literally after =~ (regex metacharacters quoted)', async () => {
    const yaml = STANDARD_SLOS.replaceAll('namespace="{{namespace}}"', 'namespace=~"{{namespace}}"');
    const result = await evaluate(prometheusUrl(), {}, new RecordingLogger(), yaml);
    expect(result.slos.map((s) => s.verdict)).toEqual(['pass', 'pass']);
    expect(result.slos[0]!.events!.total).toBeLessThan(80_000);
  });

  it('an injection attempt in a variable selects nothing, so it is inconclusive, not pass', async () => {
    const result = await evaluate(
      prometheusUrl(),
      {},
      new RecordingLogger(),
      STANDARD_SLOS,
      `${DECOY}"} or vector(1) #`,
    );
    expect(result.slos.map((s) => s.problem)).toEqual(['no-data', 'no-data']);
  });

  it('the library source never spawns processes or uses a shell (X-05)', () => {
    const dir = join(import.meta.dirname, '../../packages/slo/src');
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter(
      (f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.startsWith('testing'),
    );
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) {
      const text = readFileSync(join(dir, f), 'utf8');
      expect(text, f).not.toMatch(/child_process|shell:\s*true|\bexecSync\b|\beval\(/);
    }
  });
});

describe('SLO-11: credentials', () => {
  it('registers bearer token and tenant header before the first request and leaks them nowhere', async () => {
    proxy.clearRequests();
    const registeredAt: Array<[string, number]> = [];
    const logger = new RecordingLogger();
    const result = await evaluate(
      proxy.url,
      {
        auth: { type: 'bearer', token: TOKEN },
        headers: { 'X-Scope-OrgID': TENANT },
        registerSecret: (v) => registeredAt.push([v, proxy.requests.length]),
      },
      logger,
    );
    expect(result.verdict).toBe('pass');
    expect(registeredAt.find(([v]) => v === TOKEN)?.[1]).toBe(0);
    expect(registeredAt.find(([v]) => v === TENANT)?.[1]).toBe(0);
    expect(proxy.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(proxy.requests[0]?.headers['x-scope-orgid']).toBe(TENANT);
    expect(findLeaks({ log: logger.text(), json: toJsonOutput(result) }, [TOKEN, TENANT])).toEqual([]);
  });

  it('takes basic credentials out of the URL, registers them first, and never prints the URL with them', async () => {
    proxy.clearRequests();
    const registeredAt: Array<[string, number]> = [];
    const url = proxy.url.replace('http://', `http://slo-user:${encodeURIComponent(PASSWORD)}@`);
    const logger = new RecordingLogger();
    const client = createPrometheusClient({
      url,
      registerSecret: (v) => registeredAt.push([v, proxy.requests.length]),
    });
    expect(client.endpoint).toBe(proxy.url);
    const result = await evaluateSlos({
      slos: loadSlosFromYaml(STANDARD_SLOS),
      client,
      logger,
      vars: { namespace: EVIL },
      nowMs: NOW,
      defaultWindow: { kind: 'duration', ms: 3_600_000 },
      scrapeIntervalMs: 5_000,
    });
    expect(result.verdict).toBe('pass');
    expect(registeredAt.find(([v]) => v === PASSWORD)?.[1]).toBe(0);
    expect(proxy.requests[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from(`slo-user:${PASSWORD}`).toString('base64')}`,
    );
    expect(findLeaks({ log: logger.text(), json: toJsonOutput(result) }, [PASSWORD])).toEqual([]);
  });

  it('scrubs credentials a server echoes into an error page (allow-list summary, X-03)', async () => {
    const logger = new RecordingLogger();
    const result = await evaluate(
      echo.url,
      { auth: { type: 'bearer', token: TOKEN }, headers: { 'X-Scope-OrgID': TENANT }, maxRetries: 0 },
      logger,
    );
    expect(result.slos[0]).toMatchObject({ verdict: 'inconclusive', problem: 'http-error' });
    const json = toJsonOutput(result);
    expect(json).toContain('HTTP 502');
    expect(findLeaks({ log: logger.text(), json }, [TOKEN, TENANT])).toEqual([]);
    expect(json).not.toMatch(/Bearer [A-Za-z0-9]|token=canary/);
  });

  it('never echoes secrets in configuration errors', () => {
    const attempts = [
      () => createPrometheusClient({ url: `ftp://u:${PASSWORD}@127.0.0.1`, registerSecret: () => {} }),
      () =>
        createPrometheusClient({
          url: `http://u:${encodeURIComponent(PASSWORD)}@127.0.0.1`,
          auth: { type: 'bearer', token: TOKEN },
          registerSecret: () => {},
        }),
      () =>
        createPrometheusClient({
          url: 'http://127.0.0.1',
          headers: { 'X-Scope-OrgID': `${TENANT}\nInjected: 1` },
          registerSecret: () => {},
        }),
    ];
    for (const attempt of attempts) {
      let message = '';
      try {
        attempt();
      } catch (error) {
        message = errorMessage(error);
      }
      expect(message).not.toBe('');
      expect(findLeaks({ message }, [PASSWORD, TOKEN, TENANT])).toEqual([]);
    }
  });
});
