/**
 * The Kubernetes vocabulary shard-and-run reads from its inputs (@gauntlet/kube input-fields: labels, node
 * selector, annotations, resources, tolerations) agrees with the real API server: everything the readers accept
 * is accepted by a strict server-side dry-run of a Pod, so a value cannot pass the input check and then fail the
 * Job after the plan; and what they refuse (hostile or malformed values) is also refused by the server, so the
 * readers are not stricter than Kubernetes where it matters.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadYaml } from '@gauntlet/action-kit';
import {
  KubeApiError,
  KubeClient,
  checkAnnotationMap,
  checkLabelMap,
  collectionPath,
  readResourceRequirements,
  readTolerations,
  types,
} from '@gauntlet/kube';
import { getTestbed } from '@gauntlet/testbed';

const tb = getTestbed();
let client: KubeClient;

interface PodFields {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  nodeSelector?: Record<string, string>;
  resources?: unknown;
  tolerations?: unknown;
}

/** What the API server says of a Pod with these fields: undefined when a strict dry-run accepts it. */
async function serverVerdict(fields: PodFields): Promise<string | undefined> {
  try {
    await client.request({
      method: 'POST',
      path: collectionPath(types.pod, 'default'),
      query: { dryRun: 'All', fieldValidation: 'Strict' },
      body: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          generateName: 'fields-',
          labels: fields.labels ?? {},
          annotations: fields.annotations ?? {},
        },
        spec: {
          containers: [{ name: 'c', image: 'busybox', resources: fields.resources ?? {} }],
          nodeSelector: fields.nodeSelector ?? {},
          tolerations: fields.tolerations ?? [],
        },
      },
    });
    return undefined;
  } catch (error) {
    if (error instanceof KubeApiError && (error.status === 422 || error.status === 400)) return error.message;
    throw error;
  }
}

/** What our readers say: undefined when accepted, else the message; the value as read on success. */
function ours(fields: PodFields): { error?: string; read?: PodFields } {
  try {
    const read: PodFields = { ...fields };
    if (fields.labels) checkLabelMap('labels', fields.labels);
    if (fields.nodeSelector) checkLabelMap('node-selector', fields.nodeSelector);
    if (fields.annotations) checkAnnotationMap('pod-annotations', fields.annotations);
    if (fields.resources !== undefined) read.resources = readResourceRequirements('resources', fields.resources);
    if (fields.tolerations !== undefined) read.tolerations = readTolerations('tolerations', fields.tolerations);
    return { read };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** A value as the action's YAML inputs read it. */
const y = (text: string): unknown => loadYaml(text, { origin: 'test' });

const ACCEPTED: Array<[string, PodFields]> = [
  ['prefixed label keys and dotted values', { labels: { 'example.com/team': 'a.b_c-1', app: 'web' } }],
  ['an empty label value', { labels: { 'example.com/flag': '' } }],
  ['a node selector', { nodeSelector: { 'kubernetes.io/os': 'linux', 'gauntlet.dev/node-pool': 'spot' } }],
  ['an annotation with a long multi-line value', { annotations: { 'example.com/note': 'x\n'.repeat(10_000) } }],
  [
    'numbers and suffixes as quantities',
    { resources: y('{requests: {cpu: 0.5, memory: 1e6}, limits: {cpu: 2, memory: 1.5Gi}}') },
  ],
  ['extended resources', { resources: y('{limits: {example.com/gpu: 1}, requests: {example.com/gpu: 1}}') }],
  ['only limits', { resources: y('{limits: {memory: 128974848}}') }],
  ['a toleration of everything', { tolerations: y('[{operator: Exists}]') }],
  [
    'Equal with a numeric value',
    { tolerations: y('[{key: example.com/tier, operator: Equal, value: 2, effect: NoSchedule}]') },
  ],
  [
    'NoExecute with tolerationSeconds',
    {
      tolerations: y(
        '[{key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 30}]',
      ),
    },
  ],
  ['a key with the default operator', { tolerations: y('[{key: spot, value: "true"}]') }],
];

const REFUSED: Array<[string, PodFields]> = [
  ['a label value with a space', { labels: { team: 'a b' } }],
  ['a label value of 64 characters', { labels: { team: 'a'.repeat(64) } }],
  ['a label key with two slashes', { labels: { 'a/b/c': 'x' } }],
  ['a label key with a bad prefix', { labels: { 'Example.com/x': 'x' } }],
  ['a label value with a workflow command', { labels: { team: '::set-output name=x::y' } }],
  ['a node selector value with a newline', { nodeSelector: { pool: 'a\nb' } }],
  ['an annotation key with a space', { annotations: { 'a b': 'x' } }],
  ['a quantity that is a word', { resources: y('{requests: {cpu: lots}}') }],
  ['a quantity with a unit typo', { resources: y('{limits: {memory: 1GB}}') }],
  ['a quantity that is a map', { resources: y('{limits: {memory: {a: 1}}}') }],
  ['a resource name with a space', { resources: y('{limits: {"my gpu": 1}}') }],
  ['requests above limits', { resources: y('{requests: {cpu: 2}, limits: {cpu: 1}}') }],
  ['an unknown toleration field', { tolerations: y('[{key: a, operater: Exists}]') }],
  ['an unknown operator', { tolerations: y('[{key: a, operator: Maybe}]') }],
  ['Exists with a value', { tolerations: y('[{key: a, operator: Exists, value: b}]') }],
  ['an unknown effect', { tolerations: y('[{key: a, effect: NoRun}]') }],
  [
    'tolerationSeconds without NoExecute',
    { tolerations: y('[{key: a, operator: Exists, effect: NoSchedule, tolerationSeconds: 5}]') },
  ],
  ['no key with Equal', { tolerations: y('[{operator: Equal, value: b}]') }],
  ['a taint key with a space', { tolerations: y('[{key: "a b", operator: Exists}]') }],
  ['a toleration value of 64 characters', { tolerations: [{ key: 'a', value: 'v'.repeat(64) }] }],
];

describe('shard-and-run pod fields against the real API server', () => {
  beforeAll(async () => {
    client = await KubeClient.create(tb.kubeConfig());
  });
  afterAll(() => client?.close());

  it('every value the readers accept, a strict dry-run of a Pod accepts as read', async () => {
    const disagreements: string[] = [];
    for (const [name, fields] of ACCEPTED) {
      const { error, read } = ours(fields);
      if (error !== undefined) disagreements.push(`${name}: we refuse (${error})`);
      else {
        const server = await serverVerdict(read!);
        if (server !== undefined) disagreements.push(`${name}: the server refuses (${server})`);
      }
    }
    expect(disagreements).toEqual([]);
  });

  it('every hostile or malformed value the readers refuse (naming the input), the API server refuses too', async () => {
    const disagreements: string[] = [];
    for (const [name, fields] of REFUSED) {
      const { error } = ours(fields);
      if (error === undefined) disagreements.push(`${name}: we accept it`);
      else if (!/^Input '(labels|node-selector|pod-annotations|resources|tolerations)': /.test(error))
        disagreements.push(`${name}: the message does not name the input (${error})`);
      if ((await serverVerdict(fields)) === undefined) disagreements.push(`${name}: the server accepts it`);
    }
    expect(disagreements).toEqual([]);
  });
});
