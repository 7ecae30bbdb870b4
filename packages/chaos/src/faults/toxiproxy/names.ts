import { createHash } from 'node:crypto';

/** Every toxic a run adds starts with this; the rest says whose it is and until when it may live. */
export const TOXIC_PREFIX = 'gauntlet-chaos-';

/**
 * The toxic's name: prefix, fault id, a hash of run/experiment/fault, and the expiry in epoch seconds. Toxiproxy
 * keeps no labels, so the name is the mark: the reaper deletes by it after a SIGKILL lost the ledger.
 */
export function toxicName(runId: string, experiment: string, faultId: string, expiresAt: string): string {
  const hash = createHash('sha256').update(`${runId}\0${experiment}\0${faultId}`).digest('hex').slice(0, 10);
  return `${TOXIC_PREFIX}${faultId}-${hash}-x${Math.ceil(Date.parse(expiresAt) / 1000)}`;
}

/** The expiry (epoch ms) a toxic name of ours carries, or undefined when it is not ours or unreadable. */
export function toxicExpiry(name: string): number | undefined {
  if (!name.startsWith(TOXIC_PREFIX)) return undefined;
  const match = /-x(\d{9,12})$/.exec(name);
  return match ? Number(match[1]) * 1000 : undefined;
}
