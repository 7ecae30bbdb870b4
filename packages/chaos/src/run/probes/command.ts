import type { ProbeSpec } from '../../experiment/model.js';
import { commandEnv, describeOutcome, runCommand } from '../command.js';
import type { Observation } from '../guard.js';

type CommandProbe = Extract<ProbeSpec, { kind: 'command' }>;

/**
 * A command probe: argv run without a shell, within its timeout; steady when it exits with expectExit. Any other
 * exit, a timeout or a program that cannot start is a breach (the hypothesis did not hold), never "unknown".
 */
export async function commandProbe(
  probe: CommandProbe,
  options: { cwd?: string; env?: NodeJS.ProcessEnv },
  signal?: AbortSignal,
): Promise<Observation> {
  const outcome = await runCommand(probe.argv, {
    timeoutMs: probe.timeoutMs,
    env: options.env ?? commandEnv(),
    ...(options.cwd ? { cwd: options.cwd } : {}),
    ...(signal ? { signal } : {}),
  });
  if (signal?.aborted) throw signal.reason;
  const what = describeOutcome(probe.argv, outcome, probe.timeoutMs);
  return outcome.exitCode === probe.expectExit && !outcome.timedOut
    ? { state: 'steady', reason: `probe ${probe.name}: ${what}` }
    : { state: 'breached', reason: `probe ${probe.name}: ${what}, expected exit ${probe.expectExit}` };
}
