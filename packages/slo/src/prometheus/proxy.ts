/**
 * Which proxy, if any, the Prometheus client goes through: the standard variables, as curl reads them.
 *
 * The client talks to one host and never follows redirects, so the choice is made once, here, and handed to Node's
 * built-in agent proxy support as the one variable that applies (`proxyEnv`). Node never reads NO_PROXY itself, so
 * what we log ("via proxy …") is exactly what happens.
 *
 * - `http_proxy`/`HTTP_PROXY` for http URLs, `https_proxy`/`HTTPS_PROXY` for https (tunnelled with CONNECT, so
 *   the proxy never sees the token), `all_proxy`/`ALL_PROXY` for either; the lower-case name wins, as in curl.
 * - `no_proxy`/`NO_PROXY`: comma- or space-separated hosts (`example.com` also matches its subdomains, a leading
 *   `.` or `*.` too), `host:port`, IP addresses, CIDR ranges (10.0.0.0/8, fd00::/8), or `*` for everything.
 * - A value we cannot honour (not a URL, a socks proxy) is an error naming the variable, never ignored.
 */
import { BlockList, isIP } from 'node:net';
import { UserError } from '@gauntlet/action-kit';

export type ProxyEnv = Readonly<Record<string, string | undefined>>;

export interface ProxyChoice {
  /** The variable it came from, e.g. HTTPS_PROXY. */
  readonly variable: string;
  /** The proxy URL, credentials included: for the agent only. */
  readonly href: string;
  /** scheme://host:port, no credentials: safe to print. */
  readonly display: string;
  /** Proxy credentials to register as secrets before first use. */
  readonly secrets: readonly string[];
}

/** Node's agents take `proxyEnv` from 24.5 on; an older Node would ignore it without a word. */
const MIN_NODE: readonly [number, number] = [24, 5];

export function proxyFor(target: URL, env: ProxyEnv, nodeVersion = process.versions.node): ProxyChoice | undefined {
  const scheme = target.protocol.replace(':', '');
  const found = firstSet(env, [`${scheme}_proxy`, `${scheme.toUpperCase()}_PROXY`, 'all_proxy', 'ALL_PROXY']);
  if (!found) return undefined;
  const noProxy = firstSet(env, ['no_proxy', 'NO_PROXY']);
  if (noProxy && bypasses(target, noProxy.value)) return undefined;
  const { variable, value } = found;
  let proxy: URL;
  try {
    // curl takes a bare host:port as an http proxy.
    proxy = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
  } catch {
    throw new UserError(`${variable} is set but is not a proxy URL; expected e.g. http://proxy.example:3128`);
  }
  if (proxy.protocol !== 'http:' && proxy.protocol !== 'https:') {
    throw new UserError(
      `${variable} names a ${proxy.protocol.replace(':', '')} proxy; only http and https proxies are supported for Prometheus`,
    );
  }
  const [major = 0, minor = 0] = nodeVersion.split('.').map(Number);
  if (major < MIN_NODE[0] || (major === MIN_NODE[0] && minor < MIN_NODE[1])) {
    throw new UserError(
      `${variable} is set, but Node.js ${nodeVersion} cannot send requests through a proxy (needs ${MIN_NODE.join('.')} or later)`,
    );
  }
  const secrets = [decodeURIComponent(proxy.password), proxy.password].filter((s) => s !== '');
  const display = `${proxy.protocol}//${proxy.host}`;
  return { variable, href: proxy.href, display, secrets };
}

function firstSet(env: ProxyEnv, names: readonly string[]): { variable: string; value: string } | undefined {
  for (const variable of names) {
    const value = env[variable]?.trim();
    if (value) return { variable, value };
  }
  return undefined;
}

/** Whether a NO_PROXY list exempts the target. */
export function bypasses(target: URL, list: string): boolean {
  const host = target.hostname
    .replace(/^\[|\]$/g, '')
    .toLowerCase()
    .replace(/\.$/, '');
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  for (const raw of list.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    const { name, entryPort } = splitPort(entry);
    if (entryPort && entryPort !== port) continue;
    if (name.includes('/')) {
      if (inCidr(host, name)) return true;
      continue;
    }
    const bare = name.replace(/^\*?\./, '').replace(/\.$/, '');
    if (!bare) continue;
    if (isIP(bare) || isIP(host)) {
      if (bare === host) return true;
      continue;
    }
    if (host === bare || host.endsWith(`.${bare}`)) return true;
  }
  return false;
}

function splitPort(entry: string): { name: string; entryPort?: string } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return { name: bracketed[1] ?? '', ...(bracketed[2] ? { entryPort: bracketed[2] } : {}) };
  // An IPv6 address (more than one colon) has no port unless bracketed.
  if ((entry.match(/:/g) ?? []).length !== 1) return { name: entry };
  const [name = '', entryPort = ''] = entry.split(':');
  return /^\d+$/.test(entryPort) ? { name, entryPort } : { name: entry };
}

function inCidr(host: string, cidr: string): boolean {
  const [network = '', bitsText = ''] = cidr.split('/');
  const family = isIP(network);
  const bits = Number(bitsText);
  if (!family || isIP(host) !== family || !/^\d+$/.test(bitsText)) return false;
  const list = new BlockList();
  try {
    list.addSubnet(network, bits, family === 4 ? 'ipv4' : 'ipv6');
  } catch {
    return false;
  }
  return list.check(host, family === 4 ? 'ipv4' : 'ipv6');
}
