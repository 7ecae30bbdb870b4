/**
 * chaos-gate's bundle run through the local runner for the event tests: the experiments file written into a fresh
 * workspace, the brokers input as a workflow writes it, a pull request event against the GitHub stand-in.
 */
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { GitHubStandIn } from '@gauntlet/github-api-standin';
import { runActionLocally, type RunResult } from '@gauntlet/local-runner';
import { getTestbed } from '@gauntlet/testbed';
import { brokerConnection, type TestBrokerKind } from '../events/brokers.js';
import { pullRequestRun } from '../support/pull-request-run.js';

const actionDir = path.resolve(import.meta.dirname, '../../actions/chaos-gate');
const HEAD = 'e7e47'.padEnd(40, '0');
const PR = 15;

export interface EventRunJournal {
  experiments: { verdict: string; reason: string; journal: { event: string; detail: string }[] }[];
}

export async function runEventExperiments(
  github: GitHubStandIn,
  experiments: string,
  brokers: string,
  extraInputs: Record<string, string> = {},
): Promise<{ result: RunResult; dir: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'chaos-gate-events-'));
  await mkdir(path.join(dir, 'chaos'));
  await writeFile(path.join(dir, 'chaos', 'experiments.yaml'), experiments);
  const run = pullRequestRun(github, { pr: PR, head: HEAD });
  const result = await runActionLocally({
    actionDir,
    workspace: dir,
    inputs: {
      namespace: 'default',
      experiments: 'chaos/*.yaml',
      interval: '1s',
      'halt-label': '',
      brokers,
      'github-token': github.token,
      ...extraInputs,
    },
    event: run.event,
    env: { ...run.env, KUBECONFIG: getTestbed().kubeconfig },
  });
  return { result, dir };
}

/** The `brokers` input for the test bed's broker of this kind, as a workflow would write it (credentials as fields). */
export async function brokersInput(kind: TestBrokerKind): Promise<string> {
  const c = await brokerConnection(kind);
  switch (c.kind) {
    case 'nats':
      return `orders: { kind: nats, url: "${c.url}" }`;
    case 'rabbitmq': {
      const u = new URL(c.url);
      return `orders: { kind: rabbitmq, url: "amqp://${u.host}", managementUrl: "${c.managementUrl}", user: guest, password: guest }`;
    }
    case 'kafka':
      return `orders: { kind: kafka, brokers: [${c.brokers.map((b) => `"${b}"`).join(', ')}] }`;
  }
}
