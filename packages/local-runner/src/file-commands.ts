import { readFile } from 'node:fs/promises';

/**
 * Parses GITHUB_OUTPUT / GITHUB_STATE files: `name=value` lines, or the heredoc form
 * `name<<DELIMITER` … `DELIMITER` that @actions/core writes for every value.
 */
export function parseKeyValueFile(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc as unknown as [string, string, string];
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i] as string);
      if (i >= lines.length) throw new Error(`unterminated value for '${name}' (delimiter ${delimiter})`);
      result[name] = value.join('\n');
      continue;
    }
    const at = line.indexOf('=');
    if (at <= 0) throw new Error(`malformed line in a runner file: ${JSON.stringify(line.slice(0, 80))}`);
    result[line.slice(0, at)] = line.slice(at + 1);
  }
  return result;
}

export async function readKeyValueFile(file: string): Promise<Record<string, string>> {
  try {
    return parseKeyValueFile(await readFile(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
}
