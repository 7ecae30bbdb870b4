// The kwok Stage set the test bed runs with. kwokctl injects its defaults only when the config has no
// Stage at all, so adding our stages means re-listing the defaults we still want.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dump as yamlDump, load as yamlLoad } from 'js-yaml';

/** Label / annotation keys understood by the stages (the stock kwok names, so kwok docs apply). */
export const stageKeys = {
  /** Pod annotation: how long a Job pod runs before Succeeded, as a Go duration ("3s") or RFC 3339 time. Default 1s. */
  podCompleteDelay: 'pod-complete.stage.kwok.x-k8s.io/delay',
  /** Pod annotation: upper bound of a random completion time (the delay becomes uniform in [delay, jitter)). */
  podCompleteJitter: 'pod-complete.stage.kwok.x-k8s.io/jitter-delay',
  /** Pod label "true": the running pod fails (phase Failed, exit code from the exit-code annotation, default 1). */
  podFail: 'pod-container-running-failed.stage.kwok.x-k8s.io',
  podFailDelay: 'pod-container-running-failed.stage.kwok.x-k8s.io/delay',
  podFailExitCode: 'pod-container-running-failed.stage.kwok.x-k8s.io/exit-code',
  podFailReason: 'pod-container-running-failed.stage.kwok.x-k8s.io/reason',
  /** Node label "true": the node's Ready condition becomes False. Remove the label and it becomes Ready again. */
  nodeNotReady: 'node-not-ready.stage.kwok.x-k8s.io',
  nodeNotReadyDelay: 'node-not-ready.stage.kwok.x-k8s.io/delay',
} as const;

type Stage = {
  metadata: { name: string };
  spec: {
    selector: { matchExpressions: { key: string; operator: string; values?: string[] }[] };
    delay?: Record<string, unknown>;
    [k: string]: unknown;
  };
  [k: string]: unknown;
};

function load(stageDir: string, rel: string): Stage {
  return yamlLoad(readFileSync(join(stageDir, rel), 'utf8')) as Stage;
}

/**
 * Without a default jitter, an annotated delay is used exactly. kwok uses the jitter value as the delay
 * whenever jitter <= delay, so the stock default jitter (5 s for pod-complete, 1 s for the chaos stages)
 * would silently cap any longer per-pod delay. The jitter annotation still works when a test sets it.
 */
function dropDefaultJitter(stage: Stage): Stage {
  if (stage.spec.delay) delete stage.spec.delay.jitterDurationMilliseconds;
  return stage;
}

/**
 * Builds the stages YAML (multi-document) from the stock stage files copied next to the kwok binary.
 * - node-initialize, node-heartbeat-with-lease, pod-ready, pod-delete: kwokctl's binary-runtime defaults.
 * - pod-complete from pod/general (annotation-driven delay) instead of pod/fast (immediate).
 * - pod-container-running-failed and node-not-ready from the chaos sets.
 */
export function composeStagesYaml(stageDir: string): string {
  const complete = dropDefaultJitter(load(stageDir, 'pod/general/pod-complete.yaml'));
  // Pods labelled to fail must never complete instead: kwok picks among matching stages at random by
  // weight, and 10000:1 still lets a labelled pod succeed now and then. Excluding them makes it certain.
  complete.spec.selector.matchExpressions.push({
    key: `.metadata.labels["${stageKeys.podFail}"]`,
    operator: 'NotIn',
    values: ['true'],
  });
  const stages: Stage[] = [
    load(stageDir, 'node/fast/node-initialize.yaml'),
    load(stageDir, 'node/heartbeat-with-lease/node-heartbeat-with-lease.yaml'),
    load(stageDir, 'pod/fast/pod-ready.yaml'),
    complete,
    load(stageDir, 'pod/fast/pod-delete.yaml'),
    dropDefaultJitter(load(stageDir, 'pod/chaos/pod-container-running-failed.yaml')),
    dropDefaultJitter(load(stageDir, 'node/chaos/node-not-ready.yaml')),
  ];
  return stages.map((s) => yamlDump(s, { lineWidth: -1, noRefs: true })).join('---\n');
}
