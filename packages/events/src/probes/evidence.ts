/**
 * What a verdict shows of the events it saw: the last few matching and non-matching ones, each cut to a bounded
 * size before anything else touches it (a 100 MB payload never reaches a report). Text stays raw here; report.ts
 * encodes it for the log or Markdown.
 */
import { bodyText, type ObservedEvent } from '../model.js';

export const EVIDENCE_KEEP = 5;
export const EVIDENCE_BODY_CHARS = 300;
const HEADER_CHARS = 100;
const MAX_HEADERS = 10;

export interface EventSummary {
  channel: string;
  key?: string;
  headers: Record<string, string>;
  /** The body's first EVIDENCE_BODY_CHARS characters (raw, untrusted). */
  body: string;
  bodyBytes: number;
  receivedAt: number;
  /** Why it did not match, for non-matching events (wrong correlation id, filter, schema). */
  note?: string;
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

export function summarize(e: ObservedEvent, note?: string): EventSummary {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(e.headers).slice(0, MAX_HEADERS)) headers[cut(k, 60)] = cut(v, HEADER_CHARS);
  const head = e.body.length > EVIDENCE_BODY_CHARS * 4 ? e.body.subarray(0, EVIDENCE_BODY_CHARS * 4) : e.body;
  return {
    channel: cut(e.channel, 200),
    ...(e.key !== undefined ? { key: cut(e.key, HEADER_CHARS) } : {}),
    headers,
    body: cut(bodyText({ body: head }), EVIDENCE_BODY_CHARS),
    bodyBytes: e.body.length,
    receivedAt: e.receivedAt,
    ...(note ? { note: cut(note, 300) } : {}),
  };
}

/** A ring of the last `keep` summaries plus a total count. */
export class EvidenceRing {
  private readonly items: EventSummary[] = [];
  total = 0;
  constructor(private readonly keep = EVIDENCE_KEEP) {}
  add(e: ObservedEvent, note?: string): void {
    this.total += 1;
    this.items.push(summarize(e, note));
    if (this.items.length > this.keep) this.items.shift();
  }
  list(): EventSummary[] {
    return [...this.items];
  }
}
