/**
 * Secret registration. The runner masks a registered value in the log, but only as it appears: a multi-line PEM
 * is masked line by line only if each line is registered (CVE-2021-32074 shows what happens otherwise). Every
 * secret is registered here before its first use; masking covers logs only, so callers still never put a secret
 * in an API payload.
 */
export type RegisterSecret = (value: string) => void;

/** Lines shorter than this are not registered alone: masking "a" or "}" would shred the whole log. */
const MIN_LINE_LENGTH = 6;

/** The pieces of a secret that must be masked: the whole value and every substantial line of it. */
export function secretPieces(value: string): string[] {
  const pieces = new Set<string>();
  const whole = value.trim();
  if (whole === '') return [];
  pieces.add(whole);
  for (const line of whole.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed.length >= MIN_LINE_LENGTH) pieces.add(trimmed);
  }
  return [...pieces];
}

/** Registers a secret and its lines with the given registrar (core.setSecret in actions). */
export function maskSecret(register: RegisterSecret, value: string | undefined): void {
  if (!value) return;
  for (const piece of secretPieces(value)) register(piece);
}
