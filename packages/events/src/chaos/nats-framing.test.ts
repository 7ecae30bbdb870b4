import { describe, expect, it } from 'vitest';
import { seededRandom, randomInt } from '@gauntlet/action-kit';
import {
  encodeMessage,
  MAX_CONTROL_LINE,
  NatsProtocolError,
  ServerFrameParser,
  subjectMatches,
  subjectPatternError,
  type ServerFrame,
} from './nats-framing.js';

const stream = Buffer.concat([
  Buffer.from('INFO {"server_id":"x","max_payload":1048576,"connect_urls":["10.0.0.9:4222"]}\r\n'),
  Buffer.from('+OK\r\nPING\r\n'),
  Buffer.from('MSG orders.in 1 5\r\nhello\r\n'),
  Buffer.from('msg orders.in 1 _INBOX.abc 0\r\n\r\n'),
  Buffer.from('HMSG orders.in 2 $JS.ACK.S.C.1.1.1.1.0 18 23\r\nNATS/1.0\r\nA: b\r\n\r\nworld\r\n'),
  Buffer.from("-ERR 'Unknown Protocol Operation'\r\n"),
  // A payload that contains CRLF and a fake control line must not be split there.
  Buffer.from('MSG a.b 3 20\r\n\r\nMSG x 1 3\r\nabc\r\n..\r\n'),
]);

function describeFrames(frames: ServerFrame[]): string[] {
  return frames.map((f) =>
    f.kind === 'msg'
      ? `msg ${f.message.subject} ${f.message.sid} ${f.message.reply ?? '-'} h=${f.message.headers?.length ?? '-'} ${JSON.stringify(f.message.payload.toString())}`
      : f.kind === 'info'
        ? `info ${Object.keys(f.info).join(',')}`
        : `other ${JSON.stringify(f.raw.toString())}`,
  );
}

const expected = [
  'info server_id,max_payload,connect_urls',
  'other "+OK\\r\\n"',
  'other "PING\\r\\n"',
  'msg orders.in 1 - h=- "hello"',
  'msg orders.in 1 _INBOX.abc h=- ""',
  'msg orders.in 2 $JS.ACK.S.C.1.1.1.1.0 h=18 "world"',
  'other "-ERR \'Unknown Protocol Operation\'\\r\\n"',
  'msg a.b 3 - h=- "\\r\\nMSG x 1 3\\r\\nabc\\r\\n.."',
];

describe('ServerFrameParser', () => {
  it('parses every op in one chunk', () => {
    expect(describeFrames(new ServerFrameParser().push(stream))).toEqual(expected);
  });

  it('gives the same frames whatever the chunking (split at every byte, and at random)', () => {
    const bytewise = new ServerFrameParser();
    const frames: ServerFrame[] = [];
    for (let i = 0; i < stream.length; i++) frames.push(...bytewise.push(stream.subarray(i, i + 1)));
    expect(describeFrames(frames)).toEqual(expected);
    const random = seededRandom(7);
    for (let trial = 0; trial < 50; trial++) {
      const parser = new ServerFrameParser();
      const got: ServerFrame[] = [];
      for (let at = 0; at < stream.length;) {
        const n = randomInt(random, 1, 40);
        got.push(...parser.push(stream.subarray(at, at + n)));
        at += n;
      }
      expect(describeFrames(got)).toEqual(expected);
      expect(parser.pending).toBe(0);
    }
  });

  it('re-encodes a message byte for byte, and recomputes counts when the payload changes', () => {
    const [msg] = new ServerFrameParser().push(
      Buffer.from('HMSG orders.in 2 $JS.ACK.x 18 23\r\nNATS/1.0\r\nA: b\r\n\r\nworld\r\n'),
    );
    if (msg?.kind !== 'msg') throw new Error('not a message');
    expect(encodeMessage(msg.message).toString()).toBe(
      'HMSG orders.in 2 $JS.ACK.x 18 23\r\nNATS/1.0\r\nA: b\r\n\r\nworld\r\n',
    );
    const changed = encodeMessage({ ...msg.message, payload: Buffer.from('{}') });
    expect(changed.toString()).toBe('HMSG orders.in 2 $JS.ACK.x 18 20\r\nNATS/1.0\r\nA: b\r\n\r\n{}\r\n');
    const [again] = new ServerFrameParser().push(changed);
    expect(again?.kind === 'msg' && again.message.payload.toString()).toBe('{}');
  });

  it('refuses what would grow without bound or is not NATS', () => {
    expect(() => new ServerFrameParser().push(Buffer.alloc(MAX_CONTROL_LINE + 1, 0x41))).toThrow(NatsProtocolError);
    expect(() => new ServerFrameParser().push(Buffer.from('MSG a 1 99999999999\r\n'))).toThrow(/byte count/);
    expect(() => new ServerFrameParser().push(Buffer.from('MSG a 1 3\r\nabcXY'))).toThrow(/not followed by CRLF/);
    expect(() => new ServerFrameParser().push(Buffer.from('HMSG a 1 9 3\r\n'))).toThrow(/header bytes exceed/);
    expect(() => new ServerFrameParser().push(Buffer.from('MSG a\r\n'))).toThrow(/malformed MSG/);
    expect(() => new ServerFrameParser().push(Buffer.from('INFO nope\r\n'))).toThrow(/INFO/);
  });

  it('waits for a large payload without joining its chunks each time', () => {
    const parser = new ServerFrameParser();
    const size = 4 * 1024 * 1024;
    expect(parser.push(Buffer.from(`MSG big 1 ${size}\r\n`))).toEqual([]);
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let frames: ServerFrame[] = [];
    for (let sent = 0; sent < size; sent += chunk.length) frames = parser.push(chunk);
    expect(frames).toEqual([]);
    frames = parser.push(Buffer.from('\r\n'));
    expect(frames).toHaveLength(1);
    expect(frames[0]!.kind === 'msg' && frames[0]!.message.payload.length).toBe(size);
  });
});

describe('subjects', () => {
  it.each([
    ['orders.in', 'orders.in', true],
    ['orders.*', 'orders.in', true],
    ['orders.*', 'orders.in.x', false],
    ['orders.>', 'orders.in.x', true],
    ['orders.>', 'orders', false],
    ['>', 'a', true],
    ['*.in', 'orders.in', true],
    ['orders.in', 'orders.inx', false],
  ])('%s matches %s: %s', (pattern, subject, match) => {
    expect(subjectMatches(pattern, subject)).toBe(match);
  });

  it('refuses patterns NATS would not accept', () => {
    expect(subjectPatternError('orders.in')).toBeUndefined();
    expect(subjectPatternError('')).toMatch(/1 to 256/);
    expect(subjectPatternError('a b')).toMatch(/whitespace/);
    expect(subjectPatternError('a..b')).toMatch(/empty token/);
    expect(subjectPatternError('a.b*')).toMatch(/inside a token/);
    expect(subjectPatternError('a.>.b')).toMatch(/before the last/);
    expect(subjectPatternError('a\r\nPUB x')).toMatch(/whitespace/);
  });
});
