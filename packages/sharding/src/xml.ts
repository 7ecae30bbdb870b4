/**
 * A small, tolerant XML reader and escaping helpers, enough for JUnit reports.
 *
 * Why hand-written: JUnit files come from test runs that pull requests control, so the parser must never resolve
 * entities or fetch anything (no XXE, no billion laughs), and must not pull a large dependency into every action
 * bundle. This reader skips DOCTYPE declarations entirely, expands only the five predefined entities and numeric
 * character references, caps input size and nesting depth, and recovers from unclosed or mismatched tags (test
 * runners killed mid-write leave truncated files) instead of failing.
 */
import { UserError } from '@gauntlet/action-kit';

export interface XmlElement {
  readonly name: string;
  readonly attributes: ReadonlyMap<string, string>;
  readonly children: XmlNode[];
}
export type XmlNode = XmlElement | string;

export interface XmlLimits {
  /** Maximum input size in UTF-16 code units (default 64 Mi). */
  readonly maxLength: number;
  /** Maximum element nesting (default 256); deeper elements are flattened into their parent. */
  readonly maxDepth: number;
  /**
   * Most nodes (elements, attributes, text and CDATA) in the document (default 1,000,000). The length cap alone does
   * not bound memory: 12 MB of `<a/>` is 3 million elements, about 1 GB as objects, and 40 MB ran out of heap.
   */
  readonly maxNodes: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = { maxLength: 64 * 1024 * 1024, maxDepth: 256, maxNodes: 1_000_000 };

/** Counts nodes as they are built, and refuses the document at the first one past the cap. */
class NodeBudget {
  private used = 0;
  constructor(private readonly max: number) {}
  spend(): void {
    if (++this.used > this.max)
      throw new XmlError(`XML input has more than ${this.max} nodes (elements, attributes and text); not read`);
  }
}

/** Malformed beyond recovery (no root element) or over a cap. */
export class XmlError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'XmlError';
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Expands predefined and numeric references; anything else (custom entities) is left as literal text. */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#[xX][0-9a-fA-F]{1,8}|#[0-9]{1,10}|amp|lt|gt|quot|apos);/g, (whole, ref: string) => {
    if (ref[0] !== '#') return PREDEFINED[ref] ?? whole;
    const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    return isXmlChar(code) ? String.fromCodePoint(code) : '\uFFFD';
  });
}

function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

const NAME_END = /[\s/>]/;

/** Parses a document and returns its root element. Throws XmlError only when there is no element at all. */
export function parseXml(text: string, limits: Partial<XmlLimits> = {}): XmlElement {
  const { maxLength, maxDepth, maxNodes } = { ...DEFAULT_XML_LIMITS, ...limits };
  const budget = new NodeBudget(maxNodes);
  if (text.length > maxLength) throw new XmlError(`XML input is larger than the ${maxLength}-character cap`);
  const top: XmlElement = { name: '#document', attributes: new Map(), children: [] };
  const stack: XmlElement[] = [top];
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const current = (): XmlElement => stack[stack.length - 1]!;
  const addText = (raw: string): void => {
    if (raw.length && stack.length > 1) {
      budget.spend();
      current().children.push(decodeEntities(raw));
    }
  };
  while (i < n) {
    const lt = text.indexOf('<', i);
    if (lt < 0) {
      addText(text.slice(i));
      break;
    }
    if (lt > i) addText(text.slice(i, lt));
    if (text.startsWith('<!--', lt)) {
      const end = text.indexOf('-->', lt + 4);
      i = end < 0 ? n : end + 3;
    } else if (text.startsWith('<![CDATA[', lt)) {
      const end = text.indexOf(']]>', lt + 9);
      if (stack.length > 1) {
        budget.spend();
        current().children.push(text.slice(lt + 9, end < 0 ? n : end));
      }
      i = end < 0 ? n : end + 3;
    } else if (text.startsWith('<?', lt)) {
      const end = text.indexOf('?>', lt + 2);
      i = end < 0 ? n : end + 2;
    } else if (text.startsWith('<!', lt)) {
      i = skipDeclaration(text, lt + 2); // DOCTYPE and friends: ignored, never interpreted
    } else if (text.startsWith('</', lt)) {
      const end = text.indexOf('>', lt + 2);
      const name = text.slice(lt + 2, end < 0 ? n : end).trim();
      // Pop to the matching open element; a stray close tag with no match is ignored.
      for (let d = stack.length - 1; d > 0; d--) {
        if (stack[d]!.name === name) {
          stack.length = d;
          break;
        }
      }
      i = end < 0 ? n : end + 1;
    } else {
      i = readStartTag(text, lt + 1, stack, maxDepth, budget);
    }
  }
  const root = top.children.find((c): c is XmlElement => typeof c !== 'string');
  if (!root) throw new XmlError('XML input has no root element');
  return root;
}

