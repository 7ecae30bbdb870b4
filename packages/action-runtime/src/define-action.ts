/**
 * defineAction: how every Gauntlet action is built. An action declares its name, its secret inputs, its one input
 * parser and its steps; the runtime does the rest, in this order, the same for every action:
 *
 * 1. register the github-token and every secret input with the masker, before anything can print them;
 * 2. read the workflow run and wire SIGINT/SIGTERM to one AbortSignal;
 * 3. parse the inputs (main step: at once; post step: when the step asks, since a post step with nothing to do must
 *    not complain about inputs the main step already reported);
 * 4. run the step inside the one error boundary: the main step fails with `<action>: <message>` (a UserError's
 *    message alone, anything else with its stack in debug), the post step only warns;
 * 5. exit once all awaited work is done.
 */
import { InputReader, UserError, errorMessage, neutralize, type WorkflowRun } from '@gauntlet/action-kit';
import type { RunnerHost } from './host.js';
import { runnerHost } from './runner-host.js';
import { createRuntime, type ActionRuntime, type Step } from './runtime.js';

/** A secret input whose value holds secrets in another form too (a kubeconfig in base64, header values). */
export interface SecretInput {
  readonly name: string;
  /** Every secret in the raw value, besides the value itself. Must not throw on malformed input. */
  readonly secrets: (value: string) => readonly string[];
}

export interface ActionDefinition<I> {
  /** The action's folder name under actions/; prefixes failures, names the report section and the user agent. */
  readonly name: string;
  /** Inputs masked before the inputs are parsed (github-token always is). */
  readonly secretInputs?: readonly (string | SecretInput)[];
  /** The one input parser: validates everything, throws an InputError naming the input. */
  readonly parseInputs: (reader: InputReader, run: WorkflowRun) => I;
  readonly main: (inputs: I, rt: ActionRuntime) => Promise<void>;
  /**
   * The post step; `inputs()` parses them (once) when the step needs them. `reader` reads single inputs, for a post
   * step that needs one input only and must not fail on the others.
   */
  readonly post?: (rt: ActionRuntime, inputs: () => I, reader: InputReader) => Promise<void>;
}

export interface DefinedAction<I = unknown> {
  readonly definition: ActionDefinition<I>;
  /** Runs the main step; the runner by default. */
  main(host?: RunnerHost): Promise<void>;
  /** Runs the post step (a no-op for an action without one). */
  post(host?: RunnerHost): Promise<void>;
}

export function defineAction<I>(definition: ActionDefinition<I>): DefinedAction<I> {
  return {
    definition,
    main: (host) => runStep(definition, 'main', host ?? runnerHost()),
    post: (host) => runStep(definition, 'post', host ?? runnerHost()),
  };
}

/** Registers every secret input; a malformed value is still masked whole. */
export function registerSecretInputs(
  inputs: readonly (string | SecretInput)[],
  read: (name: string) => string | undefined,
  register: (value: string | undefined) => void,
): void {
  for (const input of inputs) {
    const name = typeof input === 'string' ? input : input.name;
    const value = read(name)?.trim();
    if (!value) continue;
    if (typeof input === 'string') {
      register(value);
      continue;
    }
    let pieces: readonly string[];
    try {
      pieces = input.secrets(value);
    } catch {
      pieces = [value];
    }
    for (const piece of pieces) register(piece);
  }
}

async function runStep<I>(definition: ActionDefinition<I>, step: Step, host: RunnerHost): Promise<void> {
  try {
    const { runtime, dispose } = createRuntime(definition.name, step, host);
    try {
      registerSecretInputs(definition.secretInputs ?? [], host.input, runtime.registerSecret);
      const reader = new InputReader(host.input);
      let parsed: { inputs: I } | undefined;
      const inputs = (): I => (parsed ??= { inputs: definition.parseInputs(reader, runtime.run) }).inputs;
      if (step === 'main') await definition.main(inputs(), runtime);
      else if (definition.post) await definition.post(runtime, inputs, reader);
    } finally {
      dispose();
    }
  } catch (error) {
    const message = neutralize(errorMessage(error));
    if (step === 'post') {
      // Post steps never fail the job for their own trouble: they warn, like actions/checkout's cleanup.
      host.logger.warning(`${definition.name} (post): ${message}`);
    } else {
      if (!(error instanceof UserError) && error instanceof Error && error.stack) {
        host.logger.debug(neutralize(error.stack));
      }
      host.setFailed(`${definition.name}: ${message}`, error);
    }
  }
  host.exit();
}
