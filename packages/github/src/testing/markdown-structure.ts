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
  /** Plain text outside code, with zero-width spaces removed. */
  texts: string[];
  mentions: string[];
  issueRefs: string[];
  shas: string[];
  emoji: string[];
  /** Occurrences of `<!-- gauntlet:` / `<!-- /gauntlet:` in HTML nodes. */
  markers: number;
}

const ZWSP = /\u200b/g;

export function plainTextOf(node: MdNode): string {
  if (node.type === 'text' || node.type === 'inlineCode') return (node.value ?? '').replace(ZWSP, '');
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
      case 'table':
        result.tables.push((node.children ?? []).slice(1).map((row) => (row.children ?? []).map(plainTextOf)));
        break;
      case 'text': {
        // GitHub finds these in rendered text (not in code); a ZWSP between trigger and name breaks them.
        const raw = node.value ?? '';
        result.texts.push(raw.replace(ZWSP, ''));
        result.mentions.push(...(raw.match(/(?<![\w`])@[A-Za-z0-9][A-Za-z0-9-]*(?:\/[A-Za-z0-9][\w.-]*)?/g) ?? []));
        result.issueRefs.push(...(raw.match(/(?<![\w&])#\d+|\bGH-\d+/gi) ?? []));
        result.shas.push(...(raw.match(/(?<![\w])[0-9a-f]{7,40}(?![\w])/gi) ?? []));
        result.emoji.push(...(raw.match(/:[a-z0-9_+-]+:/gi) ?? []));
        break;
      }
    }
    for (const child of node.children ?? []) visit(child);
  };
  visit(tree);
  return result;
}
