/**
 * Neutralising untrusted text (test names, pod logs, error messages, Prometheus errors) before it reaches the log.
 * The runner reads every line of a step's output (stdout and stderr; a lone CR ends a line too) as a possible
 * workflow command in two syntaxes (actions/runner ActionCommand.TryParseV2 and TryParse):
 *
 * - `::name::data` at the start of the line after leading whitespace;
 * - the legacy `##[name]data` ANYWHERE in the line.
 *
 * So a test name such as `  ::add-mask::x` or `expected ##[stop-commands]t` could forge annotations, masks or stop
 * the runner from reading our own commands. We strip ANSI escapes and control characters first (so no escape or CR
 * can join or split a line into a command after we looked), then break both prefixes with a zero-width space,
 * which is not whitespace to the runner's TrimStart: nothing an attacker wrote is ever parsed as a command.
 */
// eslint-disable-next-line no-control-regex -- matching escapes and controls is the point
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b[\]PX^_][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;
// C0 controls except \t and \n (CR included: the runner splits lines at a lone CR), DEL, and the C1 range (NEL).
// eslint-disable-next-line no-control-regex -- as above
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
/** `::` after any leading whitespace, per line. `\s` covers every character .NET's TrimStart removes once C1 is gone. */
const V2_PREFIX = /^(\s*):(?=:)/gm;
/** The legacy prefix, anywhere. */
const LEGACY_PREFIX = /##\[/g;
const ZWSP = '\u200b';

/** Without ANSI escapes and control characters (tab and newline kept). */
export function stripControls(text: string): string {
  return text.replace(ANSI, '').replace(CONTROL, '');
}

/** One or more lines of untrusted text made safe for the log: no workflow commands, no escapes, no controls. */
export function neutralize(text: string): string {
  return stripControls(text).replace(LEGACY_PREFIX, `##${ZWSP}[`).replace(V2_PREFIX, `$1:${ZWSP}`);
}
