// A forwarding target: base URL plus the TLS material and headers needed to talk to it. Built from a
// kubeconfig (client cert, bearer token, CA) so callers never handle credentials themselves.
import http from 'node:http';
import https from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';

export interface Upstream {
  url: URL;
  /** Keep-alive agent carrying CA / client cert / key for https upstreams. */
  agent: http.Agent;
  /** Headers to add to every forwarded request (e.g. Authorization from the kubeconfig). */
  headers: Record<string, string>;
}

export function plainUpstream(baseUrl: string): Upstream {
  const url = new URL(baseUrl);
  const agent = url.protocol === 'https:' ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  return { url, agent, headers: {} };
}

export function loadKubeConfig(kubeconfigPath: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  return kc;
}

/** The current context's API server, with its credentials applied. Supports certs, tokens and basic auth. */
export async function upstreamFromKubeConfig(kc: KubeConfig): Promise<Upstream> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const opts: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.headers ?? {})) if (typeof v === 'string') headers[k] = v;
  if (opts.auth) headers.authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
  const url = new URL(cluster.server);
  const agent =
    url.protocol === 'https:'
      ? new https.Agent({
          keepAlive: true,
          ca: opts.ca,
          cert: opts.cert,
          key: opts.key,
          ...(opts.servername ? { servername: opts.servername } : {}),
          ...(opts.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}),
        })
      : new http.Agent({ keepAlive: true });
  return { url, agent, headers };
}

export interface RawResponse {
  status: number;
  body: string;
}

/** One request against the upstream; used for health checks (`/readyz`) without a generated client. */
export function rawRequest(up: Upstream, method: string, path: string, timeoutMs = 5_000): Promise<RawResponse> {
  const target = new URL(path, up.url);
  const mod = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(target, { method, agent: up.agent, headers: up.headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${target.href} timed out`)));
    req.on('error', reject);
    req.end();
  });
}
