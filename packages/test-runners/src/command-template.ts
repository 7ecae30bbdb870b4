import { UserError } from '@gauntlet/action-kit';

/**
 * The user's command template, e.g. `npx vitest run {files}` or `pytest -x {tests}`, becomes an argv array: the
 * template is split once, by shell-like quoting rules with no expansion of any kind, and each placeholder that
 * stands alone as a word expands into one argument per item. Test ids therefore never meet a shell: a test named
 * `$(rm -rf ~)` is one inert argument.
 */
export const PLACEHOLDERS = ['files', 'tests', 'shard-index', 'shard-total'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

export type TemplateWord = { kind: 'text'; value: string } | { kind: 'placeholder'; name: Placeholder };

export function parseCommandTemplate(template: string): TemplateWord[] {
  const words = splitWords(template);
  if (words.length === 0) throw new UserError('the command template is empty');
  return words.map((word) => {
    const placeholder = /^\{([a-z-]+)\}$/.exec(word.text);
    if (placeholder && !word.quoted) {
      const name = placeholder[1] as string;
      if (!(PLACEHOLDERS as readonly string[]).includes(name)) {
        throw new UserError(
          `unknown placeholder {${name}} in the command; known: ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`,
        );
      }
      return { kind: 'placeholder', name: name as Placeholder };
    }
    if (/\{(files|tests)\}/.test(word.text)) {
      throw new UserError(`{files} and {tests} must stand alone as a word in the command, not inside "${word.text}"`);
    }
    return { kind: 'text', value: word.text };
  });
}

export function expandCommand(
  words: TemplateWord[],
  values: { files?: string[]; tests?: string[]; shardIndex?: number; shardTotal?: number },
): { file: string; args: string[] } {
  const argv: string[] = [];
  for (const word of words) {
    if (word.kind === 'text') {
      argv.push(word.value);
      continue;
    }
    switch (word.name) {
      case 'files':
        argv.push(...(values.files ?? []));
        break;
      case 'tests':
        argv.push(...(values.tests ?? []));
        break;
      case 'shard-index':
        argv.push(String(values.shardIndex ?? ''));
        break;
      case 'shard-total':
        argv.push(String(values.shardTotal ?? ''));
        break;
    }
  }
  const [file, ...args] = argv;
  if (file === undefined || file === '') throw new UserError('the command template has no program to run');
  return { file, args };
}

/** Shell-like word splitting: whitespace separates, '…' is literal, "…" allows \" and \\, backslash escapes. */
function splitWords(text: string): Array<{ text: string; quoted: boolean }> {
  const words: Array<{ text: string; quoted: boolean }> = [];
  let current = '';
  let inWord = false;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (/\s/.test(char)) {
      if (inWord) words.push({ text: current, quoted });
      current = '';
      inWord = false;
      quoted = false;
      continue;
    }
    inWord = true;
    if (char === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new UserError('the command has an unterminated single quote');
      current += text.slice(i + 1, end);
      quoted = true;
      i = end;
    } else if (char === '"') {
      quoted = true;
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === '\\' && (text[j + 1] === '"' || text[j + 1] === '\\')) j++;
        current += text[j];
      }
      if (j >= text.length) throw new UserError('the command has an unterminated double quote');
      i = j;
    } else if (char === '\\' && i + 1 < text.length) {
      current += text[++i];
    } else if (/[|&;<>()$`]/.test(char)) {
      // These mean something only to a shell, and we never use one: say so rather than pass them on silently.
      throw new UserError(
        `the command contains '${char}', which needs a shell; Gauntlet runs the program directly. Put shell logic in a script and call it`,
      );
    } else {
      current += char;
    }
  }
  if (inWord) words.push({ text: current, quoted });
  return words;
}
