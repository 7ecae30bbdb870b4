/**
 * Kubernetes name and label syntax. Every name and label value that reaches a request goes through one of these
 * checks; a failure throws before any request is built.
 */

/** RFC 1123 label: namespaces, Service names, most label-like names. */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** RFC 1123 subdomain: most object names. */
export const DNS1123_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Label value: empty is legal in Kubernetes but never in our selectors (see selector.ts). */
export const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$/;

export function isDns1123Label(value: string): boolean {
  return DNS1123_LABEL.test(value);
}

export function isDns1123Subdomain(value: string): boolean {
  return DNS1123_SUBDOMAIN.test(value);
}

/** A qualified label or annotation key: optional DNS-subdomain prefix and `/`, then a name of ≤ 63 characters. */
export function isQualifiedName(key: string): boolean {
  const slash = key.indexOf('/');
  if (slash === -1) return LABEL_NAME.test(key);
  if (key.indexOf('/', slash + 1) !== -1) return false;
  const prefix = key.slice(0, slash);
  return prefix.length <= 253 && DNS1123_SUBDOMAIN.test(prefix) && LABEL_NAME.test(key.slice(slash + 1));
}

export function isLabelValue(value: string): boolean {
  return value.length <= 63 && LABEL_VALUE.test(value);
}

/** Throws unless `name` is a valid object name (subdomain), so it can be put in a URL path. */
export function assertObjectName(name: unknown, what = 'object name'): string {
  if (typeof name !== 'string' || !DNS1123_SUBDOMAIN.test(name)) {
    throw new TypeError(`invalid ${what}: ${JSON.stringify(typeof name === 'string' ? name.slice(0, 80) : name)}`);
  }
  return name;
}

export function assertNamespaceName(name: unknown): string {
  if (typeof name !== 'string' || !DNS1123_LABEL.test(name)) {
    throw new TypeError(
      `invalid namespace name: ${JSON.stringify(typeof name === 'string' ? name.slice(0, 80) : name)}`,
    );
  }
  return name;
}
