/**
 * The sticky comment's body: one hidden marker that says "this is the Gauntlet comment", then one section per
 * action, each between its own markers and stamped with a revision so concurrent writers can tell newer content
 * from older:
 *
 *   <!-- gauntlet:sticky:gauntlet -->
 *   <!-- gauntlet:section:slo-check rev=4711.2.1700000000000 -->
 *   …
 *   <!-- /gauntlet:section:slo-check -->
 *
 * Only comments authored by our own login are ever parsed, and untrusted text inside sections is HTML-escaped
 * (markdown-escape.ts), so a marker can appear in a body only where our code put it.
 */
import { type Limit } from './limits.js';
import { defaultTruncationNote, truncateMarkdown } from './markdown-truncate.js';

/** Section names are action names: short, lower-case, safe inside an HTML comment. */
export const SECTION_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** The order sections appear in, following the pipeline; other names follow alphabetically. */
export const PIPELINE_ORDER = ['provision-ephemeral-env', 'shard-and-run', 'chaos-gate', 'slo-check'] as const;

/** Which run wrote a section: newer runs win; within one run attempt, the later write wins. */
export interface Revision {
  readonly runId: number;
  readonly runAttempt: number;
  readonly timeMs: number;
}

export interface Section {
  readonly name: string;
  readonly revision: Revision;
  /** The Markdown between the markers. */
  readonly content: string;
}

/** A section still to be written, rendered for whatever budget the others leave (so its own counts stay exact). */
export interface DraftSection {
  readonly name: string;
  readonly revision: Revision;
  readonly render: (limit: Limit) => string;
}

type AnySection = Section | DraftSection;

export function stickyMarker(key = 'gauntlet'): string {
  if (!SECTION_NAME.test(key)) throw new TypeError(`Invalid sticky comment key: ${JSON.stringify(key)}`);
  return `<!-- gauntlet:sticky:${key} -->`;
}

export function formatRevision(revision: Revision): string {
  return `${revision.runId}.${revision.runAttempt}.${revision.timeMs}`;
}

export function compareRevisions(a: Revision, b: Revision): number {
  return a.runId - b.runId || a.runAttempt - b.runAttempt || a.timeMs - b.timeMs;
}

function startMarker(section: Pick<Section, 'name' | 'revision'>): string {
  return `<!-- gauntlet:section:${section.name} rev=${formatRevision(section.revision)} -->`;
}

function endMarker(name: string): string {
  return `<!-- /gauntlet:section:${name} -->`;
}

const SECTION_PATTERN =
  /<!-- gauntlet:section:([a-z0-9][a-z0-9-]{0,63}) rev=(\d+)\.(\d+)\.(\d+) -->\n([\s\S]*?)\n<!-- \/gauntlet:section:\1 -->/g;

/** The sections of one of our bodies; anything malformed is skipped, never guessed at. */
export function parseSections(body: string): Section[] {
  const sections: Section[] = [];
  for (const match of body.matchAll(SECTION_PATTERN)) {
    const [, name, runId, runAttempt, timeMs, content] = match;
    if (name === undefined || content === undefined) continue;
    sections.push({
      name,
      revision: { runId: Number(runId), runAttempt: Number(runAttempt), timeMs: Number(timeMs) },
      content,
    });
  }
  return sections;
}

/** One section per name, the newest revision of each. */
export function mergeSections<T extends AnySection>(...lists: readonly (readonly T[])[]): T[] {
  const newest = new Map<string, T>();
  for (const section of lists.flat()) {
    const current = newest.get(section.name);
    if (current === undefined || compareRevisions(section.revision, current.revision) > 0) {
      newest.set(section.name, section);
    }
  }
  return orderSections([...newest.values()]);
}

export function orderSections<T extends Pick<Section, 'name'>>(sections: readonly T[]): T[] {
  const rank = (name: string) => {
    const index = (PIPELINE_ORDER as readonly string[]).indexOf(name);
    return index === -1 ? PIPELINE_ORDER.length : index;
  };
  return [...sections].sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
}

/**
 * Makes caller-supplied Markdown unable to contain our markers: an action that pasted raw untrusted text (a bug)
 * must still not be able to end its section early or forge another one.
 */
export function neutralizeMarkers(markdown: string): string {
  return markdown.replace(/<!--(\s*\/?\s*gauntlet:)/gi, '&lt;!--$1');
}

/** Water-filling: the largest cap such that the sizes, each cut to the cap, add up to at most `budget`. */
export function fairShare(sizes: readonly number[], budget: number): number {
  const sorted = [...sizes].sort((a, b) => a - b);
  let remaining = budget;
  for (let i = 0; i < sorted.length; i++) {
    const share = Math.floor(remaining / (sorted.length - i));
    const size = sorted[i]!;
    if (size > share) return share;
    remaining -= size;
  }
  return Number.POSITIVE_INFINITY;
}

const HEADER_SEPARATOR = '\n\n';

/**
 * The whole comment body within `limit`. When the sections do not fit together, the largest ones are cut
 * structurally to a fair share, each ending with a "truncated; see the job summary / check run" line; small
 * sections are never touched.
 */
export function composeBody(marker: string, sections: readonly AnySection[], limit: Limit): string {
  const ordered = orderSections(sections);
  const wrap = (section: AnySection, content: string) =>
    `${startMarker(section)}\n${content}\n${endMarker(section.name)}`;
  const overhead =
    limit.measure(marker) +
    ordered.reduce((sum, s) => sum + limit.measure(wrap(s, '')) + limit.measure(HEADER_SEPARATOR), 0);
  const room: Limit = { max: Math.max(0, limit.max - overhead), measure: limit.measure };
  const natural = ordered.map((s) => ('render' in s ? s.render(room) : s.content));
  const sizes = natural.map((content) => limit.measure(content));
  const cap: Limit = { max: Math.max(0, fairShare(sizes, room.max)), measure: limit.measure };
  const parts = ordered.map((section, i) => {
    const content = natural[i] ?? '';
    if ((sizes[i] ?? 0) <= cap.max) return wrap(section, content);
    // Too big to share: a draft re-renders for its share (exact counts); text from the comment is cut by lines.
    const fitted =
      'render' in section ? section.render(cap) : truncateMarkdown(content, cap, { note: defaultTruncationNote });
    return wrap(section, limit.measure(fitted) <= cap.max ? fitted : truncateMarkdown(fitted, cap));
  });
  return [marker, ...parts].join(HEADER_SEPARATOR);
}

/** True when `body` is one of ours (starts with our marker); authorship is checked separately. */
export function isStickyBody(body: string | null | undefined, marker: string): boolean {
  return typeof body === 'string' && body.startsWith(marker);
}
