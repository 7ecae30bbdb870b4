/**
 * The stdout protocol of the runner, parsed by the runner's own rules (actions/runner: ActionCommand.TryParseV2 and
 * TryParse, ActionCommandManager.TryProcessCommand, OutputManager.OnDataReceived), so a test that forges a command
 * through any syntax the real runner accepts sees it parsed here too:
 *
 * - `::name k=v,k=v::data`, after leading whitespace (.NET `TrimStart`), the data and properties %-escaped;
 * - the legacy `##[name k=v;k=v]data`, ANYWHERE in a line, with its own escapes (`%3B` `%5D` …);
 * - only registered command names count, compared case-insensitively; `stop-commands` pauses every command until
 *   a command named like its token (in either syntax) resumes them.
 *
 * The local runner applies the commands that change what is shown (add-mask, stop-commands, groups) and records the
 * rest (errors, warnings, notices), so tests can assert on annotations and users of other CI systems see readable
 * text.
 */
export interface WorkflowCommand {
  name: string;
  properties: Record<string, string>;
  message: string;
  /** Which syntax the line used. */
  syntax: 'v2' | 'legacy';
}

/** The runner's command extensions (internal-set-repo-path is enabled only for its own plugins). */
export const RUNNER_COMMANDS = [
  'add-mask',
  'add-matcher',
  'add-path',
  'debug',
  'echo',
  'endgroup',
  'error',
  'group',
  'notice',
  'remove-matcher',
  'save-state',
  'set-env',
  'set-output',
  'stop-commands',
  'warning',
] as const;

const V2_KEY = '::';
const LEGACY_PREFIX = '##[';

/**
 * .NET's char.IsWhiteSpace, which String.TrimStart uses: Unicode Zs/Zl/Zp, U+0009..U+000D and U+0085. (JavaScript's
 * `\s` differs: it has U+FEFF, lacks U+0085.)
 */
const DOTNET_LEADING_WHITESPACE =
  // eslint-disable-next-line no-control-regex -- tab to CR are whitespace to .NET
  /^[\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

function unescapeAll(text: string, mappings: ReadonlyArray<readonly [string, string]>): string {
  let result = text;
  for (const [escaped, token] of mappings) result = result.split(escaped).join(token);
  return result;
}

// In the runner's order: each mapping is replaced in turn, %25 last.
const V2_DATA: ReadonlyArray<readonly [string, string]> = [
  ['%0D', '\r'],
  ['%0A', '\n'],
  ['%25', '%'],
];
const V2_PROPERTY: ReadonlyArray<readonly [string, string]> = [
  ['%0D', '\r'],
  ['%0A', '\n'],
  ['%3A', ':'],
  ['%2C', ','],
  ['%25', '%'],
];
const LEGACY: ReadonlyArray<readonly [string, string]> = [
  ['%3B', ';'],
  ['%0D', '\r'],
  ['%0A', '\n'],
  ['%5D', ']'],
  ['%25', '%'],
];

function splitProperties(text: string, separator: string, unescape: (value: string) => string): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const pair of text.split(separator)) {
    if (pair === '') continue;
    // Split(count: 2, RemoveEmptyEntries): "=x" and "x=" are not pairs.
    const at = pair.indexOf('=');
    if (at <= 0 || at === pair.length - 1) continue;
    properties[pair.slice(0, at)] = unescape(pair.slice(at + 1));
  }
  return properties;
}

function commandName(info: string, registered: ReadonlySet<string>): string | undefined {
  const space = info.indexOf(' ');
  const name = space < 0 ? info : info.slice(0, space);
  return registered.has(name.toLowerCase()) ? name.toLowerCase() : undefined;
}

function parseV2(line: string, registered: ReadonlySet<string>): WorkflowCommand | undefined {
  const message = line.replace(DOTNET_LEADING_WHITESPACE, '');
  if (!message.startsWith(V2_KEY)) return undefined;
  const end = message.indexOf(V2_KEY, V2_KEY.length);
  if (end < 0) return undefined;
  const info = message.slice(V2_KEY.length, end);
  const name = commandName(info, registered);
  if (name === undefined) return undefined;
  const space = info.indexOf(' ');
  const properties =
    space > 0 ? splitProperties(info.slice(space + 1).trim(), ',', (v) => unescapeAll(v, V2_PROPERTY)) : {};
  return { name, properties, message: unescapeAll(message.slice(end + V2_KEY.length), V2_DATA), syntax: 'v2' };
}

