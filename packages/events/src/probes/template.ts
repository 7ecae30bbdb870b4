/**
 * Publish templates: a body (JSON value or text), headers and key in which {{correlationId}}, {{index}},
 * {{key}}, {{seq}} and {{runId}} are replaced. Nothing else is evaluated; an unknown placeholder is an error at
 * load time, never a literal "{{x}}" on the wire.
 */
import { toBytes, type OutgoingEvent } from '../model.js';

export const PLACEHOLDERS = ['correlationId', 'index', 'key', 'seq', 'runId'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export type TemplateValues = Partial<Record<Placeholder, string | number>>;

const PLACEHOLDER = /\{\{\s*([A-Za-z]+)\s*\}\}/g;

export interface PublishTemplate {
  channel: string;
  key?: string;
  headers?: Record<string, string>;
  /** A JSON value (sent as JSON) or a string (sent as it is). */
  body?: unknown;
}

/** Placeholder names used in a template that are not supported (for the definition checker). */
export function unknownPlaceholders(value: unknown): string[] {
  const found = new Set<string>();
  const visit = (v: unknown): void => {
    if (typeof v === 'string') {
      for (const m of v.matchAll(PLACEHOLDER)) if (!PLACEHOLDERS.includes(m[1] as Placeholder)) found.add(m[1] ?? '');
    } else if (Array.isArray(v)) {
      v.forEach(visit);
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        visit(k);
        visit(x);
      }
    }
  };
  visit(value);
  return [...found];
}

function fill(text: string, values: TemplateValues): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => {
    const v = values[name as Placeholder];
    return v === undefined ? whole : String(v);
  });
}

function fillValue(v: unknown, values: TemplateValues): unknown {
  if (typeof v === 'string') {
    // A string that is exactly one numeric placeholder stays a number in JSON ("{{index}}" → 7).
    const only = /^\{\{\s*(index|seq)\s*\}\}$/.exec(v);
    if (only) {
      const n = values[only[1] as Placeholder];
      if (typeof n === 'number') return n;
    }
    return fill(v, values);
  }
  if (Array.isArray(v)) return v.map((x) => fillValue(x, values));
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [fill(k, values), fillValue(x, values)]));
  return v;
}

export function renderTemplate(t: PublishTemplate, values: TemplateValues): OutgoingEvent {
  const body =
    t.body === undefined
      ? ''
      : typeof t.body === 'string'
        ? fill(t.body, values)
        : JSON.stringify(fillValue(t.body, values));
  const headers = t.headers
    ? Object.fromEntries(Object.entries(t.headers).map(([k, v]) => [k, fill(v, values)]))
    : undefined;
  return {
    channel: fill(t.channel, values),
    ...(t.key !== undefined ? { key: fill(t.key, values) } : {}),
    ...(headers ? { headers } : {}),
    body: toBytes(body),
  };
}
