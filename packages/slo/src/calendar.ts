import type { CalendarWindow } from './model.js';

/**
 * Calendar-aligned windows. Periods are laid end to end from the window's start time in its time zone, in
 * wall-clock arithmetic (a month period starting on the 31st ends on the last day of a shorter month, and a day
 * period keeps its local hour across a DST change), and the current period is the one that holds `nowMs`.
 */

const WALL = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/;

interface Wall {
  readonly year: number;
  readonly month: number; // 1..12
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

/** Parses `2022-01-01 12:00:00` (no zone, as OpenSLO writes it); undefined when it is not one. */
export function parseWallTime(text: string): Wall | undefined {
  const m = WALL.exec(text.trim());
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const check = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  )
    return undefined;
  return { year, month, day, hour, minute, second };
}

/** True when Intl knows the zone. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** One formatter per zone: building one costs far more than using it. */
function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** The zone's offset from UTC at `utcMs`, in ms (positive east of Greenwich). */
function offsetAt(zone: string, utcMs: number): number {
  const parts = formatterFor(zone).formatToParts(new Date(utcMs));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

/** UTC ms of a wall-clock time in a zone (a time skipped by DST resolves forward, as most calendars do). */
export function wallToUtc(wall: Wall, zone: string): number {
  const naive = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  let utc = naive - offsetAt(zone, naive);
  // A second pass settles times near an offset change.
  utc = naive - offsetAt(zone, utc);
  return utc;
}

function utcToWall(utcMs: number, zone: string): Wall {
  const local = new Date(utcMs + offsetAt(zone, utcMs));
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds(),
  };
}

/** The wall time `k` periods after `start`. Month arithmetic clamps the day to the month's last day. */
function addPeriods(start: Wall, window: CalendarWindow, k: number): Wall {
  const n = k * window.count;
  const months = window.unit === 'month' ? n : window.unit === 'quarter' ? 3 * n : window.unit === 'year' ? 12 * n : 0;
  if (months !== 0 || ['month', 'quarter', 'year'].includes(window.unit)) {
    const index = start.year * 12 + (start.month - 1) + months;
    const year = Math.floor(index / 12);
    const month = (index % 12) + 1;
    const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
    return { ...start, year, month, day: Math.min(start.day, last) };
  }
  const unitMs = { minute: 60_000, hour: 3_600_000, day: 86_400_000, week: 604_800_000 }[
    window.unit as 'minute' | 'hour' | 'day' | 'week'
  ];
  const naive = Date.UTC(start.year, start.month - 1, start.day, start.hour, start.minute, start.second) + n * unitMs;
  const d = new Date(naive);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}

/** Rough period length, to jump near the right period before stepping exactly. */
function approxPeriodMs(window: CalendarWindow): number {
  const unit = {
    minute: 60_000,
    hour: 3_600_000,
    day: 86_400_000,
    week: 604_800_000,
    month: 2_629_746_000,
    quarter: 7_889_238_000,
    year: 31_556_952_000,
  }[window.unit];
  return unit * window.count;
}

export interface CalendarPeriod {
  readonly startMs: number;
  readonly endMs: number;
  /** `2026-12-01 00:00` in the window's zone, for labels. */
  readonly startLabel: string;
}

/** The period of a calendar window that holds `nowMs` (periods before the start time count backwards). */
export function currentPeriod(window: CalendarWindow, nowMs: number): CalendarPeriod {
  const start = parseWallTime(window.startTime);
  if (!start) throw new Error(`calendar startTime '${window.startTime}' is not a date and time`);
  const at = (k: number): number => wallToUtc(addPeriods(start, window, k), window.timeZone);
  let k = Math.floor((nowMs - at(0)) / approxPeriodMs(window));
  while (at(k) > nowMs) k -= 1;
  while (at(k + 1) <= nowMs) k += 1;
  const startMs = at(k);
  const w = utcToWall(startMs, window.timeZone);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return {
    startMs,
    endMs: at(k + 1),
    startLabel: `${w.year}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)} ${window.timeZone}`,
  };
}
