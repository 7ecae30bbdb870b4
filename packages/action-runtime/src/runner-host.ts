/**
 * The only module that touches @actions/core: the GitHub runner as a RunnerHost (logging, outputs, state, secrets,
 * the job summary, failing the step, the cancellation signals).
 */
import * as core from '@actions/core';
import { envInputSource, neutralize, systemClock, type AnnotationProperties, type Logger } from '@gauntlet/action-kit';
import type { RunnerHost } from './host.js';

/** A Logger that writes through the runner. Plain lines are neutralised, so no message can forge a command. */
export function actionsLogger(): Logger {
  return {
    // Annotations and debug lines are commands themselves, so the text inside cannot start one; it is neutralised
    // all the same, so no escape sequence or control character reaches the annotation either.
    debug: (message) => core.debug(neutralize(message)),
    info: (message) => core.info(neutralize(message)),
    warning: (message, properties) => core.warning(neutralize(message), annotation(properties)),
    error: (message, properties) => core.error(neutralize(message), annotation(properties)),
    startGroup: (title) => core.startGroup(neutralize(title).replace(/\n/g, ' ')),
    endGroup: () => core.endGroup(),
  };
}

function annotation(properties: AnnotationProperties | undefined): core.AnnotationProperties | undefined {
  if (!properties) return undefined;
  const result: core.AnnotationProperties = {};
  if (properties.title !== undefined) result.title = properties.title;
  if (properties.file !== undefined) result.file = properties.file;
  if (properties.startLine !== undefined) result.startLine = properties.startLine;
  if (properties.endLine !== undefined) result.endLine = properties.endLine;
  return result;
}

export function runnerHost(): RunnerHost {
  return {
    env: process.env,
    input: envInputSource(process.env),
    logger: actionsLogger(),
    clock: systemClock,
    summary: { write: async (markdown) => void (await core.summary.addRaw(markdown, true).write()) },
    setOutput: (name, value) => core.setOutput(name, value),
    saveState: (name, value) => core.saveState(name, value),
    getState: (name) => core.getState(name),
    setSecret: (value) => core.setSecret(value),
    setFailed: (message) => core.setFailed(message),
    onCancel(listener) {
      process.on('SIGINT', listener);
      process.on('SIGTERM', listener);
      return () => {
        process.off('SIGINT', listener);
        process.off('SIGTERM', listener);
      };
    },
    // After all awaited work, process.exit() without a code honours process.exitCode (set by setFailed), so a
    // keep-alive socket cannot hold a finished step open.
    exit: () => process.exit(),
  };
}