function parseLegacy(line: string, registered: ReadonlySet<string>): WorkflowCommand | undefined {
  const prefix = line.indexOf(LEGACY_PREFIX);
  if (prefix < 0) return undefined;
  const bracket = line.indexOf(']', prefix);
  if (bracket < 0) return undefined;
  const info = line.slice(prefix + LEGACY_PREFIX.length, bracket);
  const name = commandName(info, registered);
  if (name === undefined) return undefined;
  const space = info.indexOf(' ');
  const properties = space > 0 ? splitProperties(info.slice(space + 1), ';', (v) => unescapeAll(v, LEGACY)) : {};
  return { name, properties, message: unescapeAll(line.slice(bracket + 1), LEGACY), syntax: 'legacy' };
}

const DEFAULT_REGISTERED: ReadonlySet<string> = new Set(RUNNER_COMMANDS);

/** Parses one line as the runner would: the `::` syntax first, then the legacy `##[` one. */
export function parseCommand(
  line: string,
  registered: ReadonlySet<string> = DEFAULT_REGISTERED,
): WorkflowCommand | undefined {
  if (line === '' || (!line.includes(LEGACY_PREFIX) && !line.includes(V2_KEY))) return undefined;
  return parseV2(line, registered) ?? parseLegacy(line, registered);
}

/** Splits a stream's text into lines as the runner's reader does (.NET ReadLine: `\r\n`, `\n` or a lone `\r`). */
export class LineSplitter {
  private pending = '';

  /** The complete lines in `text` (with what was pending); an incomplete last line waits for more. */
  push(text: string): string[] {
    const all = this.pending + text;
    const lines = all.split(/\r\n|\r|\n/);
    this.pending = lines.pop() ?? '';
    // A trailing \r may be the first half of \r\n: keep it pending with its line.
    if (all.endsWith('\r')) {
      this.pending = `${lines.pop() ?? ''}\r`;
    }
    return lines;
  }

  /** What is left at the end of the stream. */
  end(): string[] {
    const rest = this.pending.replace(/\r$/, '');
    this.pending = '';
    return rest === '' ? [] : [rest];
  }
}

/** Tracks masks and stop-commands across a stream of lines, as the runner does. */
export class CommandProcessor {
  readonly commands: WorkflowCommand[] = [];
  private readonly masks = new Set<string>();
  private readonly registered = new Set<string>(RUNNER_COMMANDS);
  private stopToken: string | undefined;

  /** Returns the line as the log would show it (masked), after applying any command it carries. */
  process(line: string): string {
    const command = parseCommand(line, this.registered);
    if (!command) return this.mask(line);
    if (this.stopToken !== undefined) {
      if (this.stopToken !== '' && command.name === this.stopToken.toLowerCase()) {
        this.registered.delete(this.stopToken.toLowerCase());
        this.stopToken = undefined;
      }
      return this.mask(line);
    }
    this.commands.push(command);
    switch (command.name) {
      case 'add-mask':
        if (command.message.trim() !== '') this.masks.add(command.message);
        return '';
      case 'stop-commands':
        this.stopToken = command.message;
        if (command.message !== '') this.registered.add(command.message.toLowerCase());
        return '';
      case 'group':
        return this.mask(`▶ ${command.message}`);
      case 'endgroup':
        return '';
      case 'debug':
        return '';
      case 'error':
      case 'warning':
      case 'notice':
        return this.mask(`${command.name}: ${command.message}`);
      default:
        return this.mask(line);
    }
  }

  mask(text: string): string {
    let result = text;
    // Longest first, so a secret containing a shorter one is masked whole.
    for (const secret of [...this.masks].sort((a, b) => b.length - a.length)) result = result.split(secret).join('***');
    return result;
  }
}
