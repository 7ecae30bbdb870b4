import http from 'node:http';
import net from 'node:net';

/**
 * A real forward HTTP proxy on 127.0.0.1 for tests: absolute-URI requests are forwarded (plain http targets) and
 * CONNECT opens a TCP tunnel (https targets), as squid or tinyproxy do. It reaches loopback targets only and
 * refuses any other (403), records what it was asked, and can demand Basic proxy credentials (407 without them).
 */
export interface ProxiedRequest {
  /** GET/POST for forwarded requests, CONNECT for tunnels. */
  readonly method: string;
  /** The absolute URL (forwarded) or host:port (CONNECT). */
  readonly target: string;
  /** The Proxy-Authorization header as received. */
  readonly proxyAuthorization?: string;
  /** The Authorization header the proxy could read (forwarded requests only: a tunnel hides it). */
  readonly authorization?: string;
  readonly status: number;
}

export interface ForwardProxy {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  readonly requests: ProxiedRequest[];
  close(): Promise<void>;
}

export interface ForwardProxyOptions {
  /** Demand these Basic credentials; without them the proxy answers 407. */
  readonly credentials?: { readonly username: string; readonly password: string };
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export async function startForwardProxy(options: ForwardProxyOptions = {}): Promise<ForwardProxy> {
  const requests: ProxiedRequest[] = [];
  const sockets = new Set<net.Socket>();
  const expected = options.credentials
    ? `Basic ${Buffer.from(`${options.credentials.username}:${options.credentials.password}`).toString('base64')}`
    : undefined;
  const authorized = (header: string | undefined): boolean => expected === undefined || header === expected;

  const server = http.createServer((req, res) => {
    const proxyAuthorization = req.headers['proxy-authorization'];
    const record = (status: number): void => {
      requests.push({
        method: req.method ?? '',
        target: req.url ?? '',
        ...(proxyAuthorization ? { proxyAuthorization } : {}),
        ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
        status,
      });
    };
    if (!authorized(proxyAuthorization)) {
      record(407);
      res.writeHead(407, { 'Proxy-Authenticate': 'Basic realm="test"', 'Content-Type': 'text/plain' });
      res.end('proxy authentication required');
      return;
    }
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      record(400);
      res.writeHead(400).end('absolute URL expected');
      return;
    }
    if (target.protocol !== 'http:' || !LOOPBACK.has(target.hostname)) {
      record(403);
      res.writeHead(403).end('loopback http targets only');
      return;
    }
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const upstream = http.request(
      {
        host: target.hostname,
        port: target.port || 80,
        path: `${target.pathname}${target.search}`,
        method: req.method,
        headers,
      },
      (answer) => {
        record(answer.statusCode ?? 502);
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      record(502);
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });

  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    const proxyAuthorization = req.headers['proxy-authorization'];
    const target = req.url ?? '';
    const record = (status: number): void => {
      requests.push({ method: 'CONNECT', target, ...(proxyAuthorization ? { proxyAuthorization } : {}), status });
    };
    if (!authorized(proxyAuthorization)) {
      record(407);
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\n\r\n');
      return;
    }
    const colon = target.lastIndexOf(':');
    const host = target.slice(0, colon);
    const port = Number(target.slice(colon + 1));
    if (!LOOPBACK.has(host) || !Number.isInteger(port) || port <= 0) {
      record(403);
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const upstream = net.connect({ host: host.replace(/^\[|\]$/g, ''), port }, () => {
      record(200);
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => {
      if (!client.destroyed && client.bytesWritten === 0) {
        record(502);
        client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
      } else client.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
