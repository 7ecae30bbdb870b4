/** Node version specs the setup-node stand-in understands (no ranges, no aliases such as lts/*). */

/** Does `version` (x.y.z) satisfy `spec`: 24, 24.x, 24.21, 24.21.0, v24 (no ranges, no aliases)? */
export function satisfies(version: string, spec: string): boolean {
  const wanted = spec.trim().replace(/^v/, '').split('.');
  const have = version.split('.');
  return wanted.every((part, i) => part === 'x' || part === '*' || part === have[i]);
}

export function compareVersions(a: string, b: string): number {
  const [x, y] = [a.split('.').map(Number), b.split('.').map(Number)];
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}
