import { neutralize, stripControls } from '@gauntlet/action-kit';

/**
 * Keeps the secrets a client was given and scrubs them from any text we produce (error summaries, reasons).
 * Masking in the runner only covers the log and only the raw form, so we also scrub the forms a secret takes on
 * its way through HTTP: URL-encoded, base64 (at the three alignments) and JSON-escaped.
 */
export class SecretRedactor {
  private readonly forms = new Set<string>();

  add(secret: string): void {
    if (!secret) return;
    for (const form of encodings(secret)) if (form.length >= 3) this.forms.add(form);
  }

  redact(text: string): string {
    let out = text;
    // Longest first, so a secret that contains another is replaced whole.
    for (const form of [...this.forms].sort((a, b) => b.length - a.length)) out = out.split(form).join('***');
    return out;
  }
}

function encodings(secret: string): string[] {
  // The control-free form too: a secret holding a control character reaches our text without it once stripped.
  const out = [secret, stripControls(secret), encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)];
  const bytes = Buffer.byteLength(secret);
  for (let shift = 0; shift < 3; shift += 1) {
    // Base64 of the secret at each byte alignment, keeping only the 4-character groups made of secret bytes alone
    // (the first group mixes with whatever precedes it, the last with whatever follows).
    const b64 = Buffer.from('x'.repeat(shift) + secret).toString('base64');
    const stable = b64.slice(shift === 0 ? 0 : 4, Math.floor((shift + bytes) / 3) * 4);
    if (stable.length >= 8) out.push(stable);
  }
  return out;
}

/**
 * Untrusted server text (Prometheus error messages, HTML bodies) made safe for a one-line summary: no workflow
 * commands, no controls, no secrets, bounded length. Controls are stripped BEFORE the last redaction: a server that
 * echoes `tok<BEL>en` would otherwise pass redaction and come out as `token` once the BEL is gone. Redacting the raw
 * text first also catches a secret that itself holds a control character; neutralising and flattening come after,
 * since the zero-width space they insert into `::` would split a secret that redaction must still see whole.
 */
export function summarizeServerText(text: string, redactor: SecretRedactor, max = 300): string {
  const clean = redactor.redact(stripControls(redactor.redact(text)));
  const flat = neutralize(clean).replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}
