/**
 * The benchmark's realistic stack: 10 Deployments (2 replicas each) with a Service each, a 3-replica StatefulSet
 * with its headless Service, a ConfigMap and a seed Job. Plain YAML (no variables), so kubectl applies the very
 * same files. Pod Security "restricted"-compliant; explicit small resources. On kwok pods are simulated; the seed
 * Job's pod completes after 2 s.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const pod = (app: string, command: string[]): Record<string, unknown> => ({
  metadata: { labels: { app, bench: 'stack' } },
  spec: {
    securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [
      {
        name: 'main',
        image: 'busybox:1.36',
        command,
        ports: [{ containerPort: 8080, name: 'http' }],
        resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
      },
    ],
  },
});

export const DEPLOYMENTS = 10;

export function writeStack(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-bench-stack-'));
  const docs: unknown[] = [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', labels: { bench: 'stack' } },
      data: { mode: 'bench' },
    },
  ];
  for (let i = 0; i < DEPLOYMENTS; i++) {
    const app = `svc-${i}`;
    docs.push({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: app, labels: { bench: 'stack' } },
      spec: { replicas: 2, selector: { matchLabels: { app } }, template: pod(app, ['httpd', '-f', '-p', '8080']) },
    });
    docs.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: app, labels: { bench: 'stack' } },
      spec: { selector: { app }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    });
  }
  docs.push({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'db', labels: { bench: 'stack' } },
    spec: { clusterIP: 'None', selector: { app: 'db' }, ports: [{ name: 'http', port: 8080 }] },
  });
  docs.push({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db', labels: { bench: 'stack' } },
    spec: {
      serviceName: 'db',
      replicas: 3,
      selector: { matchLabels: { app: 'db' } },
      template: pod('db', ['httpd', '-f', '-p', '8080']),
    },
  });
  const seed = pod('seed', ['sh', '-c', 'sleep 2']);
  (seed.metadata as Record<string, unknown>).annotations = { 'pod-complete.stage.kwok.x-k8s.io/delay': '2s' };
  (seed.spec as Record<string, unknown>).restartPolicy = 'Never';
  docs.push({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'seed', labels: { bench: 'stack' }, annotations: { 'gauntlet.dev/seed': 'true' } },
    spec: { backoffLimit: 0, template: seed },
  });
  writeFileSync(path.join(dir, 'stack.yaml'), docs.map((d) => JSON.stringify(d)).join('\n---\n'));
  return dir;
}
