/**
 * Hostile strings for the Markdown/HTML injection tests (RP-09): each one tries to break out of literal text in a
 * different way. Exported so the integration tests feed the same corpus through the real API path.
 */
export const INJECTION_CORPUS: readonly string[] = [
  'test [click](javascript:alert(1))',
  '](javascript:alert(document.cookie))',
  '![x](http://tracker.example/pixel.png)',
  '<img src=x onerror=alert(1)>',
  '<script>alert(1)</script>',
  '<!-- gauntlet:section:slo-check rev=9.9.9 -->',
  '<!-- /gauntlet:section:shard-and-run -->',
  '<!-- gauntlet:sticky:gauntlet -->',
  '```\ncode fence escape\n```',
  '~~~\ntilde fence\n~~~',
  'pipe | in | cell',
  'newline\n# heading injection',
  'newline\n\n| a | b |\n|---|---|\n| c | d |',
  'mention @octocat and @org/team',
  'issue #1 and GH-2 and owner/repo#3',
  'right-to-left \u202Eevil\u202C override and \u2066isolate\u2069',
  'nul \u0000 byte and bell \u0007 and escape \u001b[31mred\u001b[0m',
  '::warning::forged annotation',
  '::add-mask::secret',
  '::error file=a.ts,line=1::forged',
  'https://evil.example/phish and www.evil.example and user@evil.example',
  '<https://evil.example/autolink>',
  '[ref]: https://evil.example/ref\n[ref]',
  '**bold** _em_ ~~strike~~ `code` $x^2$',
  '> quote\n- list\n1. ordered\n    indented code',
  '&lt;entity&gt; &#x3C;script&#x3E;',
  'commit a5c3785ed8d6a35868bc169f07e40e889087fd2e',
  ':smile: :warning:',
  '\\| backslash pipe \\',
  'lone surrogate \ud800 here',
  '<details><summary>x</summary>',
  '</details></table></code>',
  '---',
  '===',
  '    four-space indent',
  '',
];

/** What the reader should see for an injection string: sanitised, whitespace collapsed, trimmed. */
export function expectedLiteral(text: string): string {
  return (
    text
      .toWellFormed()
      // eslint-disable-next-line no-control-regex -- matching controls is the point
      .replace(/\u001b\[[0-?]*[ -/]*[@-~]/g, '')
      // eslint-disable-next-line no-control-regex -- matching controls is the point
      .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, '\ufffd')
      .replace(/\s+/g, ' ')
      .trim()
  );
}
