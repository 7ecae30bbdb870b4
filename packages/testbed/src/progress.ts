// Long waits print a line at least every 10 s so CI logs never look hung and a human can see what is slow.

export type Logger = (line: string) => void;

export const stderrLogger: Logger = (line) => {
  process.stderr.write(`[testbed ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
};

export const silentLogger: Logger = () => {};

/** Runs `work`, logging "<what>: still waiting (N s)" every `everyMs` until it settles. */
export async function withProgress<T>(log: Logger, what: string, work: () => Promise<T>, everyMs = 10_000): Promise<T> {
  const started = Date.now();
  const timer = setInterval(
    () => log(`${what}: still waiting (${Math.round((Date.now() - started) / 1000)} s)`),
    everyMs,
  );
  timer.unref();
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `check` until it returns a value other than undefined/false, or throws after `timeoutMs`
 * with the last error seen (the most useful thing to print when a component never came up).
 */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  opts: { timeoutMs: number; intervalMs?: number; log?: Logger },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastError: unknown;
  const poll = async (): Promise<T> => {
    for (;;) {
      try {
        const v = await check();
        if (v !== undefined && v !== false) return v;
      } catch (e) {
        lastError = e;
      }
      if (Date.now() > deadline) {
        const detail = lastError instanceof Error ? `: ${lastError.message}` : '';
        throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${what}${detail}`);
      }
      await sleep(opts.intervalMs ?? 250);
    }
  };
  return opts.log ? withProgress(opts.log, what, poll) : poll();
}
