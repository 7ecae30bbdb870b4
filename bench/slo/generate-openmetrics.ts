// Writes the bench's history as an OpenMetrics file for `promtool tsdb create-blocks-from openmetrics`:
// each service with requests by code (200/500), one sample every `intervalSeconds` for `days`.
// Error profiles vary so that some services pass, some burn fast at the end, some burn slowly all along.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export interface HistorySpec {
  readonly file: string;
  readonly endSeconds: number;
  readonly days: number;
  readonly intervalSeconds: number;
}

export interface ServiceProfile {
  readonly name: string;
  readonly rps: number;
  /** Error ratio at a time (seconds before the end). */
  readonly errorRatio: (ageSeconds: number) => number;
  readonly kind: 'healthy' | 'slow-burn' | 'fast-burn' | 'recent-spike';
}

export function profiles(count: number): ServiceProfile[] {
  return Array.from({ length: count }, (_, i) => {
    const name = `svc${String(i).padStart(2, '0')}`;
    const rps = 5 + ((i * 7) % 45);
    switch (i % 5) {
      case 3:
        return { name, rps, kind: 'slow-burn', errorRatio: () => 0.0015 };
      case 4:
        return { name, rps, kind: 'fast-burn', errorRatio: (age) => (age < 1_800 ? 0.2 : 0.0002) };
      case 2:
        return { name, rps, kind: 'recent-spike', errorRatio: (age) => (age < 600 ? 0.05 : 0.0003) };
      default:
        return { name, rps, kind: 'healthy', errorRatio: () => 0.0002 };
    }
  });
}

/** Writes the file; returns the number of samples. */
export async function writeOpenMetrics(spec: HistorySpec, services: readonly ServiceProfile[]): Promise<number> {
  const out = createWriteStream(spec.file);
  const write = async (text: string): Promise<void> => {
    if (!out.write(text)) await once(out, 'drain');
  };
  const start = spec.endSeconds - spec.days * 86_400;
  let samples = 0;
  await write('# HELP bench_requests Requests by service and code.\n# TYPE bench_requests counter\n');
  for (const s of services) {
    for (const code of ['200', '500'] as const) {
      let value = 0;
      let chunk = '';
      for (let t = start; t <= spec.endSeconds; t += spec.intervalSeconds) {
        const n = s.rps * spec.intervalSeconds;
        const errors = n * s.errorRatio(spec.endSeconds - t);
        value += code === '500' ? errors : n - errors;
        chunk += `bench_requests_total{service="${s.name}",code="${code}"} ${value.toFixed(3)} ${t}\n`;
        samples += 1;
        if (chunk.length > 1 << 16) {
          await write(chunk);
          chunk = '';
        }
      }
      await write(chunk);
    }
  }
  await write('# EOF\n');
  out.end();
  await once(out, 'finish');
  return samples;
}
