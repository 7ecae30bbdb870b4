// The default process of a process-backed pod: the slo package's sample service on the port the controller
// chose, configured from the pod's annotations (passed as environment variables). Run under tsx by the
// supervisor, which stops it.
import { startSampleService } from '@gauntlet/slo';

const number = (name: string, fallback: number): number => {
  const raw = process.env[name];
  return raw === undefined || raw === '' ? fallback : Number(raw);
};

const service = await startSampleService({
  port: number('PORT', 0),
  prefix: process.env.SAMPLE_PREFIX || 'demo',
  errorRate: number('SAMPLE_ERROR_RATE', 0),
  latencyMs: number('SAMPLE_LATENCY_MS', 5),
  jitterMs: number('SAMPLE_JITTER_MS', 2),
});
process.stdout.write(`sample service for ${process.env.POD_NAMESPACE}/${process.env.POD_NAME} on ${service.url}\n`);
const close = (): void => {
  void service.close().then(() => process.exit(0));
};
process.on('SIGTERM', close);
process.on('SIGINT', close);
