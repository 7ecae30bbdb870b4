/**
 * A public many-service stack for the time-to-ready bench, modelled on Google's Online Boutique release manifests
 * (GoogleCloudPlatform/microservices-demo, release/kubernetes-manifests.yaml; written here, not copied): 12
 * Deployments of one replica (10 gRPC/HTTP services, the frontend, redis-cart and the load generator), a ClusterIP
 * Service for each server, the frontend's LoadBalancer Service, a ServiceAccount per service, the same ports,
 * resources, probes and restricted-compliant security contexts. Only the images differ (kwok pulls nothing) and a
 * `bench: stack` label, so `kubectl rollout status -l` finds them. Its LoadBalancer needs `services.loadbalancers`
 * and `services.nodeports` in the quota, as it would for any user of this stack (the default quota allows neither).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

interface Service {
  name: string;
  port?: number;
  servicePort?: number;
  cpu: [string, string];
  memory: [string, string];
  env?: Record<string, string>;
  probe?: 'grpc' | 'http' | 'tcp';
  serviceAccount?: boolean;
}

const SERVICES: Service[] = [
  {
    name: 'frontend',
    port: 8080,
    servicePort: 80,
    cpu: ['100m', '200m'],
    memory: ['64Mi', '128Mi'],
    probe: 'http',
    env: {
      PRODUCT_CATALOG_SERVICE_ADDR: 'productcatalogservice:3550',
      CURRENCY_SERVICE_ADDR: 'currencyservice:7000',
      CART_SERVICE_ADDR: 'cartservice:7070',
      RECOMMENDATION_SERVICE_ADDR: 'recommendationservice:8080',
      SHIPPING_SERVICE_ADDR: 'shippingservice:50051',
      CHECKOUT_SERVICE_ADDR: 'checkoutservice:5050',
      AD_SERVICE_ADDR: 'adservice:9555',
    },
  },
  { name: 'adservice', port: 9555, cpu: ['200m', '300m'], memory: ['180Mi', '300Mi'], probe: 'grpc' },
  { name: 'currencyservice', port: 7000, cpu: ['100m', '200m'], memory: ['64Mi', '128Mi'], probe: 'grpc' },
  {
    name: 'cartservice',
    port: 7070,
    cpu: ['200m', '300m'],
    memory: ['64Mi', '128Mi'],
    probe: 'grpc',
    env: { REDIS_ADDR: 'redis-cart:6379' },
  },
  {
    name: 'redis-cart',
    port: 6379,
    cpu: ['70m', '125m'],
    memory: ['200Mi', '256Mi'],
    probe: 'tcp',
    serviceAccount: false,
  },
  {
    name: 'recommendationservice',
    port: 8080,
    cpu: ['100m', '200m'],
    memory: ['220Mi', '450Mi'],
    probe: 'grpc',
    env: { PRODUCT_CATALOG_SERVICE_ADDR: 'productcatalogservice:3550' },
  },
  {
    name: 'checkoutservice',
    port: 5050,
    cpu: ['100m', '200m'],
    memory: ['64Mi', '128Mi'],
    probe: 'grpc',
    env: {
      PRODUCT_CATALOG_SERVICE_ADDR: 'productcatalogservice:3550',
      SHIPPING_SERVICE_ADDR: 'shippingservice:50051',
      PAYMENT_SERVICE_ADDR: 'paymentservice:50051',
      EMAIL_SERVICE_ADDR: 'emailservice:5000',
      CURRENCY_SERVICE_ADDR: 'currencyservice:7000',
      CART_SERVICE_ADDR: 'cartservice:7070',
    },
  },
  {
    name: 'emailservice',
    port: 8080,
    servicePort: 5000,
    cpu: ['100m', '200m'],
    memory: ['64Mi', '128Mi'],
    probe: 'grpc',
  },
  { name: 'paymentservice', port: 50051, cpu: ['100m', '200m'], memory: ['64Mi', '128Mi'], probe: 'grpc' },
  { name: 'shippingservice', port: 50051, cpu: ['100m', '200m'], memory: ['64Mi', '128Mi'], probe: 'grpc' },
  { name: 'productcatalogservice', port: 3550, cpu: ['100m', '200m'], memory: ['64Mi', '128Mi'], probe: 'grpc' },
  {
    name: 'loadgenerator',
    cpu: ['300m', '500m'],
    memory: ['256Mi', '512Mi'],
    env: { FRONTEND_ADDR: 'frontend:80', USERS: '10' },
  },
];

const LABEL = { bench: 'stack' };

function probe(service: Service): Record<string, unknown> | undefined {
  if (!service.port) return undefined;
  if (service.probe === 'http') return { initialDelaySeconds: 10, httpGet: { path: '/_healthz', port: service.port } };
  if (service.probe === 'tcp') return { periodSeconds: 5, tcpSocket: { port: service.port } };
  return { periodSeconds: 5, grpc: { port: service.port } };
}

function deployment(service: Service): Record<string, unknown> {
  const readiness = probe(service);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: service.name, labels: { app: service.name, ...LABEL } },
    spec: {
      selector: { matchLabels: { app: service.name } },
      template: {
        metadata: { labels: { app: service.name } },
        spec: {
          ...(service.serviceAccount === false ? {} : { serviceAccountName: service.name }),
          terminationGracePeriodSeconds: 5,
          securityContext: {
            fsGroup: 1000,
            runAsGroup: 1000,
            runAsNonRoot: true,
            runAsUser: 1000,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: service.name === 'redis-cart' ? 'redis' : 'server',
              image: `registry.example/boutique/${service.name}:v0.10.6`,
              securityContext: {
                allowPrivilegeEscalation: false,
                capabilities: { drop: ['ALL'] },
                privileged: false,
                readOnlyRootFilesystem: true,
              },
              ...(service.port ? { ports: [{ containerPort: service.port }] } : {}),
              env: Object.entries({ ...(service.port ? { PORT: String(service.port) } : {}), ...service.env }).map(
                ([name, value]) => ({ name, value }),
              ),
              ...(readiness ? { readinessProbe: readiness, livenessProbe: readiness } : {}),
              resources: {
                requests: { cpu: service.cpu[0], memory: service.memory[0] },
                limits: { cpu: service.cpu[1], memory: service.memory[1] },
              },
            },
          ],
        },
      },
    },
  };
}

export const BOUTIQUE_SERVICES = SERVICES.filter((s) => s.port).length;
export const BOUTIQUE_DEPLOYMENTS = SERVICES.length;

/** Writes the stack as one multi-document YAML (JSON documents) and returns its directory. */
export function writeBoutiqueStack(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gauntlet-bench-boutique-'));
  const docs: unknown[] = [];
  for (const service of SERVICES) {
    docs.push(deployment(service));
    if (service.port)
      docs.push({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: service.name, labels: { app: service.name, ...LABEL } },
        spec: {
          type: 'ClusterIP',
          selector: { app: service.name },
          ports: [{ name: 'grpc', port: service.servicePort ?? service.port, targetPort: service.port }],
        },
      });
    if (service.serviceAccount !== false)
      docs.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: service.name, labels: LABEL } });
  }
  docs.push({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'frontend-external', labels: { app: 'frontend', ...LABEL } },
    spec: {
      type: 'LoadBalancer',
      selector: { app: 'frontend' },
      ports: [{ name: 'http', port: 80, targetPort: 8080 }],
    },
  });
  writeFileSync(path.join(dir, 'stack.yaml'), docs.map((d) => JSON.stringify(d)).join('\n---\n'));
  return dir;
}
