/**
 * The stdout protocol of the runner: `::name key=value,…::message`. The local runner applies the commands that
 * change what is shown (add-mask, stop-commands, groups) and records the rest (errors, warnings, notices), so
 * tests can assert on annotations and users of other CI systems see readable text.
 */
export interface WorkflowCommand {
  name: string;
  properties: Record<string, string>;
  message: string;
}

const COMMAND = /^::([a-zA-Z-]+)(?: ([^:]*))?::(.*)$/;

export function parseCommand(line: string): WorkflowCommand | undefined {
  const match = COMMAND.exec(line);
  if (!match) return undefined;
  const properties: Record<string, string> = {};
  for (const pair of (match[2] ?? '').split(',')) {
    const at = pair.indexOf('=');
    if (at > 0) properties[pair.slice(0, at)] = unescapeProperty(pair.slice(at + 1));
  }
  return { name: match[1] as string, properties, message: unescapeData(match[3] ?? '') };
}

function unescapeData(text: string): string {
  return text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

function unescapeProperty(text: string): string {
  return unescapeData(text).replace(/%3A/g, ':').replace(/%2C/g, ',');
}

/** Tracks masks and stop-commands across a stream of lines, as the runner does. */
export class CommandProcessor {
  readonly commands: WorkflowCommand[] = [];
  private readonly masks = new Set<string>();
  private stopToken: string | undefined;

  /** Returns the line as the log would show it (masked), after applying any command it carries. */
  process(line: string): string {
    if (this.stopToken !== undefined) {
      if (line === `::${this.stopToken}::`) this.stopToken = undefined;
      return this.mask(line);
    }
    const command = parseCommand(line);
    if (!command) return this.mask(line);
    this.commands.push(command);
    switch (command.name) {
      case 'add-mask':
        if (command.message !== '') this.masks.add(command.message);
        return '';
      case 'stop-commands':
        this.stopToken = command.message;
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
