/**
 * CH-04 on the real bundle: chaos-gate killed at seeded random instants with SIGINT, SIGTERM or SIGKILL, then its
 * post step (or, with no post step, the reaper after expiry), leaves nothing behind — no chaos NetworkPolicy or
 * ResourceQuota, the Deployment at its replicas without our annotation, no toxic on Toxiproxy — against the test
 * bed's real API server and Toxiproxy. A few seeds here; bench/chaos runs ≥ 200 per signal.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTestbed } from '@gauntlet/testbed';
import { uniqueName } from '../support/polling.js';
import {
  killTrials,
  killWorkspace,
  leftovers,
  runChaosGate,
  runKillTrial,
  startKillBed,
  type KillBed,
  type KillOutcome,
} from './kill-trial.js';

const tb = getTestbed();
const actionDir = path.resolve(import.meta.dirname, '../../actions/chaos-gate');
const SEED = Number(process.env.GAUNTLET_CHAOS_SEED ?? 1403);
let bed: KillBed;
let spanMs = 0;

describe.skipIf(!tb.kwok || !tb.toxiproxyUrl)('chaos-gate killed at random points', () => {
  beforeAll(async () => {
    bed = await startKillBed({
      kubeConfig: tb.kubeConfig(),
      kubeconfigPath: tb.kubeconfig,
      toxiproxyUrl: tb.toxiproxyUrl,
      actionDir,
      namespace: uniqueName('chaos-kill'),
    });
  });

  afterAll(async () => {
    await bed?.close();
  });

  it('an uninterrupted run passes with every fault in effect and reverted (and sets the span the kills cover)', async () => {
    const started = Date.now();
    const result = await runChaosGate(bed, await killWorkspace(bed));
    spanMs = Date.now() - started;
    expect(result.outputs['verdict'], result.main.log.join('\n')).toBe('pass');
    const journal = result.main.log.join('\n');
    for (const fault of ['s1f1', 's1f2', 's1f3', 's2f1', 's2f2']) expect(journal).toMatch(`reverted: ${fault}:`);
    expect(await leftovers(bed)).toEqual([]);
  });

  it('SIGINT, SIGTERM, SIGKILL + post and SIGKILL + reaper at seeded instants: 0 leftovers', async () => {
    expect(spanMs).toBeGreaterThan(0);
    const outcomes: KillOutcome[] = [];
    for (const trial of killTrials(SEED, 8, spanMs)) outcomes.push(await runKillTrial(bed, trial));
    const summary = outcomes.map(
      (o) =>
        `seed ${o.seed} ${o.signal}+${o.route} at ${o.killAtMs} ms (${o.inEffectAtKill} in effect): ledger ${JSON.stringify(o.ledger)}, sent ${o.signalsSent.join(',') || 'none'}, left [${o.left.join('; ')}]`,
    );
    expect(
      outcomes.filter((o) => o.left.length > 0 || o.noExpiry.length > 0),
      summary.join('\n'),
    ).toEqual([]);
    // The kills landed while faults were in effect, not only before or after the run.
    expect(
      outcomes.some((o) => o.inEffectAtKill > 0 && o.signalsSent.length > 0),
      summary.join('\n'),
    ).toBe(true);
    console.log(summary.join('\n'));
  });
});
