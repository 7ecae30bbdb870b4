/**
 * A small document builder whose output always fits a budget. Fixed blocks (headings, paragraphs with the exact
 * counts) are always kept; elastic blocks (tables, lists, logs) give up whole rows, items or lines and say
 * "… and N more". Render the same document once per destination: 65,000 characters for the PR comment and the
 * check run, 1,000,000 bytes for the job summary.
 */
import { codeBlock, escapeMarkdown, escapeTableCell, inlineCode } from './markdown-escape.js';
import { type Limit } from './limits.js';
import { truncateMarkdown } from './markdown-truncate.js';
import { truncateText } from './untrusted-text.js';

/** A table cell or list item: untrusted text (escaped), untrusted code (a code span) or trusted Markdown. */
export type Cell = string | { readonly code: string } | { readonly markdown: string };

export interface Column {
  readonly header: string;
  /** Raw characters kept per cell before escaping (default 200): one 10,000-character name cannot fill a page. */
  readonly maxChars?: number;
  readonly align?: 'left' | 'center' | 'right';
}

export interface ElasticOptions {
  /** The true number of rows/items when `rows` is a lazy iterable that will not be consumed to the end. */
  readonly total?: number;
}

const DEFAULT_CELL_CHARS = 200;
const SEPARATOR = '\n\n';

export const moreNote = (omitted: number, noun = 'more'): string => `_… and ${omitted} ${noun}_`;

function renderCell(cell: Cell, maxChars: number, inTable: boolean): string {
  if (typeof cell === 'string') return escapeTableCell(truncateText(cell, maxChars));
  if ('code' in cell) return inlineCode(truncateText(cell.code, maxChars), { inTable });
  // Trusted Markdown still has to stay on one line and inside its cell.
  const flat = cell.markdown.replace(/\s*\n\s*/g, ' ');
  return inTable ? flat.replace(/(?<!\\)\|/g, '\\|') : flat;
}

interface Block {
  /** Renders within `budget`; fixed blocks ignore it. */
  render(budget: Limit): string;
  /** Smallest useful rendering's size (0 for blocks that may vanish). */
  minimal(limit: Limit): number;
  readonly elastic: boolean;
}

function fixed(text: string): Block {
  return { elastic: false, render: () => text, minimal: (limit) => limit.measure(text) };
}

/** Adds lines while they fit together with the note that would follow them; the note counts what was left out. */
function fillLines(
  head: string,
  lines: Iterable<string>,
  total: number | undefined,
  budget: Limit,
  note: (omitted: number) => string,
): string {
  const noteFor = (omitted: number) => (omitted > 0 ? `${SEPARATOR}${note(omitted)}` : '');
  let text = head;
  let size = budget.measure(text);
  let shown = 0;
  const iterator = lines[Symbol.iterator]();
  let stoppedEarly = false;
  for (let next = iterator.next(); !next.done; next = iterator.next()) {
    const line = (text === '' ? '' : '\n') + next.value;
    const lineSize = budget.measure(line);
    // Reserve room for a note naming every remaining row (the count has at most this many digits).
    const reserve = budget.measure(noteFor(Math.max(1, (total ?? Number.MAX_SAFE_INTEGER) - shown)));
    if (size + lineSize + reserve > budget.max) {
      stoppedEarly = true;
      break;
    }
    text += line;
    size += lineSize;
    shown++;
  }
  // The caller's total wins: rows may be a pre-cut slice of a longer list, and the note must still count them all.
  let counted = total ?? shown;
  if (stoppedEarly && total === undefined) {
    counted = shown + 1; // the one that did not fit
    for (let next = iterator.next(); !next.done; next = iterator.next()) counted++;
  }
  return text + noteFor(counted - shown);
}

/** Rows are read once per render (one render per destination): a one-shot generator would be empty the second time. */
function reiterable<T>(items: Iterable<T>, what: string): Iterable<T> {
  const iterator = items[Symbol.iterator]();
  if ((iterator as unknown) === items) {
    throw new TypeError(`${what} must be re-iterable (an array, or { [Symbol.iterator]: generatorFunction })`);
  }
  return items;
}

function* tableRows(rows: Iterable<readonly Cell[]>, columns: readonly Column[]): Generator<string> {
  for (const row of rows) {
    const cells = columns.map((column, i) => renderCell(row[i] ?? '', column.maxChars ?? DEFAULT_CELL_CHARS, true));
    yield `| ${cells.join(' | ')} |`;
  }
}

function* listItems(items: Iterable<Cell>, ordered: boolean): Generator<string> {
  let n = 0;
  for (const item of items) yield `${ordered ? `${++n}.` : '-'} ${renderCell(item, 1_000, false)}`;
}

export class MarkdownDoc {
  private readonly blocks: Block[] = [];

  /** A heading; the text is escaped. */
  heading(level: 1 | 2 | 3 | 4 | 5 | 6, text: string): this {
    this.blocks.push(fixed(`${'#'.repeat(level)} ${escapeMarkdown(text)}`));
    return this;
  }

