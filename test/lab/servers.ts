// Small loopback servers that play the lab's misbehaving parts: one that accepts and stalls,
// one that resets, a plain HTTP listener without WebSocket, a TLS listener, an HTTP server with
// the OAuth documents, and a fake vendor API for the CA registration.

import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { closeServer } from './processes.js';

export interface LabServer {
  port: number;
  host: string;
  /** Requests seen (method, url, headers), for assertions. */
  requests: { method: string; url: string; headers: http.IncomingHttpHeaders }[];
  close(): Promise<void>;
}

async function listen(server: net.Server, host = '127.0.0.1'): Promise<{ port: number; sockets: Set<net.Socket> }> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, host, () => resolve()));
  return { port: (server.address() as net.AddressInfo).port, sockets };
}

/** Accepts TCP connections and never says a word (a middlebox holding the handshake). */
export async function startStallServer(): Promise<LabServer> {
  const server = net.createServer(() => undefined);
  const { port, sockets } = await listen(server);
  return { port, host: '127.0.0.1', requests: [], close: () => closeServer(server, sockets) };
}

/** Accepts, waits for the first bytes (or a moment), then resets the connection (TCP RST). */
export async function startResetServer(): Promise<LabServer> {
  const server = net.createServer((s) => {
    const reset = () => s.resetAndDestroy();
    s.once('data', reset);
    setTimeout(reset, 50).unref();
  });
  const { port, sockets } = await listen(server);
  return { port, host: '127.0.0.1', requests: [], close: () => closeServer(server, sockets) };
}

/** A plain HTTP server that answers everything, upgrade requests included, with `status`. */
export async function startPlainHttpServer(status = 200, body = 'hello'): Promise<LabServer> {
  const requests: LabServer['requests'] = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
  });
  // Node's http server hands upgrade requests to 'upgrade' listeners; with none it answers
  // like any request, which is what a listener without WebSocket support does.
  const { port, sockets } = await listen(server);
  return { port, host: '127.0.0.1', requests, close: () => closeServer(server, sockets) };
}

/** A listener that speaks TLS directly (what `curl https://` would like the proxy to be). */
export async function startTlsDirectServer(certPem: string, keyPem: string): Promise<LabServer> {
  const server = tls.createServer({ cert: certPem, key: keyPem }, (s) => s.end('hello over TLS\n'));
  server.on('tlsClientError', () => undefined);
  const { port, sockets } = await listen(server);
  return { port, host: '127.0.0.1', requests: [], close: () => closeServer(server, sockets) };
}

/** An HTTP server with fixed JSON (or raw) answers per path; 404 elsewhere. */
export async function startJsonServer(
  routes: Record<string, { status?: number; body: unknown; headers?: Record<string, string> }>,
): Promise<LabServer> {
  const requests: LabServer['requests'] = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const r = routes[path];
    if (!r) return res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    const text = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
    res.writeHead(r.status ?? 200, { 'content-type': 'application/json', ...r.headers }).end(text);
  });
  const { port, sockets } = await listen(server);
  return { port, host: '127.0.0.1', requests, close: () => closeServer(server, sockets) };
}

/** The well-known documents of a healthy split-discovery setup for `domain`. */
export function oauthDocuments(domain: string): {
  metadata: Record<string, unknown>;
  resource: Record<string, unknown>;
} {
  return {
    metadata: {
      issuer: `https://auth.${domain}`,
      authorization_endpoint: 'https://login.example.com/authorize',
      token_endpoint: `https://auth.${domain}/token`,
      registration_endpoint: `https://auth.${domain}/register`,
      code_challenge_methods_supported: ['S256'],
    },
    resource: { resource: `https://mcp.${domain}`, authorization_servers: [`https://auth.${domain}`] },
  };
}

/** The vendor API's certificate list for one tunnel, requiring the three headers. */
export async function startFakeVendorApi(o: {
  tunnelId: string;
  apiKey: string;
  certificates: Record<string, unknown>[];
}): Promise<LabServer> {
  const requests: LabServer['requests'] = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.headers['x-api-key'] !== o.apiKey)
      return json(401, { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } });
    if (
      req.headers['anthropic-version'] !== '2023-06-01' ||
      !String(req.headers['anthropic-beta'] ?? '').includes('mcp-tunnels-')
    )
      return json(400, {
        type: 'error',
        error: { type: 'invalid_request_error', message: 'missing version or beta header' },
      });
    if (req.url !== `/v1/tunnels/${o.tunnelId}/certificates`)
      return json(404, { type: 'error', error: { type: 'not_found_error', message: 'no such tunnel' } });
    json(200, { data: o.certificates, has_more: false });
  });
  const { port, sockets } = await listen(server);
  return { port, host: '127.0.0.1', requests, close: () => closeServer(server, sockets) };
}
