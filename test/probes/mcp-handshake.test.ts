// The MCP handshake against small HTTP servers on 127.0.0.1, one per answer a route can give.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBearerChallenge, probeMcpHandshake, sseEvents } from '../../src/probes/mcp-handshake.js';

const RESULT = {
  jsonrpc: '2.0',
  id: 1,
  result: { protocolVersion: '2025-11-25', capabilities: {}, serverInfo: { name: 'wiki', version: '1.2.0' } },
};

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

/** Routes of the test server by path: each path is one upstream behaviour. */
const handlers: Record<string, Handler> = {
  '/json': (req, body, res) => {
    seen.push({ host: req.headers.host, accept: req.headers.accept, body });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(RESULT));
  },
  // An SSE answer whose stream stays open: the probe stops at the first JSON-RPC response.
  '/sse': (_req, _body, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(': ping\n\nevent: message\ndata: {"jsonrpc":"2.0","method":"notifications/progress"}\n\n');
    res.write(`event: message\nid: 1\ndata: ${JSON.stringify(RESULT)}\n\n`);
  },
  '/auth': (_req, _body, res) => {
    res
      .writeHead(401, {
        'www-authenticate':
          'Bearer realm="mcp", resource_metadata="https://mcp.t.test/.well-known/oauth-protected-resource/auth", scope="read write"',
      })
      .end();
  },
  '/basic': (_req, _body, res) => res.writeHead(401, { 'www-authenticate': 'Basic realm="x"' }).end(),
  '/html': (_req, _body, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><p>hi</p>'),
  '/away': (_req, _body, res) => res.writeHead(302, { location: 'https://login.example.com/sso' }).end(),
  '/here': (_req, _body, res) => res.writeHead(307, { location: '/mcp/' }).end(),
  '/legacy': (req, _body, res) => {
    if (req.method === 'POST') return void res.writeHead(405).end();
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('event: endpoint\ndata: /messages?sessionId=abc\n\n');
  },
  '/error': (_req, _body, res) =>
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end('{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"Unsupported protocol version"}}'),
  '/boom': (_req, _body, res) => res.writeHead(500).end('oops'),
  '/text': (_req, _body, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('hello'),
  '/garbage': (_req, _body, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"jsonrpc":'),
  '/stall': () => undefined,
  '/huge': (_req, _body, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(Buffer.alloc(400 * 1024, 32));
  },
};

const seen: { host?: string; accept?: string; body: string }[] = [];
let server: Server;
let port: number;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const h = handlers[req.url ?? ''];
      if (h) h(req, body, res);
      else res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const probe = (path: string, timeoutMs = 2000) =>
  probeMcpHandshake(
    { route: 'mcp', scheme: 'http', host: '127.0.0.1', port, hostHeader: 'mcp.t.test', path },
    { timeoutMs },
  );

describe('probeMcpHandshake', () => {
  it('reads a JSON answer: protocol version and server, with the Host header and Accept a client sends', async () => {
    const h = await probe('/json');
    expect(h).toMatchObject({ kind: 'mcp', protocolVersion: '2025-11-25', serverName: 'wiki', serverVersion: '1.2.0' });
    const req = seen.at(-1);
    expect(req?.host).toBe('mcp.t.test');
    expect(req?.accept).toBe('application/json, text/event-stream');
    expect(JSON.parse(req?.body ?? '{}')).toMatchObject({
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', clientInfo: { name: 'mcp-tunnel' } },
    });
  });
  it('reads an SSE answer from a stream that stays open', async () => {
    const h = await probe('/sse');
    expect(h).toMatchObject({ kind: 'mcp', serverName: 'wiki' });
    expect(h.latencyMs).toBeLessThan(1500);
  });
  it('parses a Bearer challenge', async () => {
    const h = await probe('/auth');
    expect(h.kind).toBe('auth-challenge');
    expect(h.challenge).toMatchObject({
      resourceMetadata: 'https://mcp.t.test/.well-known/oauth-protected-resource/auth',
      scope: 'read write',
      error: null,
    });
  });
  it('a 401 without a Bearer challenge is a status, not a challenge', async () => {
    expect((await probe('/basic')).kind).toBe('http-status');
  });
  it('names a web page, a 404, a 500, a JSON-RPC error, plain text and broken JSON', async () => {
    expect((await probe('/html')).kind).toBe('html');
    expect(await probe('/nothing')).toMatchObject({ kind: 'not-found', httpStatus: 404 });
    expect(await probe('/boom')).toMatchObject({ kind: 'http-status', httpStatus: 500 });
    expect(await probe('/error')).toMatchObject({ kind: 'jsonrpc-error', detail: expect.stringContaining('-32602') });
    expect((await probe('/text')).kind).toBe('not-json');
    expect((await probe('/garbage')).kind).toBe('not-json');
  });
  it('does not follow a redirect, and says whether it leaves the host', async () => {
    expect(await probe('/away')).toMatchObject({
      kind: 'redirect',
      location: 'https://login.example.com/sso',
      leavesHost: true,
    });
    expect(await probe('/here')).toMatchObject({ kind: 'redirect', leavesHost: false });
  });
  it('tells the old HTTP+SSE transport', async () => {
    expect(await probe('/legacy')).toMatchObject({ kind: 'legacy-sse', httpStatus: 405 });
  });
  it('a stalled upstream is a timeout, a huge one is cut at the cap', async () => {
    expect(await probe('/stall', 300)).toMatchObject({ kind: 'connect-failed', failure: 'timeout' });
    expect(await probe('/huge')).toMatchObject({ kind: 'not-json', failure: 'too-large' });
  });
  it('a closed port is refused', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const free = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const h = await probeMcpHandshake(
      { route: 'mcp', scheme: 'http', host: '127.0.0.1', port: free, hostHeader: 'mcp.t.test', path: '/mcp' },
      { timeoutMs: 1000 },
    );
    expect(h).toMatchObject({ kind: 'connect-failed', failure: 'refused' });
  });
  it('never dials outside loopback under the guard', async () => {
    const h = await probeMcpHandshake(
      { route: 'mcp', scheme: 'http', host: '192.0.2.1', port: 80, hostHeader: 'mcp.t.test', path: '/mcp' },
      { timeoutMs: 1000 },
    );
    expect(h.failure).toBe('guard');
  });
});

describe('parseBearerChallenge (RFC 6750 section 3)', () => {
  it('finds Bearer among other challenges and reads quoted and token values', () => {
    const c = parseBearerChallenge('Basic realm="a", Bearer error=invalid_token, error_description="bad \\"x\\""');
    expect(c?.params).toEqual({ error: 'invalid_token', error_description: 'bad "x"' });
    expect(parseBearerChallenge('Basic realm="a"')).toBeNull();
    expect(parseBearerChallenge('bearer')?.params).toEqual({});
  });
});

describe('sseEvents', () => {
  it('joins data lines and ignores an unfinished event', () => {
    expect(sseEvents('event: endpoint\r\ndata: /a\r\ndata: b\r\n\r\ndata: half')).toEqual([
      { event: 'endpoint', data: '/a\nb' },
    ]);
  });
});
