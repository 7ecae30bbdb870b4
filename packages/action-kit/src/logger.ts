/**
 * The Logger seam. Shared packages never import @actions/core: they take a Logger, so the same code logs to the
 * runner (action-runtime's actionsLogger), to a RecordingLogger in tests (action-kit/testing), or to plain stderr
 * in the local runner and benches.
 */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warning(message: string, properties?: AnnotationProperties): void;
  error(message: string, properties?: AnnotationProperties): void;
  /** Opens a collapsible group; always paired with endGroup (use withGroup). */
  startGroup(title: string): void;
  endGroup(): void;
}

/** Where an annotation points; mirrors the runner's ::warning file=…,line=…:: properties. */
export interface AnnotationProperties {
  title?: string;
  file?: string;
  startLine?: number;
  endLine?: number;
}

/** Runs fn inside a collapsible log group, closing the group even when fn throws. */
export async function withGroup<T>(logger: Logger, title: string, fn: () => Promise<T> | T): Promise<T> {
  logger.startGroup(title);
  try {
    return await fn();
  } finally {
    logger.endGroup();
  }
}

/** A Logger that discards everything: for library calls whose chatter the caller does not want. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warning() {},
  error() {},
  startGroup() {},
  endGroup() {},
};
