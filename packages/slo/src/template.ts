import { TemplateError } from './errors.js';
import { escapePromqlString, quoteRegexMeta } from './promql-string.js';

/**
 * Query templates. Variables (namespace, PR number, head SHA, user vars) may appear ONLY inside the double-quoted
 * value of a label matcher, e.g. `{namespace="{{namespace}}"}`, where they are escaped as PromQL string content
 * (and regex-quoted after `=~`/`!~`, so they match literally). Anywhere else a value could change the query's
 * shape, so it is an error at load time, not at run time. The one placeholder allowed outside a string is
 * `{{window}}` (Sloth's `{{.window}}` is accepted) directly inside a range selector `[...]`: its value is a
 * duration we compute, never user text.
 */
export type TemplateSegment =
  { kind: 'text'; text: string } | { kind: 'label'; name: string; regex: boolean } | { kind: 'window' };

export interface QueryTemplate {
  readonly source: string;
  readonly segments: readonly TemplateSegment[];
  /** Variable names used in label values. */
  readonly variables: readonly string[];
  readonly usesWindow: boolean;
}

export type TemplateVars = Readonly<Record<string, string>>;

const NAME = /^\.?[A-Za-z_][A-Za-z0-9_]*$/;
const MATCHER_BEFORE_STRING = /[A-Za-z_][A-Za-z0-9_]*\s*(=~|!~|!=|=)\s*$/;

/** Parses and checks a template; throws TemplateError naming the offending placeholder and its offset. */
export function parseQueryTemplate(source: string): QueryTemplate {
  const segments: TemplateSegment[] = [];
  const variables = new Set<string>();
  let usesWindow = false;
  let text = '';
  let selectorDepth = 0;
  let i = 0;
  const flush = (): void => {
    if (text) segments.push({ kind: 'text', text });
    text = '';
  };
  const readPlaceholder = (at: number): { name: string; end: number } => {
    const close = source.indexOf('}}', at + 2);
    if (close < 0) throw new TemplateError(`unterminated '{{' at offset ${at} in query: ${preview(source)}`);
    const name = source.slice(at + 2, close).trim();
    if (!NAME.test(name)) {
      throw new TemplateError(`'{{${name}}}' at offset ${at} is not a variable name (letters, digits, _)`);
    }
    return { name: name.replace(/^\./, ''), end: close + 2 };
  };

  while (i < source.length) {
    const ch = source[i] as string;
    if (ch === '#') {
      // A PromQL comment runs to the end of the line; copied verbatim.
      const end = source.indexOf('\n', i);
      const stop = end < 0 ? source.length : end;
      text += source.slice(i, stop);
      i = stop;
      continue;
    }
    if (ch === '{' && source[i + 1] === '{') {
      const { name, end } = readPlaceholder(i);
      if (name !== 'window') {
        throw new TemplateError(
          `'{{${name}}}' at offset ${i} is outside a label value; variables may only appear inside a quoted ` +
            `label matcher such as {namespace="{{${name}}}"}`,
        );
      }
      const before = source.slice(0, i).trimEnd();
      const after = source.slice(end).trimStart();
      if (!before.endsWith('[') || !(after.startsWith(']') || after.startsWith(':'))) {
        throw new TemplateError(
          `'{{window}}' at offset ${i} must be the range of a selector, as in rate(x[{{window}}])`,
        );
      }
      flush();
      segments.push({ kind: 'window' });
      usesWindow = true;
      i = end;
      continue;
    }
    if (ch === '{') selectorDepth += 1;
    if (ch === '}') selectorDepth = Math.max(0, selectorDepth - 1);
    if (ch === '"' || ch === "'" || ch === '`') {
      const start = i;
      const matcher = MATCHER_BEFORE_STRING.exec(source.slice(0, i));
      let j = i + 1;
      let body = '';
      const parts: TemplateSegment[] = [];
      let closed = false;
      while (j < source.length) {
        const c = source[j] as string;
        if (c === '\\' && ch !== '`') {
          body += source.slice(j, j + 2);
          j += 2;
          continue;
        }
        if (c === ch) {
          closed = true;
          break;
        }
        if (c === '{' && source[j + 1] === '{') {
          const { name, end } = readPlaceholder(j);
          if (ch !== '"') {
            throw new TemplateError(
              `'{{${name}}}' at offset ${j} must be inside a double-quoted label value, not ${ch}…${ch}`,
            );
          }
          if (!matcher || selectorDepth === 0) {
            throw new TemplateError(
              `'{{${name}}}' at offset ${j} is in a string that is not a label matcher value; ` +
                `use it as {label="{{${name}}}"}`,
            );
          }
          if (name === 'window') throw new TemplateError(`'{{window}}' at offset ${j} cannot be a label value`);
          if (body) parts.push({ kind: 'text', text: body });
          body = '';
          const op = matcher[1] as string;
          parts.push({ kind: 'label', name, regex: op === '=~' || op === '!~' });
          variables.add(name);
          j = end;
          continue;
        }
        body += c;
        j += 1;
      }
      if (!closed)
        throw new TemplateError(`unterminated string starting at offset ${start} in query: ${preview(source)}`);
      text += ch;
      if (parts.length === 0) {
        text += body;
      } else {
        flush();
        segments.push(...parts);
        text = body;
      }
      text += ch;
      i = j + 1;
      continue;
    }
    text += ch;
    i += 1;
  }
  flush();
  return { source, segments, variables: [...variables], usesWindow };
}

/** Renders a template: label variables escaped as PromQL string content, the window as a duration literal. */
export function renderQueryTemplate(template: QueryTemplate, vars: TemplateVars, window?: string): string {
  let out = '';
  for (const segment of template.segments) {
    if (segment.kind === 'text') out += segment.text;
    else if (segment.kind === 'window') {
      if (window === undefined)
        throw new TemplateError(`query uses {{window}} where no window applies: ${preview(template.source)}`);
      out += window;
    } else {
      const value = Object.hasOwn(vars, segment.name) ? vars[segment.name] : undefined;
      if (typeof value !== 'string') {
        throw new TemplateError(`query uses {{${segment.name}}} but no value was given for variable '${segment.name}'`);
      }
      out += escapePromqlString(segment.regex ? quoteRegexMeta(value) : value);
    }
  }
  return out;
}

function preview(source: string): string {
  const flat = source.replace(/\s+/g, ' ');
  return flat.length > 120 ? `${flat.slice(0, 117)}...` : flat;
}
