// One process-backed pod's process: started through the supervisor (no shell; it dies with its parent), ready
// when its port accepts a TCP connection, stopped on request.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { sleep } from '../progress.js';

const supervisor = fileURLToPath(new URL('./supervisor.ts', import.meta.url));
/** The repository root: `--import tsx` is resolved from here. */
export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
export const sampleMain = fileURLToPath(new URL('./sample-pod-main.ts', import.meta.url));

export interface PodProcessSpec {
  readonly argv: readonly [string, ...string[]];
  readonly env: Readonly<Record<string, string>>;
  readonly port: number;
  readonly logFile: string;
  /** How long the port may take to accept (tsx start-up on a loaded machine takes seconds). */
  readonly readyTimeoutMs?: number;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export class PodProcess {
  private exited = false;
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    child.once('exit', () => {
      this.exited = true;
    });
  }

  get alive(): boolean {
    return !this.exited;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  onExit(listener: (code: number | null) => void): void {
    if (this.exited) listener(this.child.exitCode);
    else this.child.once('exit', (code) => listener(code));
  }

  static async start(spec: PodProcessSpec, signal?: AbortSignal): Promise<PodProcess> {
    const fd = openSync(spec.logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, [supervisor, ...spec.argv], {
        stdio: ['pipe', fd, fd],
        env: { ...spec.env },
        cwd: repoRoot,
      });
    } finally {
      closeSync(fd);
    }
    child.on('error', () => {}); // seen as an exit below
    const pod = new PodProcess(child, spec.port);
    const deadline = Date.now() + (spec.readyTimeoutMs ?? 60_000);
    while (!(await accepts(spec.port))) {
      if (!pod.alive || signal?.aborted || Date.now() > deadline) {
        await pod.stop();
        throw new Error(
          !pod.alive
            ? `exited before its port ${spec.port} accepted (exit ${child.exitCode}); see ${spec.logFile}`
            : signal?.aborted
              ? 'stopped before it was ready'
              : `port ${spec.port} did not accept within ${spec.readyTimeoutMs ?? 60_000} ms; see ${spec.logFile}`,
        );
      }
      await sleep(100);
    }
    return pod;
  }

  /** Closes the supervisor's stdin (it then stops the command's group) and waits for the exit. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin?.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
