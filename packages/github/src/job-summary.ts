/**
 * The job summary is written through this interface so the package stays free of @actions/core: an action passes
 * `{ write: (md) => core.summary.addRaw(md).write() }`, the local runner a file writer.
 */
import { appendFile } from 'node:fs/promises';

export interface SummaryWriter {
  write(markdown: string): Promise<void> | void;
}

/** Appends to a file, as the runner's $GITHUB_STEP_SUMMARY works. */
export function fileSummaryWriter(path: string): SummaryWriter {
  return { write: (markdown) => appendFile(path, `${markdown}\n`, 'utf8') };
}

/** Keeps what was written, for tests and dry runs. */
export class MemorySummaryWriter implements SummaryWriter {
  readonly writes: string[] = [];
  write(markdown: string): void {
    this.writes.push(markdown);
  }
  text(): string {
    return this.writes.join('\n');
  }
}