/** Skips `<!DOCTYPE …>` including an internal subset in brackets and quoted strings. */
function skipDeclaration(text: string, from: number): number {
  let depth = 0;
  let quote = 0;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quote) {
      if (c === quote) quote = 0;
    } else if (c === 0x22 || c === 0x27) quote = c;
    else if (c === 0x5b) depth++;
    else if (c === 0x5d) depth = Math.max(0, depth - 1);
    else if (c === 0x3e && depth === 0) return i + 1;
  }
  return text.length;
}

function readStartTag(text: string, from: number, stack: XmlElement[], maxDepth: number, budget: NodeBudget): number {
  const n = text.length;
  let i = from;
  while (i < n && !NAME_END.test(text[i]!)) i++;
  const name = text.slice(from, i);
  const attributes = new Map<string, string>();
  let selfClosing = false;
  for (;;) {
    while (i < n && /\s/.test(text[i]!)) i++;
    if (i >= n) break;
    const c = text[i]!;
    if (c === '>') {
      i++;
      break;
    }
    if (c === '/') {
      selfClosing = text[i + 1] === '>';
      i += selfClosing ? 2 : 1;
      if (selfClosing) break;
      continue;
    }
    const nameStart = i;
    while (i < n && !/[\s=/>]/.test(text[i]!)) i++;
    const attrName = text.slice(nameStart, i);
    while (i < n && /\s/.test(text[i]!)) i++;
    let value = '';
    if (text[i] === '=') {
      i++;
      while (i < n && /\s/.test(text[i]!)) i++;
      const q = text[i];
      if (q === '"' || q === "'") {
        const end = text.indexOf(q, i + 1);
        value = text.slice(i + 1, end < 0 ? n : end);
        i = end < 0 ? n : end + 1;
      } else {
        const start = i;
        while (i < n && !/[\s>]/.test(text[i]!)) i++;
        value = text.slice(start, i);
      }
    }
    if (attrName && !attributes.has(attrName)) {
      budget.spend();
      attributes.set(attrName, decodeEntities(value.replace(/[\t\n\r]/g, ' ')));
    }
    if (!attrName) i++; // garbage character: skip it rather than loop
  }
  if (!name) return i;
  budget.spend();
  const element: XmlElement = { name, attributes, children: [] };
  stack[stack.length - 1]!.children.push(element);
  if (!selfClosing && stack.length <= maxDepth) stack.push(element);
  return i;
}

/** Child elements with a given name. */
export function childElements(element: XmlElement, name?: string): XmlElement[] {
  return element.children.filter(
    (c): c is XmlElement => typeof c !== 'string' && (name === undefined || c.name === name),
  );
}

/** Concatenated text content of an element (not of its descendants' tags, but their text too). */
export function textContent(element: XmlElement): string {
  let out = '';
  for (const c of element.children) out += typeof c === 'string' ? c : textContent(c);
  return out;
}

// Characters XML 1.0 cannot carry at all, even escaped: C0 controls other than tab/newline/CR, lone surrogates,
// U+FFFE and U+FFFF. Test output is full of them (ANSI colours, binary dumps).
const INVALID_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Replaces characters XML cannot represent with a visible `\xHH` / `\uHHHH` spelling, so nothing silently vanishes. */
export function replaceInvalidXmlChars(text: string): string {
  return text.replace(INVALID_XML, (ch) => {
    const code = ch.codePointAt(0)!;
    return code <= 0xff
      ? `\\x${code.toString(16).toUpperCase().padStart(2, '0')}`
      : `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
  });
}

/** Escapes element text. `]]>` needs `>` escaped, which escaping every `>` covers. */
export function escapeXmlText(text: string): string {
  return replaceInvalidXmlChars(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escapes an attribute value; tab/newline/CR become references so attribute normalisation does not eat them. */
export function escapeXmlAttribute(text: string): string {
  return escapeXmlText(text)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}
