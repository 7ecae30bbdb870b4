/**
 * Test helper: what a Markdown document *renders to*, structurally, using a CommonMark + GFM parser (micromark,
 * with GFM tables and autolink literals) plus the reference patterns GitHub applies to rendered text (mentions,
 * issue references, commit SHAs, emoji shortcodes). Used by the injection tests; not part of the runtime package.
 */
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { gfm } from 'micromark-extension-gfm';

interface MdNode {
  type: string;
  value?: string;
  url?: string;
  children?: MdNode[];
}

export interface MarkdownStructure {
  links: string[];
  images: string[];
  html: string[];
  headings: number;
  /** Each table's body rows (header excluded), as the plain text of each cell. */
  tables: string[][][];
  listItems: number;
  codeBlocks: string[];
  /** Plain text outside code, exactly as rendered (a zero-width space in it is a defect: it breaks copy and paste). */
  texts: string[];
  /** Each paragraph as a reader copies it: its text and code spans, exactly as rendered. */
  paragraphs: string[];
  mentions: string[];
  issueRefs: string[];
  shas: string[];
  emoji: string[];
  /** Occurrences of `<!-- gauntlet:` / `<!-- /gauntlet:` in HTML nodes. */
  markers: number;
}

export function plainTextOf(node: MdNode): string {
  if (node.type === 'text' || node.type === 'inlineCode') return node.value ?? '';
  if (node.type === 'html') return node.value ?? '';
  return (node.children ?? []).map(plainTextOf).join('');
}

export function analyzeMarkdown(markdown: string): MarkdownStructure {
  const tree = fromMarkdown(markdown, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] }) as MdNode;
  const result: MarkdownStructure = {
    links: [],
    images: [],
    html: [],
    headings: 0,
    tables: [],
    listItems: 0,
    codeBlocks: [],
    texts: [],
    paragraphs: [],
    mentions: [],
    issueRefs: [],
    shas: [],
    emoji: [],
    markers: 0,
  };
  const visit = (node: MdNode) => {
    switch (node.type) {
      case 'link':
      case 'linkReference':
        result.links.push(node.url ?? '(reference)');
        break;
      case 'image':
      case 'imageReference':
        result.images.push(node.url ?? '(reference)');
        break;
      case 'html':
        result.html.push(node.value ?? '');
        result.markers += (node.value ?? '').match(/<!--\s*\/?gauntlet:/g)?.length ?? 0;
        break;
      case 'heading':
        result.headings++;
        break;
      case 'listItem':
        result.listItems++;
        break;
      case 'code':
        result.codeBlocks.push(node.value ?? '');
        break;
      case 'paragraph':
        result.paragraphs.push(plainTextOf(node));
        break;
      case 'table':
        result.tables.push((node.children ?? []).slice(1).map((row) => (row.children ?? []).map(plainTextOf)));
        break;
      case 'text': {
        // GitHub finds these in rendered text (not in code spans, which is how the escaper stops them).
        const raw = node.value ?? '';
        result.texts.push(raw);
        result.mentions.push(...(raw.match(/(?<![\w`])@[A-Za-z0-9][A-Za-z0-9-]*(?:\/[A-Za-z0-9][\w.-]*)?/g) ?? []));
        result.issueRefs.push(...(raw.match(/(?<![\w&])#\d+|\bGH-\d+/gi) ?? []));
        // A commit SHA has a digit and a letter (GitHub links only existing commits; an all-digit run is a number).
        result.shas.push(...(raw.match(/(?<![\w])(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}(?![\w])/gi) ?? []));
        // GitHub's emoji names are lower case; a name has a letter or is one of the numeric ones (":00:" is not).
        result.emoji.push(...(raw.match(/:(?:[a-z0-9_+-]*[a-z][a-z0-9_+-]*|100|1234|\+1|-1):/g) ?? []));
        break;
      }
    }
    for (const child of node.children ?? []) visit(child);
  };
  visit(tree);
  return result;
}
