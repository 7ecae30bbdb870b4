// Helpers for tests of process-backed pods: the Deployment body that makes pods process-backed, a GET that
// reports a refused connection as a value (a cut partition is an expected outcome, not an error), and one
// Prometheus instant query.
import { processPodKeys } from './pod-spec.js';

/** A Deployment (wire JSON, for any client) whose pods are process-backed; `labels` select them. */
export function processBackedDeployment(
  name: string,
  replicas: number,
  options: { labels?: Record<string, string>; annotations?: Record<string, string>; containerPort?: number } = {},
) {
  const labels = options.labels ?? { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels: { ...labels, [processPodKeys.process]: 'true' }, annotations: options.annotations ?? {} },
        spec: {
          containers: [
            {
              name: 'main',
              image: 'gauntlet.dev/sample:1',
              ...(options.containerPort ? { ports: [{ name: 'http', containerPort: options.containerPort }] } : {}),
            },
          ],
        },
      },
    },
  };
}

/** GET http://<address><path>: the status code, or 'refused' when the connection fails or is reset. */
export async function httpStatus(address: string, path = '/work'): Promise<number | 'refused'> {
  try {
    const res = await fetch(`http://${address}${path}`, { signal: AbortSignal.timeout(5_000) });
    await res.text();
    return res.status;
  } catch {
    return 'refused';
  }
}

/** The first sample of an instant query, or undefined when there is none. */
export async function prometheusValue(prometheusUrl: string, query: string): Promise<number | undefined> {
  const res = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await res.json()) as { data?: { result?: Array<{ value: [number, string] }> } };
  const v = body.data?.result?.[0]?.value?.[1];
  return v === undefined ? undefined : Number(v);
}
