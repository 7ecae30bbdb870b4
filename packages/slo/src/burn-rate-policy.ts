import type { BurnRateTier } from './model.js';

/**
 * The SRE workbook's multi-window, multi-burn-rate alerts (table 5-8), for a 30-day SLO period: page at 14.4x over
 * 1 h and 5 m (2 % of the budget), page at 6x over 6 h and 30 m (5 %), ticket at 1x over 3 d and 6 h (10 %).
 * In a PR gate a "page" fails the SLO and a "ticket" warns. Windows are stated at workbook scale and scaled to
 * the evaluation window at run time (see scaleBurnWindows in windows.ts).
 */
export const WORKBOOK_TIERS: readonly BurnRateTier[] = [
  { name: 'fast', factor: 14.4, longMs: 3_600_000, shortMs: 300_000, severity: 'fail' },
  { name: 'medium', factor: 6, longMs: 21_600_000, shortMs: 1_800_000, severity: 'fail' },
  { name: 'slow', factor: 1, longMs: 259_200_000, shortMs: 21_600_000, severity: 'warn' },
];

/** The workbook's longest window; scaling maps it onto the evaluation window. */
export const WORKBOOK_LONGEST_MS = 259_200_000;
