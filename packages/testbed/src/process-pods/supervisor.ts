// Runs one pod's process for the test bed and dies with its parent: it exits (killing the process group of
// the command it started) when its stdin closes, which happens when the controller stops the pod or the test
// process that owns the controller dies in any way, SIGKILL included. No shell is involved: argv is spawned
// as it is. Run by node directly (type stripping), so it imports nothing but node built-ins.
import { spawn } from 'node:child_process';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  process.stderr.write('supervisor: no command\n');
  process.exit(2);
}
const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'], detached: true });
let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  try {
    if (child.pid) process.kill(-child.pid, 'SIGTERM');
  } catch {
    /* already gone */
  }
  setTimeout(() => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    process.exit(0);
  }, 2_000).unref();
};
child.on('error', (e) => {
  process.stderr.write(`supervisor: cannot start ${command}: ${e.message}\n`);
  process.exit(127);
});
child.on('exit', (code, signal) => {
  process.exit(stopping ? 0 : (code ?? (signal ? 128 : 1)));
});
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.on('error', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
