import { InputReader } from '@gauntlet/action-kit';
import { describe, expect, it } from 'vitest';
import { prometheusHeaderSecrets, readPrometheusConnection } from './inputs.js';

const reader = (inputs: Record<string, string>): InputReader => new InputReader((name) => inputs[name]);

describe('readPrometheusConnection', () => {
  it('reads the URL, a bearer token and the headers', () => {
    expect(
      readPrometheusConnection(
        reader({ 'prometheus-url': 'https://p:9090', 'prometheus-token': 't', 'prometheus-headers': 'X-Org=a' }),
      ),
    ).toEqual({ url: 'https://p:9090', auth: { type: 'bearer', token: 't' }, headers: { 'X-Org': 'a' } });
  });

  it('reads basic auth and needs both halves of it', () => {
    const base = { 'prometheus-url': 'http://p:9090' };
    expect(
      readPrometheusConnection(reader({ ...base, 'prometheus-username': 'u', 'prometheus-password': 'pw' })).auth,
    ).toEqual({ type: 'basic', username: 'u', password: 'pw' });
    expect(() => readPrometheusConnection(reader({ ...base, 'prometheus-username': 'u' }))).toThrow(
      /prometheus-password.*both a username and a password/,
    );
    expect(() =>
      readPrometheusConnection(reader({ ...base, 'prometheus-token': 't', 'prometheus-password': 'pw' })),
    ).toThrow(/prometheus-token.*not both/);
  });

  it('names the input for a missing, malformed or non-HTTP URL', () => {
    expect(() => readPrometheusConnection(reader({}))).toThrow(/prometheus-url/);
    expect(() => readPrometheusConnection(reader({ 'prometheus-url': 'not a url' }))).toThrow(/is not a URL/);
    expect(() => readPrometheusConnection(reader({ 'prometheus-url': 'file:///etc/passwd' }))).toThrow(
      /uses file; only http and https/,
    );
  });

  it('refuses header names that are not tokens and headers the client sets itself', () => {
    const url = { 'prometheus-url': 'http://p:9090' };
    expect(() => readPrometheusConnection(reader({ ...url, 'prometheus-headers': 'Bad Name=x' }))).toThrow(
      /not a valid header name/,
    );
    expect(() => readPrometheusConnection(reader({ ...url, 'prometheus-headers': 'authorization=x' }))).toThrow(
      /set by the action; use prometheus-token/,
    );
  });
});

describe('prometheusHeaderSecrets', () => {
  it('is every header value, or the whole value when it does not parse', () => {
    expect(prometheusHeaderSecrets('X-A=one\nX-B=two')).toEqual(['one', 'two']);
    expect(prometheusHeaderSecrets('no equals sign')).toEqual(['no equals sign']);
  });
});
