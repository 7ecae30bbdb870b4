/**
 * Neutralising untrusted text (test names, pod logs, error messages, Prometheus errors) before it reaches the log.
 * The runner parses any line that starts with `::` (after optional whitespace) as a workflow command, so a test
 * name such as `::add-mask::x` or `::warning file=…::` could forge annotations or hide output. We break the
 * command prefix with a zero-width space, strip ANSI escapes and C0 controls other than tab, so nothing an
 * attacker wrote is ever parsed as a command.
 */
// eslint-disable-next-line no-control-regex -- matching escapes and controls is the point
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b[\]PX^_][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;
// C0 controls except \t and \n, DEL, and the C1 range.
// eslint-disable-next-line no-control-regex -- as above
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
const COMMAND_PREFIX = /^(\s*):/gm;

/** One or more lines of untrusted text made safe for the log: no workflow commands, no escapes, no controls. */
export function neutralize(text: string): string {
  return text.replace(ANSI, '').replace(CONTROL, '').replace(COMMAND_PREFIX, '$1\u200b:');
}

/** True when a log line would be parsed by the runner as a workflow command. */
export function isWorkflowCommand(line: string): boolean {
  return /^\s*::[a-zA-Z-]+/.test(line);
}
