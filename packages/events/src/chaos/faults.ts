/**
 * What a data fault does to one message, decided by a seeded generator so a run replays exactly: forward it,
 * drop it, send it twice, hold it back for reordering, delay it, or malform its payload. The decision never looks
 * at the payload beyond parsing it as JSON for the malformations that need a field.
 */
import { randomInt, type Random } from '@gauntlet/action-kit';

export const MALFORMATIONS = ['invalid-json', 'missing-field', 'wrong-type', 'unknown-version'] as const;
export type Malformation = (typeof MALFORMATIONS)[number];

export interface DataFaultMix {
  /** Fraction of messages sent twice (0–1). */
  readonly duplicate?: number;
  /** Fraction of messages never forwarded (0–1). */
  readonly drop?: number;
  /** Messages are held and released in a shuffled order in windows of this many (2–1000). */
  readonly reorderWindow?: number;
  /** Every forwarded message waits this long first. */
  readonly delayMs?: number;
  /** Fraction of messages whose payload is malformed (0–1), with the kinds to choose from. */
  readonly malformed?: number;
  readonly malformations?: readonly Malformation[];
  /** The payload field a missing-field / wrong-type malformation targets (a top-level property name). */
  readonly field?: string;
}

export function validateMix(mix: DataFaultMix): string[] {
  const errors: string[] = [];
  for (const k of ['duplicate', 'drop', 'malformed'] as const) {
    const v = mix[k];
    if (v !== undefined && !(v >= 0 && v <= 1)) errors.push(`${k} must be a fraction from 0 to 1, got ${v}`);
  }
  if (
    mix.reorderWindow !== undefined &&
    !(Number.isInteger(mix.reorderWindow) && mix.reorderWindow >= 2 && mix.reorderWindow <= 1000)
  )
    errors.push(`reorderWindow must be an integer from 2 to 1000, got ${mix.reorderWindow}`);
  if (mix.delayMs !== undefined && !(mix.delayMs >= 0 && mix.delayMs <= 60_000))
    errors.push(`delayMs must be from 0 to 60000, got ${mix.delayMs}`);
  for (const m of mix.malformations ?? [])
    if (!MALFORMATIONS.includes(m))
      errors.push(`unknown malformation ${JSON.stringify(m)} (known: ${MALFORMATIONS.join(', ')})`);
  if (
    (mix.malformed ?? 0) > 0 &&
    (mix.malformations ?? MALFORMATIONS).some((m) => m === 'missing-field' || m === 'wrong-type') &&
    !mix.field
  )
    errors.push('missing-field and wrong-type malformations need `field`, the payload property they target');
  return errors;
}

export type Decision =
  { kind: 'forward' } | { kind: 'drop' } | { kind: 'duplicate' } | { kind: 'malform'; malformation: Malformation };

export function decide(mix: DataFaultMix, random: Random): Decision {
  // One draw per fault, in a fixed order, so changing one rate does not reshuffle the others' choices.
  const drop = random() < (mix.drop ?? 0);
  const dup = random() < (mix.duplicate ?? 0);
  const bad = random() < (mix.malformed ?? 0);
  const kinds = mix.malformations?.length ? mix.malformations : MALFORMATIONS;
  const which = kinds[randomInt(random, 0, kinds.length)]!;
  if (drop) return { kind: 'drop' };
  if (bad) return { kind: 'malform', malformation: which };
  if (dup) return { kind: 'duplicate' };
  return { kind: 'forward' };
}

/** The malformed payload. A body that is not a JSON object gets invalid JSON whatever was asked. */
export function malform(body: Uint8Array, kind: Malformation, field: string | undefined): Uint8Array {
  const text = new TextDecoder().decode(body);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const object =
    value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  if (kind === 'invalid-json' || !object)
    return new TextEncoder().encode(`${text.slice(0, Math.max(1, text.length - 1))}\u0000{`);
  const copy: Record<string, unknown> = { ...object };
  if (kind === 'missing-field' && field) delete copy[field];
  if (kind === 'wrong-type' && field) copy[field] = typeof copy[field] === 'string' ? 12345 : 'not-a-number';
  if (kind === 'unknown-version') copy.schemaVersion = 999;
  return new TextEncoder().encode(JSON.stringify(copy));
}

/** Fisher–Yates with the seeded generator. */
export function shuffle<T>(items: T[], random: Random): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomInt(random, 0, i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