  /** A paragraph of untrusted text, escaped. */
  text(text: string): this {
    this.blocks.push(fixed(escapeMarkdown(text)));
    return this;
  }

  /** Trusted Markdown built by our own code (with untrusted parts already encoded). Kept whole. */
  markdown(markdown: string): this {
    this.blocks.push(fixed(markdown));
    return this;
  }

  /** Trusted Markdown that may be cut structurally if the budget is short. */
  elasticMarkdown(markdown: string): this {
    this.blocks.push({
      elastic: true,
      render: (budget) => truncateMarkdown(markdown, budget),
      minimal: () => 0,
    });
    return this;
  }

  /** A GFM table; rows are cut whole and counted exactly in the "… and N more" line. */
  table(columns: readonly Column[], rows: Iterable<readonly Cell[]>, options: ElasticOptions = {}): this {
    const align = { left: ':---', center: ':---:', right: '---:' };
    const head =
      `| ${columns.map((c) => escapeTableCell(c.header)).join(' | ')} |\n` +
      `| ${columns.map((c) => align[c.align ?? 'left']).join(' | ')} |`;
    reiterable(rows, 'Table rows');
    const total = options.total ?? (Array.isArray(rows) ? rows.length : undefined);
    this.blocks.push({
      elastic: true,
      render: (budget) => {
        const text = fillLines(head, tableRows(rows, columns), total, budget, (n) => moreNote(n, 'more rows'));
        return budget.measure(text) <= budget.max ? text : '';
      },
      minimal: (limit) => limit.measure(head) + limit.measure(`${SEPARATOR}${moreNote(total ?? 1e9, 'more rows')}`),
    });
    return this;
  }

  /** A bullet (or numbered) list; items are cut whole and counted exactly. */
  list(items: Iterable<Cell>, options: ElasticOptions & { ordered?: boolean } = {}): this {
    reiterable(items, 'List items');
    const total = options.total ?? (Array.isArray(items) ? items.length : undefined);
    this.blocks.push({
      elastic: true,
      render: (budget) => fillLines('', listItems(items, options.ordered ?? false), total, budget, (n) => moreNote(n)),
      minimal: (limit) => limit.measure(moreNote(total ?? 1e9)),
    });
    return this;
  }

  /** Untrusted text (a log) in a code block; whole lines are dropped from the start ('tail') or end ('head'). */
  code(text: string, options: { language?: string; keep?: 'head' | 'tail' } = {}): this {
    const lines = text.split(/\r\n?|\n/);
    const keep = options.keep ?? 'tail';
    this.blocks.push({
      elastic: true,
      render: (budget) => {
        const whole = codeBlock(text, options.language);
        if (budget.measure(whole) <= budget.max) return whole;
        // Binary search on the number of kept lines: the fence length depends on the content kept.
        let low = 0;
        let high = lines.length;
        const build = (n: number) => {
          const kept = keep === 'tail' ? lines.slice(lines.length - n) : lines.slice(0, n);
          const note = moreNote(lines.length - n, 'more lines');
          const block = n === 0 ? '' : codeBlock(kept.join('\n'), options.language);
          return keep === 'tail'
            ? [note, block].filter(Boolean).join(SEPARATOR)
            : [block, note].filter(Boolean).join(SEPARATOR);
        };
        while (low < high) {
          const mid = Math.ceil((low + high) / 2);
          if (budget.measure(build(mid)) <= budget.max) low = mid;
          else high = mid - 1;
        }
        const result = build(low);
        return budget.measure(result) <= budget.max ? result : '';
      },
      minimal: () => 0,
    });
    return this;
  }

  /** The document within `limit`: fixed blocks whole, elastic blocks in order, each leaving room for the rest. */
  render(limit: Limit): string {
    const separators = limit.measure(SEPARATOR) * Math.max(0, this.blocks.length - 1);
    const fixedSize = this.blocks.filter((b) => !b.elastic).reduce((sum, b) => sum + b.minimal(limit), 0);
    const minimals = this.blocks.map((b) => (b.elastic ? b.minimal(limit) : 0));
    let used = fixedSize + separators;
    const parts: string[] = [];
    this.blocks.forEach((block, i) => {
      if (!block.elastic) {
        parts.push(block.render(limit));
        return;
      }
      const reservedForLater = minimals.slice(i + 1).reduce((a, b) => a + b, 0);
      const budget: Limit = { max: Math.max(0, limit.max - used - reservedForLater), measure: limit.measure };
      const text = block.render(budget);
      used += limit.measure(text);
      parts.push(text);
    });
    const out = parts.filter((p) => p !== '').join(SEPARATOR);
    // Fixed blocks alone may exceed a tiny limit: the structural cutter is the last line of defence.
    return limit.measure(out) <= limit.max ? out : truncateMarkdown(out, limit);
  }
}
