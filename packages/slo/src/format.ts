/** Number formatting for reasons: short, unambiguous, and never "NaN%" (missing values read "n/a"). */
export function pct(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'n/a';
  return `${(value * 100).toFixed(digits).replace(/\.?0+$/, '')}%`;
}

export function secs(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'n/a';
  return value < 1 ? `${+(value * 1000).toFixed(1)}ms` : `${+value.toFixed(3)}s`;
}

const INTEGER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function num(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'n/a';
  if (Number.isInteger(value)) return INTEGER.format(value);
  return String(+value.toPrecision(4));
}

export function times(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'n/a';
  return `${+value.toFixed(value < 10 ? 2 : 1)}×`;
}
