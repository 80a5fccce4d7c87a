// The lab's upstreams on the `mcp` route: an MCP server made with the official SDK (Streamable
// HTTP, two tools) behind the SDK's bearer-auth middleware and protected-resource metadata
// handler, the same server without auth, and the things that are not MCP at all: an HTML page, a
// 404, a redirect to another host and a legacy SSE-only server (the SDK's SSEServerTransport).

import type http from 'node:http';
import type net from 'node:net';
import type { RequestHandler } from 'express';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { metadataHandler } from '@modelcontextprotocol/sdk/server/auth/handlers/metadata.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { closeServer } from '../processes.js';

export const MCP_SERVER_NAME = 'mcp-tunnel-lab';
export const MCP_SCOPE = 'mcp:tools';

export type UpstreamKind = 'mcp-oauth' | 'mcp-open' | 'html' | 'not-found' | 'redirect' | 'sse-legacy';

/** What the `mcp-oauth` upstream says about itself. */
export interface ProtectedResourceShape {
  /** The protected-resource document; served as is. */
  document: Record<string, unknown>;
  /** Where it is served: the path-suffixed location (as the SDK's router does), the root one, or neither. */
  at: 'path' | 'root' | 'neither';
  /** The challenge names resource_metadata (the document's URL) only when it is served at the path. */
  challengeScope: string;
}

export interface McpUpstream {
  port: number;
  close(): Promise<void>;
}

export const REDIRECT_TARGET = 'https://login.elsewhere.example.net/start';

function labMcpServer(): McpServer {
  const server = new McpServer({ name: MCP_SERVER_NAME, version: '1.0.0' });
  server.registerTool('lab_time', { description: 'The lab server clock, ISO 8601' }, () => ({
    content: [{ type: 'text', text: new Date().toISOString() }],
  }));
  server.registerTool('lab_whoami', { description: 'The name of this lab server' }, () => ({
    content: [{ type: 'text', text: MCP_SERVER_NAME }],
  }));
  return server;
}

// Stateless Streamable HTTP: a fresh server and transport per request, as the SDK's examples do.
const streamableHandler: RequestHandler = (req, res) => {
  const server = labMcpServer();
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  res.on('close', () => {
    void transport.close();
    void server.close();
  });
  void server
    .connect(transport)
    .then(() => transport.handleRequest(req, res, req.body))
    .catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
};

/**
 * One upstream on 127.0.0.1. `publicHost` is the host the proxy routes to it
 * (mcp.<tunnel-domain>); `mcpPath` the MCP endpoint's path.
 */
export async function startMcpUpstream(
  kind: UpstreamKind,
  o: { publicHost: string; mcpPath: string; resource: ProtectedResourceShape },
): Promise<McpUpstream> {
  const app = createMcpExpressApp({ allowedHosts: [o.publicHost, '127.0.0.1', 'localhost'] });
  const origin = `https://${o.publicHost}`;
  if (kind === 'mcp-oauth') {
    const prmPath = `/.well-known/oauth-protected-resource${o.mcpPath === '/' ? '' : o.mcpPath}`;
    if (o.resource.at === 'path') app.use(prmPath, metadataHandler(o.resource.document as never));
    if (o.resource.at === 'root')
      app.use('/.well-known/oauth-protected-resource', metadataHandler(o.resource.document as never));
    const bearer = requireBearerAuth({
      // No token is ever issued in the lab (the browser leg is not run): every call is challenged.
      verifier: { verifyAccessToken: () => Promise.reject(new InvalidTokenError('Unknown token')) },
      requiredScopes: [o.resource.challengeScope],
      resourceMetadataUrl: o.resource.at === 'path' ? `${origin}${prmPath}` : undefined,
    });
    app.all(o.mcpPath, bearer, streamableHandler);
  } else if (kind === 'mcp-open') {
    app.all(o.mcpPath, streamableHandler);
  } else if (kind === 'html') {
    app.use((_req, res) => {
      res
        .status(200)
        .type('html')
        .send('<!doctype html><html><head><title>Welcome</title></head><body>It works</body></html>');
    });
  } else if (kind === 'not-found') {
    app.use((_req, res) => {
      res.status(404).type('text').send('Not Found');
    });
  } else if (kind === 'redirect') {
    app.use((_req, res) => {
      res.redirect(302, REDIRECT_TARGET);
    });
  } else {
    // The 2024-11-05 transport: GET the endpoint for an event stream whose first event names the
    // URL to POST messages to; a POST to the endpoint itself is not allowed.
    const transports = new Map<string, SSEServerTransport>();
    app.get(o.mcpPath, (_req, res) => {
      const transport = new SSEServerTransport('/messages', res);
      transports.set(transport.sessionId, transport);
      res.on('close', () => transports.delete(transport.sessionId));
      void labMcpServer().connect(transport);
    });
    app.post('/messages', (req, res) => {
      const sessionId = req.query.sessionId;
      const transport = typeof sessionId === 'string' ? transports.get(sessionId) : undefined;
      if (!transport) return void res.status(404).send('no such session');
      void transport.handlePostMessage(req, res, req.body);
    });
    app.post(o.mcpPath, (_req, res) => {
      res.status(405).set('allow', 'GET').send('Method Not Allowed');
    });
  }
  const sockets = new Set<net.Socket>();
  const server = await new Promise<http.Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return { port: (server.address() as net.AddressInfo).port, close: () => closeServer(server, sockets) };
}
