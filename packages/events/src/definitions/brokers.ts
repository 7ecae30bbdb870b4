/**
 * The `brokers` input: named broker connections, as YAML.
 *
 * ```yaml
 * orders: { kind: nats, url: nats://nats.pr-14.svc:4222, token: ... }
 * rabbit: { kind: rabbitmq, url: amqp://rabbit:5672, managementUrl: http://rabbit:15672, user: ci, password: ... }
 * events: { kind: kafka, brokers: [kafka:9092], sasl: { mechanism: scram-sha-256, username: ci, password: ... } }
 * ```
 *
 * Credentials are separate fields, never in a URL (a URL with a user or password is refused without echoing it).
 * `brokerSecrets` finds every credential in the raw text, valid or not, so the runner masks them before the input
 * is parsed, and before any error message could show one.
 */
import { loadYaml } from '@gauntlet/action-kit';
import type { BrokerConnection } from '../brokers/connection.js';
import { EventDefinitionError, Field } from './field.js';

const CREDENTIAL_KEYS = ['password', 'pass', 'token'];
const NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const MAX_BROKERS = 20;

/** Every credential value of a brokers text (and any password written inside a URL); the whole text if unreadable. */
export function brokerSecrets(text: string): string[] {
  let parsed: unknown;
  try {
    parsed = loadYaml(text, { origin: 'input brokers' });
  } catch {
    return text.trim() ? [text] : [];
  }
  const found: string[] = [];
  const visit = (v: unknown, key: string | undefined): void => {
    if (typeof v === 'string' || typeof v === 'number') {
      const s = String(v);
      if (key !== undefined && CREDENTIAL_KEYS.includes(key.toLowerCase())) found.push(s);
      for (const m of s.matchAll(/\/\/[^/@\s]*:([^/@\s]+)@/g)) found.push(m[1]!, decodeSafe(m[1]!));
    } else if (Array.isArray(v)) v.forEach((x) => visit(x, undefined));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) visit(x, k);
  };
  visit(parsed, undefined);
  return [...new Set(found.filter((s) => s.length > 0))];
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The named connections of the `brokers` input; empty text gives none. */
export function readBrokers(text: string | undefined, origin = 'input brokers'): Map<string, BrokerConnection> {
  const out = new Map<string, BrokerConnection>();
  if (text === undefined || text.trim() === '') return out;
  let raw: unknown;
  try {
    raw = loadYaml(text, { origin });
  } catch (error) {
    // The loader's message may quote the text, which holds credentials: say where, not what.
    const where = /line (\d+)/.exec(error instanceof Error ? error.message : '')?.[0];
    throw new EventDefinitionError(origin, '', `is not valid YAML${where ? ` (at ${where})` : ''}`);
  }
  const root = new Field(origin, '', raw);
  const names = root.keys();
  if (names.length > MAX_BROKERS) root.fail(`names more than ${MAX_BROKERS} brokers`);
  for (const name of names) {
    const field = root.child(name);
    if (!NAME.test(name)) field.fail('a broker name is 1-63 of a-z, 0-9 and -');
    out.set(name, readConnection(field));
  }
  return out;
}

function readConnection(field: Field): BrokerConnection {
  const kind = field
    .child('kind')
    .required()
    .oneOf(['nats', 'rabbitmq', 'kafka'] as const);
  switch (kind) {
    case 'nats': {
      field.onlyKeys(['kind', 'url', 'user', 'password', 'token']);
      const user = field.child('user').optionalString();
      const pass = secret(field, 'password');
      const token = secret(field, 'token');
      if (token !== undefined && (user !== undefined || pass !== undefined))
        field.child('token').fail('give a token or a user and password, not both');
      return {
        kind,
        url: url(field.child('url').required(), ['nats:', 'tls:']),
        ...(user !== undefined ? { user } : {}),
        ...(pass !== undefined ? { pass } : {}),
        ...(token !== undefined ? { token } : {}),
      };
    }
    case 'rabbitmq': {
      field.onlyKeys(['kind', 'url', 'managementUrl', 'user', 'password', 'vhost']);
      const user = field.child('user').optionalString();
      const pass = secret(field, 'password');
      const vhost = field.child('vhost').optionalString();
      const management = field.child('managementUrl');
      return {
        kind,
        url: url(field.child('url').required(), ['amqp:', 'amqps:']),
        ...(management.present ? { managementUrl: url(management, ['http:', 'https:']) } : {}),
        ...(user !== undefined ? { user } : {}),
        ...(pass !== undefined ? { pass } : {}),
        ...(vhost !== undefined ? { vhost } : {}),
      };
    }
    case 'kafka': {
      field.onlyKeys(['kind', 'brokers', 'sasl']);
      const brokers = field
        .child('brokers')
        .required()
        .itemsOrOne()
        .map((b) => {
          const text = b.string();
          if (!/^[A-Za-z0-9.-]+:\d{1,5}$/.test(text) && !/^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(text))
            b.fail('expected host:port');
          return text;
        });
      if (brokers.length === 0) field.child('brokers').fail('name at least one bootstrap broker');
      const sasl = field.child('sasl');
      if (!sasl.present) return { kind, brokers };
      sasl.onlyKeys(['mechanism', 'username', 'password']);
      return {
        kind,
        brokers,
        sasl: {
          mechanism: sasl
            .child('mechanism')
            .required()
            .oneOf(['plain', 'scram-sha-256'] as const),
          username: sasl.child('username').required().string(),
          password: secret(sasl, 'password', true)!,
        },
      };
    }
  }
}

/** A credential: a string, never echoed in an error. */
function secret(field: Field, key: string, required = false): string | undefined {
  const f = field.child(key);
  if (!f.present) return required ? f.fail('is required') : undefined;
  if (typeof f.value !== 'string' && typeof f.value !== 'number') f.fail('expected a string (a secret)');
  const value = String(f.value);
  if (value === '') f.fail('is empty');
  return value;
}

/** A URL of one of the schemes, without credentials in it (refused without echoing the URL). */
function url(field: Field, schemes: readonly string[]): string {
  const text = field.string();
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    return field.fail(`expected a URL (${schemes.map((s) => `${s}//`).join(' or ')})`);
  }
  if (parsed.username || parsed.password)
    field.fail('holds a user or password: give them as separate fields (user, password), which are masked');
  if (!schemes.includes(parsed.protocol))
    field.fail(`expected a ${schemes.join(' or ')} URL, got ${parsed.protocol.replace(/:$/, '')}`);
  if (parsed.search || parsed.hash) field.fail('must not have a query or fragment');
  return text;
}
