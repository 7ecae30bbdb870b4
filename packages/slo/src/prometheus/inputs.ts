/**
 * The Prometheus connection inputs every action that queries Prometheus shares: prometheus-url, prometheus-token or
 * prometheus-username/password, and prometheus-headers. One parser and one list of what to mask, so slo-check and
 * chaos-gate validate and hide them the same way.
 */
import { InputError, InputReader } from '@gauntlet/action-kit';
import type { PrometheusAuth } from './client.js';

/** Where Prometheus is and how to authenticate, validated. */
export interface PrometheusConnection {
  readonly url: string;
  readonly auth?: PrometheusAuth;
  /** Extra request headers (a tenant id, for example); every value is a secret. */
  readonly headers: Readonly<Record<string, string>>;
}

/** A secret input, in the shape the action runtime's `secretInputs` takes. */
export type PrometheusSecretInput = string | { readonly name: string; readonly secrets: (value: string) => string[] };

/**
 * The connection inputs to mask before any input is parsed (give them to defineAction's `secretInputs`): the token,
 * the password and every header value. A malformed headers input is masked whole, so the error that reports it
 * cannot print it.
 */
export const PROMETHEUS_SECRET_INPUTS: readonly PrometheusSecretInput[] = [
  'prometheus-token',
  'prometheus-password',
  { name: 'prometheus-headers', secrets: prometheusHeaderSecrets },
];

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/** Reads and validates prometheus-url (required), the auth inputs and prometheus-headers. */
export function readPrometheusConnection(reader: InputReader): PrometheusConnection {
  const url = reader.string('prometheus-url', { required: true });
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InputError('prometheus-url', 'is not a URL; expected e.g. http://prometheus.monitoring:9090');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new InputError(
      'prometheus-url',
      `uses ${parsed.protocol.replace(':', '')}; only http and https are supported`,
    );
  }
  const auth = readAuth(reader);
  const headers = reader.keyValues('prometheus-headers');
  for (const name of Object.keys(headers)) {
    if (!HEADER_NAME.test(name))
      throw new InputError('prometheus-headers', `${JSON.stringify(name)} is not a valid header name`);
    if (/^(authorization|host|content-length|content-type)$/i.test(name)) {
      throw new InputError(
        'prometheus-headers',
        `${name} is set by the action; use prometheus-token or prometheus-username/password for auth`,
      );
    }
  }
  return { url, headers, ...(auth ? { auth } : {}) };
}

function readAuth(reader: InputReader): PrometheusAuth | undefined {
  const token = reader.string('prometheus-token');
  const username = reader.string('prometheus-username');
  const password = reader.string('prometheus-password');
  if (token !== undefined && (username !== undefined || password !== undefined)) {
    throw new InputError('prometheus-token', 'give either a bearer token or a username and password, not both');
  }
  if ((username === undefined) !== (password === undefined)) {
    throw new InputError(
      username === undefined ? 'prometheus-username' : 'prometheus-password',
      'basic auth needs both a username and a password',
    );
  }
  if (token !== undefined) return { type: 'bearer', token };
  if (username !== undefined && password !== undefined) return { type: 'basic', username, password };
  return undefined;
}

/** The secrets in the prometheus-headers input: every header value, or the whole value when it does not parse. */
export function prometheusHeaderSecrets(value: string): string[] {
  try {
    return Object.values(new InputReader(() => value).keyValues('prometheus-headers'));
  } catch {
    return [value];
  }
}
