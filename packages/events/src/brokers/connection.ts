/**
 * How to reach a broker. Credentials are separate fields (never inside a URL that gets logged), so `target`
 * strings in reports are built from host and port only.
 */
export type BrokerConnection =
  | { kind: 'nats'; url: string; user?: string; pass?: string; token?: string }
  | { kind: 'rabbitmq'; url: string; managementUrl?: string; user?: string; pass?: string; vhost?: string }
  | {
      kind: 'kafka';
      brokers: string[];
      sasl?: { mechanism: 'plain' | 'scram-sha-256'; username: string; password: string };
    };

/** Every secret a connection holds, to register with the runner before the client is created. */
export function connectionSecrets(c: BrokerConnection): string[] {
  switch (c.kind) {
    case 'nats':
      return [c.pass, c.token].filter((v): v is string => !!v);
    case 'rabbitmq':
      return [c.pass].filter((v): v is string => !!v);
    case 'kafka':
      return c.sasl ? [c.sasl.password] : [];
  }
}

/** host:port (and scheme) only: no userinfo, no query. */
export function safeTarget(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.hostname}${u.port ? `:${u.port}` : ''}`;
  } catch {
    return '(unparsable address)';
  }
}
