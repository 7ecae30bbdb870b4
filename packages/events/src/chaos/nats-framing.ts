/**
 * Framing of the NATS client protocol as the server sends it (INFO, MSG, HMSG, PING, PONG, +OK, -ERR), for the
 * data-chaos proxy. The parser is incremental (a frame may arrive split over any number of TCP chunks) and bounded:
 * a control line longer than the server's own limit, or a payload larger than MAX_FRAME_BYTES, is a protocol error,
 * never an unbounded buffer. Everything that is not a message passes through as the bytes it came as.
 */

/** NATS's default max_control_line. */
export const MAX_CONTROL_LINE = 4096;

/** Larger than any max_payload a server accepts (64 MB is nats-server's hard ceiling). */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024 + MAX_CONTROL_LINE;

export type ServerFrame =
  | { readonly kind: 'msg'; readonly message: NatsMessage }
  | { readonly kind: 'info'; readonly info: Record<string, unknown>; readonly raw: Buffer }
  | { readonly kind: 'other'; readonly raw: Buffer };

export interface NatsMessage {
  readonly subject: string;
  readonly sid: string;
  readonly reply?: string;
  /** The header block (`NATS/1.0\r\n…\r\n\r\n`) of an HMSG, kept byte for byte. */
  readonly headers?: Buffer;
  readonly payload: Buffer;
}

export class NatsProtocolError extends Error {
  constructor(message: string) {
    super(`NATS protocol: ${message}`);
    this.name = 'NatsProtocolError';
  }
}

const CRLF = Buffer.from('\r\n');

/** Splits the server's byte stream into frames. Feed chunks in order; each call returns the frames completed. */
export class ServerFrameParser {
  private buffer: Buffer = Buffer.alloc(0);
  /** Chunks not yet joined: a large message's chunks are joined once, when all of it is here (not once per chunk). */
  private waiting: Buffer[] = [];
  private waitingBytes = 0;
  /** Bytes the next frame needs before parsing can progress. */
  private needed = 0;

  push(chunk: Buffer): ServerFrame[] {
    this.waiting.push(chunk);
    this.waitingBytes += chunk.length;
    if (this.buffer.length + this.waitingBytes < this.needed) return [];
    this.buffer = Buffer.concat([this.buffer, ...this.waiting]);
    this.waiting = [];
    this.waitingBytes = 0;
    const frames: ServerFrame[] = [];
    for (;;) {
      const frame = this.next();
      if (!frame) break;
      frames.push(frame);
    }
    return frames;
  }

  /** Bytes received but not yet part of a whole frame. */
  get pending(): number {
    return this.buffer.length + this.waitingBytes;
  }

  private next(): ServerFrame | undefined {
    this.needed = 0;
    const end = this.buffer.indexOf(CRLF);
    if (end < 0) {
      if (this.buffer.length > MAX_CONTROL_LINE)
        throw new NatsProtocolError(`control line longer than ${MAX_CONTROL_LINE} bytes`);
      return undefined;
    }
    if (end > MAX_CONTROL_LINE) throw new NatsProtocolError(`control line longer than ${MAX_CONTROL_LINE} bytes`);
    const line = this.buffer.subarray(0, end).toString('latin1');
    const [op = '', ...args] = line.trim().split(/[ \t]+/);
    const upper = op.toUpperCase();
    if (upper === 'MSG' || upper === 'HMSG') {
      const headered = upper === 'HMSG';
      // MSG <subject> <sid> [reply-to] <#bytes> / HMSG <subject> <sid> [reply-to] <#header bytes> <#total bytes>
      const sizes = headered ? 2 : 1;
      if (args.length !== 2 + sizes && args.length !== 3 + sizes)
        throw new NatsProtocolError(`malformed ${upper} line: ${JSON.stringify(line.slice(0, 200))}`);
      const total = byteCount(args[args.length - 1]!, line);
      const headerBytes = headered ? byteCount(args[args.length - 2]!, line) : 0;
      if (headerBytes > total) throw new NatsProtocolError(`header bytes exceed total bytes in ${upper}`);
      if (total > MAX_FRAME_BYTES) throw new NatsProtocolError(`a ${total}-byte message exceeds the proxy's limit`);
      const start = end + 2;
      if (this.buffer.length < start + total + 2) {
        this.needed = start + total + 2;
        return undefined;
      }
      if (!this.buffer.subarray(start + total, start + total + 2).equals(CRLF))
        throw new NatsProtocolError(`${upper} payload is not followed by CRLF`);
      const body = Buffer.from(this.buffer.subarray(start, start + total));
      this.buffer = this.buffer.subarray(start + total + 2);
      const reply = args.length === 3 + sizes ? args[2] : undefined;
      const message: NatsMessage = {
        subject: args[0]!,
        sid: args[1]!,
        ...(reply !== undefined ? { reply } : {}),
        ...(headered ? { headers: body.subarray(0, headerBytes) } : {}),
        payload: body.subarray(headerBytes),
      };
      return { kind: 'msg', message };
    }
    const raw = Buffer.from(this.buffer.subarray(0, end + 2));
    this.buffer = this.buffer.subarray(end + 2);
    if (upper === 'INFO') {
      const json = line.slice(line.indexOf(op) + op.length).trim();
      try {
        const info = JSON.parse(json) as unknown;
        if (info && typeof info === 'object' && !Array.isArray(info))
          return { kind: 'info', info: info as Record<string, unknown>, raw };
      } catch {
        // fall through: an INFO we cannot read
      }
      throw new NatsProtocolError('INFO is not a JSON object');
    }
    return { kind: 'other', raw };
  }
}

function byteCount(text: string, line: string): number {
  if (!/^\d{1,9}$/.test(text)) throw new NatsProtocolError(`bad byte count in ${JSON.stringify(line.slice(0, 200))}`);
  return Number(text);
}

/** The wire bytes of a message, with its byte counts recomputed (a malformed payload changes its length). */
export function encodeMessage(m: NatsMessage): Buffer {
  const reply = m.reply !== undefined ? ` ${m.reply}` : '';
  const head = m.headers
    ? `HMSG ${m.subject} ${m.sid}${reply} ${m.headers.length} ${m.headers.length + m.payload.length}\r\n`
    : `MSG ${m.subject} ${m.sid}${reply} ${m.payload.length}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), ...(m.headers ? [m.headers] : []), m.payload, CRLF]);
}

export function encodeInfo(info: Record<string, unknown>): Buffer {
  return Buffer.from(`INFO ${JSON.stringify(info)}\r\n`, 'utf8');
}

/**
 * NATS subject matching: tokens split on `.`, `*` matches one token, `>` (last) one or more. Used for the
 * proxy's chosen subjects, which come from the experiment file.
 */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return i === p.length - 1 && s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}

/** A subject pattern as an experiment may give it: tokens without spaces, wildcards only as whole tokens. */
export function subjectPatternError(pattern: string): string | undefined {
  if (!pattern || pattern.length > 256) return 'must be 1 to 256 characters';
  // Whitespace and control characters would end the SUB/MSG line a subject travels in.
  if ([...pattern].some((c) => c.charCodeAt(0) < 0x21 || c.charCodeAt(0) === 0x7f))
    return 'must not contain whitespace or control characters';
  const tokens = pattern.split('.');
  if (tokens.some((t) => t === '')) return 'has an empty token';
  if (tokens.some((t) => t.length > 1 && /[*>]/.test(t))) return 'uses * or > inside a token';
  if (tokens.slice(0, -1).includes('>')) return 'uses > before the last token';
  return undefined;
}
