import * as core from '@actions/core';
import { errorMessage, UserError } from './errors.js';
import type { AnnotationProperties, Logger } from './logger.js';
import { maskSecret } from './secrets.js';
import { neutralize } from './untrusted.js';

/**
 * The only module that touches @actions/core. Everything the runner offers (logging, outputs, state, secrets, the
 * job summary) is adapted here into plain interfaces the shared packages take as arguments.
 */

/** A Logger that writes through the runner. Plain lines are neutralised, so no message can forge a command. */
export function getActionsLogger(): Logger {
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

/** Registers a secret with the runner's masker before its first use. */
export function registerSecret(value: string | undefined): void {
  maskSecret(core.setSecret, value);
}

export function setOutput(name: string, value: string | number | boolean | object): void {
  core.setOutput(name, typeof value === 'object' ? JSON.stringify(value) : String(value));
}

export function saveState(name: string, value: string | object): void {
  core.saveState(name, typeof value === 'string' ? value : JSON.stringify(value));
}

export function getState(name: string): string {
  return core.getState(name);
}

/** Appends Markdown to the job summary; the reporting package takes this as its SummaryWriter. */
export async function appendJobSummary(markdown: string): Promise<void> {
  await core.summary.addRaw(markdown, true).write();
}

/**
 * The single error boundary of an entry point. A UserError prints its message only; any other error also prints
 * its stack in debug mode. Non-Error throws still fail the step. After all awaited work, process.exit() without a
 * code honours process.exitCode, so a keep-alive socket cannot hold a finished step open.
 */
export async function runAction(name: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (error) {
    const message = neutralize(errorMessage(error));
    if (!(error instanceof UserError) && error instanceof Error && error.stack) core.debug(neutralize(error.stack));
    core.setFailed(`${name}: ${message}`);
  }
  process.exit();
}

/** Post steps never fail the job for their own trouble: they warn, like actions/checkout's cleanup. */
export async function runPostStep(name: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (error) {
    core.warning(`${name} (post): ${neutralize(errorMessage(error))}`);
  }
  process.exit();
}
