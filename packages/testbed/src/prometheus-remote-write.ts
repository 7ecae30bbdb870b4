// Prometheus remote write (protocol 1.0) without dependencies: a hand-rolled protobuf WriteRequest in a
// snappy block of literals (valid snappy, just uncompressed). Lets tests load hours or days of samples
// in one request; the test bed's Prometheus accepts old samples thanks to its out-of-order window.

export interface RemoteWriteSeries {
  /** Must include __name__. */
  labels: Record<string, string>;
  /** [timestamp in ms, value] pairs, oldest first. */
  samples: [number, number][];
}

function varint(n: number): number[] {
  // Non-negative integers up to 2^53; plain arithmetic because bitwise ops truncate to 32 bits.
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}

function field(no: number, payload: Uint8Array): number[] {
  return [...varint((no << 3) | 2), ...varint(payload.length), ...payload];
}

function encodeSeries(s: RemoteWriteSeries): Uint8Array {
  const bytes: number[] = [];
  const enc = new TextEncoder();
  for (const name of Object.keys(s.labels).sort()) {
    const label = [...field(1, enc.encode(name)), ...field(2, enc.encode(s.labels[name] ?? ''))];
    bytes.push(...field(1, Uint8Array.from(label)));
  }
  for (const [ts, value] of s.samples) {
    const dv = new DataView(new ArrayBuffer(8));
    dv.setFloat64(0, value, true);
    const sample = [(1 << 3) | 1, ...new Uint8Array(dv.buffer), (2 << 3) | 0, ...varint(ts)];
    bytes.push(...field(2, Uint8Array.from(sample)));
  }
  return Uint8Array.from(bytes);
}

export function encodeWriteRequest(series: RemoteWriteSeries[]): Uint8Array {
  const out: number[] = [];
  for (const s of series) out.push(...field(1, encodeSeries(s)));
  return Uint8Array.from(out);
}

/** Snappy block format with one literal per 64 KiB chunk. */
export function snappyLiteral(data: Uint8Array): Uint8Array {
  const out: number[] = [...varint(data.length)];
  for (let off = 0; off < data.length; off += 65536) {
    const chunk = data.subarray(off, Math.min(off + 65536, data.length));
    const n = chunk.length - 1;
    if (n < 60) out.push(n << 2);
    else if (n < 0x100) out.push(60 << 2, n);
    else out.push(61 << 2, n & 0xff, n >> 8);
    for (const b of chunk) out.push(b);
  }
  return Uint8Array.from(out);
}

/** POSTs the series to `${prometheusUrl}/api/v1/write` (needs --web.enable-remote-write-receiver). */
export async function remoteWrite(prometheusUrl: string, series: RemoteWriteSeries[]): Promise<void> {
  const res = await fetch(`${prometheusUrl}/api/v1/write`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-protobuf',
      'content-encoding': 'snappy',
      'x-prometheus-remote-write-version': '0.1.0',
    },
    body: snappyLiteral(encodeWriteRequest(series)),
  });
  if (!res.ok) throw new Error(`remote write failed: ${res.status} ${await res.text()}`);
}
