/**
 * Report content that can be rendered for a budget. A plain string is cut structurally when too long; a
 * MarkdownDoc or a render function is asked to fit, so tables keep exact "… and N more" counts at every size.
 */
import { type Limit } from './limits.js';
import { MarkdownDoc } from './markdown-doc.js';
import { truncateMarkdown } from './markdown-truncate.js';

export type Renderable = string | MarkdownDoc | ((limit: Limit) => string);

export function renderWithin(content: Renderable, limit: Limit): string {
  const text =
    typeof content === 'string' ? content : content instanceof MarkdownDoc ? content.render(limit) : content(limit);
  // A render function that ignored its budget is cut anyway: the limit is a promise to GitHub, not a hint.
  return limit.measure(text) <= limit.max ? text : truncateMarkdown(text, limit);
}

/** `head` + content + `tail`, the content rendered in whatever the fixed parts leave. */
export function framed(head: string, content: Renderable, tail: string): (limit: Limit) => string {
  return (limit) => {
    const inner: Limit = {
      max: Math.max(0, limit.max - limit.measure(head) - limit.measure(tail)),
      measure: limit.measure,
    };
    return head + renderWithin(content, inner) + tail;
  };
}
