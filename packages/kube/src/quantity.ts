/**
 * Kubernetes resource quantities ("500m", "2", "1.5Gi", "1e3", "128974848", "129M") as numbers: CPU in cores,
 * memory and storage in bytes, counts as counts.
 */
const SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?)$/;

export function parseQuantity(text: string | number | undefined): number {
  if (typeof text === 'number') return text;
  if (text === undefined) return 0;
  const match = QUANTITY.exec(text.trim());
  if (!match) throw new TypeError(`not a Kubernetes quantity: ${JSON.stringify(text.slice(0, 40))}`);
  const base = Number(match[1]);
  if (match[2]) return base * 10 ** Number(match[2].slice(1));
  return base * (SUFFIX[match[3] ?? ''] ?? 1);
}

export function isQuantity(text: unknown): boolean {
  return typeof text === 'string' && QUANTITY.test(text.trim());
}

/** For reports: cores with up to 3 decimals, bytes in Mi/Gi. */
export function formatQuantity(resource: string, value: number): string {
  if (/memory|storage/.test(resource)) {
    if (value >= 2 ** 30) return `${+(value / 2 ** 30).toFixed(2)}Gi`;
    return `${+(value / 2 ** 20).toFixed(0)}Mi`;
  }
  if (/cpu/.test(resource)) return value < 1 ? `${Math.round(value * 1000)}m` : `${+value.toFixed(3)}`;
  return String(+value.toFixed(3));
}
