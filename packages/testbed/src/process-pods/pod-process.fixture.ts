// Child process for pod-process.test.ts: owns one pod process (the sample service on PORT), says "ready", and
// waits to be killed; the test SIGKILLs it and checks that the pod process dies with it.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PodProcess, sampleMain } from './pod-process.js';

const port = Number(process.argv[2]);
const child = await PodProcess.start({
  argv: [process.execPath, '--import', 'tsx', sampleMain],
  env: { PATH: process.env.PATH ?? '', PORT: String(port), POD_NAME: 'fixture', POD_NAMESPACE: 'test' },
  port,
  logFile: join(tmpdir(), `gauntlet-pod-process-fixture-${port}.log`),
});
process.stdout.write(`ready ${child.pid}\n`);
setInterval(() => {}, 60_000);
