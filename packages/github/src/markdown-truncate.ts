/**
 * Structural truncation of Markdown we did not build ourselves (a section read back from the sticky comment, a
 * string an action handed us). The text is cut only between whole units: a line, a list item with its
 * continuation lines, or a whole fenced code block; never inside a code block or an escape. Open `<details>`
 * elements are closed, and one note says how many units were left out.
 */
import { type Limit } from './limits.js';

export interface TruncateOptions {
  /** The line appended when something was cut; receives the number of units left out. */
  note?: (omitted: number) => string;
}

export const defaultTruncationNote = (omitted: number): string =>
  `_… and ${omitted} more (truncated; see the job summary / check run)_`;

interface Unit {
  text: string;
  /** Change in open `<details>` depth across this unit. */
  detailsDelta: number;
  blank: boolean;
}

// A blank line first: `</details>` straight after a table row could otherwise be read as part of the table.
const DETAILS_CLOSER = '\n\n</details>';
const FENCE_OPEN = /^\s*(`{3,}|~{3,})/;

/** Splits Markdown into units that may be dropped whole. */
export function splitUnits(markdown: string): Unit[] {
  const lines = markdown.split('\n');
  const units: Unit[] = [];
  for (let i = 0; i < lines.length; i++) {
    let text = lines[i] ?? '';
    const open = FENCE_OPEN.exec(text);
    if (open?.[1]) {
      // A fenced block is one unit, up to a closing fence of the same character at least as long.
      const fence = open[1];
      const close = new RegExp(`^\\s*${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
      while (i + 1 < lines.length) {
        i++;
        text += `\n${lines[i] ?? ''}`;
        if (close.test(lines[i] ?? '')) break;
      }
    } else if (units.length > 0 && /^\s+\S/.test(text) && !units[units.length - 1]!.blank) {
      // An indented continuation line belongs to the list item (or paragraph) above it.
      const previous = units[units.length - 1]!;
      previous.text += `\n${text}`;
      previous.detailsDelta += detailsDelta(text);
      continue;
    }
    units.push({ text, detailsDelta: detailsDelta(text), blank: text.trim() === '' });
  }
  return units;
}

function detailsDelta(text: string): number {
  const opened = text.match(/<details[\s>]/gi)?.length ?? 0;
  const closed = text.match(/<\/details>/gi)?.length ?? 0;
  return opened - closed;
}

/**
 * Markdown cut to fit `limit`: the longest prefix of whole units that fits together with the note (preceded by a
 * blank line, so it can never be read as one more table row) and the `</details>` closers it needs.
 */
export function truncateMarkdown(markdown: string, limit: Limit, options: TruncateOptions = {}): string {
  if (limit.measure(markdown) <= limit.max) return markdown;
  const note = options.note ?? defaultTruncationNote;
  const units = splitUnits(markdown);
  const substantive = units.filter((u) => !u.blank).length;

  // Grow the prefix unit by unit; measuring incrementally keeps this linear in the input.
  let kept = 0;
  let keptSize = 0;
  let keptSubstantive = 0;
  let depth = 0;
  let best = { count: 0, substantive: 0, depth: 0 };
  const sizeOfTail = (omitted: number, openDetails: number) =>
    limit.measure(`\n\n${note(omitted)}`) + limit.measure(DETAILS_CLOSER) * Math.max(0, openDetails);
  while (kept < units.length) {
    const unit = units[kept]!;
    const addition = limit.measure((kept === 0 ? '' : '\n') + unit.text);
    const nextSubstantive = keptSubstantive + (unit.blank ? 0 : 1);
    const nextDepth = depth + unit.detailsDelta;
    if (keptSize + addition + sizeOfTail(substantive - nextSubstantive, nextDepth) > limit.max) break;
    keptSize += addition;
    keptSubstantive = nextSubstantive;
    depth = nextDepth;
    kept++;
    best = { count: kept, substantive: keptSubstantive, depth };
  }
  const head = units
    .slice(0, best.count)
    .map((u) => u.text)
    .join('\n')
    .replace(/\s+$/, '');
  const closers = DETAILS_CLOSER.repeat(Math.max(0, best.depth));
  const tail = `\n\n${note(substantive - best.substantive)}`;
  const result = (head + closers + tail).replace(/^\n+/, '');
  // A note alone may still be too long for a tiny limit; then give nothing rather than break the limit.
  return limit.measure(result) <= limit.max ? result : '';
}
