/**
 * A programmable loopback stand-in for GitHub's Actions cache service, speaking what @actions/cache 6 speaks when
 * ACTIONS_CACHE_SERVICE_V2 is set: the Twirp JSON API under ACTIONS_RESULTS_URL
 * (GetCacheEntryDownloadURL, CreateCacheEntry, FinalizeCacheEntryUpload), a signed upload URL that the Azure
 * Blob SDK PUTs the archive to (BlockBlobClient.uploadFile: one Put Blob for small archives), and a signed
 * download URL the library GETs with its own HTTP client (the URL is not *.blob.core.windows.net). The real cache
 * is unreachable from here; this serves the real library so its real retries, timeouts and tar handling run.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type CacheFault =
  | 'none'
  /** Every Twirp call answers 429 (the library does not retry it). */
  | 'rate-limit'
  /** Every Twirp call answers 503 (the library retries 5 times with growing pauses). */
  | 'unavailable'
  /** Every Twirp call gets its connection reset. */
  | 'reset'
  /** The archive download sends its headers, then stalls forever. */
  | 'stuck-download'
  /** The archive download returns bytes that are not an archive. */
  | 'corrupt-archive'
  /** CreateCacheEntry answers 409 (another job is creating this cache). */
  | 'reserve-conflict'
  /** CreateCacheEntry refuses: the token is read-only (an untrusted trigger). */
  | 'write-denied';

interface Entry {
  key: string;
  version: string;
  data: Buffer;
  finalized: boolean;
  created: number;
}

export interface FakeCache {
  url: string;
  /** Environment that points @actions/cache at this service. */
  env: Record<string, string>;
  fault: CacheFault;
  entries: Entry[];
  /** Twirp method names and blob requests, in order. */
  calls: string[];
  close(): Promise<void>;
}

const SERVICE = '/twirp/github.actions.results.api.v1.CacheService/';

function body(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export async function startFakeCache(): Promise<FakeCache> {
  const entries: Entry[] = [];
  const calls: string[] = [];
  const sockets = new Set<Socket>();
  let url = '';
  const state = { fault: 'none' as CacheFault };

  const server = createServer((req, res) => {
    void (async () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const payload = await body(req);
      if (path.startsWith(SERVICE)) {
        const method = path.slice(SERVICE.length);
        calls.push(method);
        if (state.fault === 'rate-limit') return json(res, 429, { code: 'resource_exhausted', msg: 'rate limited' });
        if (state.fault === 'unavailable') return json(res, 503, { code: 'unavailable', msg: 'try later' });
        if (state.fault === 'reset') return req.socket.destroy();
        const request = JSON.parse(payload.toString('utf8') || '{}') as {
          key?: string;
          version?: string;
          restoreKeys?: string[];
          restore_keys?: string[];
        };
        if (method === 'GetCacheEntryDownloadURL') {
          const usable = entries
            .filter((e) => e.finalized && e.version === request.version)
            .sort((a, b) => b.created - a.created);
          const match =
            usable.find((e) => e.key === request.key) ??
            (request.restoreKeys ?? request.restore_keys ?? [])
              .map((p) => usable.find((e) => e.key.startsWith(p)))
              .find(Boolean);
          if (!match) return json(res, 200, { ok: false });
          return json(res, 200, {
            ok: true,
            signedDownloadUrl: `${url}blob/${entries.indexOf(match)}?sig=read`,
            matchedKey: match.key,
          });
        }
        if (method === 'CreateCacheEntry') {
          if (state.fault === 'reserve-conflict')
            return json(res, 409, { code: 'already_exists', msg: 'cache entry already exists' });
          if (state.fault === 'write-denied')
            return json(res, 200, { ok: false, message: 'cache write denied: the token is read-only' });
          entries.push({
            key: request.key ?? '',
            version: request.version ?? '',
            data: Buffer.alloc(0),
            finalized: false,
            created: Date.now() + entries.length,
          });
          return json(res, 200, {
            ok: true,
            signedUploadUrl: `${url}upload/container/${entries.length - 1}?sig=write`,
          });
        }
        if (method === 'FinalizeCacheEntryUpload') {
          const entry = entries.find((e) => e.key === request.key && e.version === request.version && !e.finalized);
          if (!entry) return json(res, 200, { ok: false, message: 'no such upload' });
          entry.finalized = true;
          return json(res, 200, { ok: true, entryId: String(entries.indexOf(entry) + 1) });
        }
        return json(res, 404, { code: 'bad_route', msg: method });
      }
      const upload = /^\/upload\/container\/(\d+)$/.exec(path);
      if (upload && req.method === 'PUT') {
        calls.push('upload');
        const entry = entries[Number(upload[1])];
        if (!entry) return json(res, 404, {});
        entry.data = Buffer.concat([entry.data, payload]);
        res.writeHead(201, {
          etag: '"0x1"',
          'last-modified': new Date().toUTCString(),
          'x-ms-request-id': '00000000-0000-0000-0000-000000000000',
          'x-ms-version': '2025-01-05',
          'x-ms-request-server-encrypted': 'true',
          'content-length': '0',
        });
        return res.end();
      }
      const blob = /^\/blob\/(\d+)$/.exec(path);
      if (blob && req.method === 'GET') {
        calls.push('download');
        const entry = entries[Number(blob[1])];
        if (!entry) return json(res, 404, {});
        if (state.fault === 'stuck-download') {
          res.writeHead(200, { 'content-length': String(entry.data.length) });
          res.write(entry.data.subarray(0, 10));
          return; // never finishes
        }
        const data =
          state.fault === 'corrupt-archive'
            ? Buffer.from('this is not a tar archive at all, just bytes\n'.repeat(20))
            : entry.data;
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(data.length) });
        return res.end(data);
      }
      json(res, 404, {});
    })().catch(() => res.destroy());
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const fake: FakeCache = {
    url,
    env: { ACTIONS_CACHE_SERVICE_V2: 'true', ACTIONS_RESULTS_URL: url, ACTIONS_RUNTIME_TOKEN: 'fake-runtime-token' },
    get fault() {
      return state.fault;
    },
    set fault(value: CacheFault) {
      state.fault = value;
    },
    entries,
    calls,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}
