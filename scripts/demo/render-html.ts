import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Marked, type Tokens } from 'marked';

/**
 * Renders what Gauntlet would post to GitHub (the sticky comment, each check run, each job summary) into one
 * self-contained HTML file. Raw HTML in the Markdown passes an allow-list like GitHub's sanitiser (details,
 * summary, br, comments) and is escaped otherwise; Mermaid blocks are drawn by an inlined mermaid.js, so the page
 * works offline.
 */
export interface ReportPart {
  title: string;
  kind: 'comment' | 'check-run' | 'summary';
  /** e.g. the check run's conclusion. */
  badge?: string;
  markdown: string;
}

const ALLOWED_HTML = /^<\/?(details|summary|br|sub|sup|b|i|code|kbd)(\s+open)?\s*\/?>$|^<!--[\s\S]*?-->$/i;

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function markdownRenderer(): Marked {
  return new Marked({
    gfm: true,
    renderer: {
      html(token: Tokens.HTML | Tokens.Tag): string {
        return token.text
          .split(/(<[^>]*>)/)
          .map((piece) => (piece.startsWith('<') && !ALLOWED_HTML.test(piece.trim()) ? escapeHtml(piece) : piece))
          .join('');
      },
      code(token: Tokens.Code): string | false {
        if (token.lang === 'mermaid') return `<pre class="mermaid">${escapeHtml(token.text)}</pre>\n`;
        return false;
      },
    },
  });
}

export function renderReportHtml(title: string, parts: ReportPart[], notes: string[] = []): string {
  const marked = markdownRenderer();
  const require = createRequire(import.meta.url);
  // Escaped so no string inside the library can close the script element early.
  const mermaid = readFileSync(require.resolve('mermaid/dist/mermaid.min.js'), 'utf8').replace(
    /<\/script/gi,
    '<\\/script',
  );
  const sections = parts
    .map((part) => {
      const body = marked.parse(part.markdown, { async: false });
      const badge = part.badge ? ` <span class="badge ${escapeHtml(part.badge)}">${escapeHtml(part.badge)}</span>` : '';
      return `<section class="${part.kind}"><h2><span class="kind">${part.kind}</span> ${escapeHtml(part.title)}${badge}</h2>\n${body}</section>`;
    })
    .join('\n');
  const noteList = notes.length
    ? `<ul class="notes">${notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body{font:14px/1.5 -apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#1f2328}
section{border:1px solid #d0d7de;border-radius:6px;padding:0 1.2em 1em;margin:1.5em 0}
h2{font-size:1.1em;border-bottom:1px solid #d0d7de;padding:.6em 0}
.kind{font-size:.75em;text-transform:uppercase;color:#59636e;margin-right:.5em}
.badge{font-size:.75em;border-radius:1em;padding:.1em .7em;margin-left:.5em;background:#ddf4ff}
.badge.success{background:#dafbe1}.badge.failure{background:#ffebe9}.badge.neutral{background:#eee}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #d0d7de;padding:.3em .7em}
pre{background:#f6f8fa;padding:.8em;overflow:auto}code{background:#f6f8fa;padding:.1em .3em}
.notes{color:#59636e}
</style></head><body>
<h1>${escapeHtml(title)}</h1>
${noteList}
${sections}
<script>${mermaid}</script>
<script>mermaid.initialize({ startOnLoad: true, securityLevel: 'strict' });</script>
</body></html>
`;
}
