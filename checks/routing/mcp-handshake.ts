// mcp-handshake: each MCP route's upstream answers a Streamable HTTP `initialize` the way the
// platform's client expects (MCP spec 2025-11-25, "Transports"): with an MCP result, or with a 401
// and a `WWW-Authenticate: Bearer` challenge (the OAuth checks judge the chain that follows).
// Anything else is named for what it is. Sent only to addresses the proxy's IP policy allows.

import { defineCheck } from '../../src/core/check.js';
import type { McpHandshakeFacts, McpHandshakeKind } from '../../src/core/live-facts.js';

const MESSAGE_OF_KIND = {
  mcp: 'mcp-answered',
  'auth-challenge': 'bearer-challenge',
  html: 'html-page',
  'not-found': 'mcp-path-not-found',
  redirect: 'redirect',
  'legacy-sse': 'legacy-sse-transport',
  'jsonrpc-error': 'initialize-error',
  'http-status': 'unexpected-status',
  'not-json': 'not-json-rpc',
  'connect-failed': 'no-answer',
  'not-probed': 'no-answer',
} as const satisfies Record<McpHandshakeKind, string>;

export const check = defineCheck({
  id: 'mcp-handshake',
  requires: ['live.mcp'],
  messages: {
    'mcp-answered': {
      severity: 'info',
      meaning: 'The MCP route answers initialize (info).',
      symptom: 'Route {route}: {server} answers initialize with protocol version {protocolVersion}.',
      cause: 'POST {path} with Host {hostHeader} got a JSON-RPC result naming protocolVersion and serverInfo.',
      fix: 'Nothing to do.',
    },
    'bearer-challenge': {
      severity: 'info',
      meaning: 'The MCP route asks for OAuth with a Bearer challenge (info).',
      symptom: 'Route {route}: the MCP server asks for a token (401, WWW-Authenticate: Bearer {params}).',
      cause:
        'A conforming client now walks the discovery chain (MCP authorization 2025-11-25); the OAuth checks judge it.',
      fix: 'Nothing to do here.',
    },
    'html-page': {
      severity: 'error',
      meaning: 'The MCP route answers with a web page.',
      symptom: 'The platform cannot connect: route {route} answers POST {path} with an HTML page (HTTP {status}).',
      cause:
        'The upstream of route {route} is a web server, not an MCP server at {path}: a wrong port, or the MCP ' +
        'endpoint is at another path.',
      fix: "Point route {route} at the MCP server's port, or pass --mcp-path with the path your MCP server uses.",
    },
    'mcp-path-not-found': {
      severity: 'error',
      meaning: 'The MCP route has nothing at the MCP path (404).',
      symptom: 'The platform cannot connect: route {route} answers 404 at {path}.',
      cause: 'Nothing is served at {path} on the upstream of route {route}, and no old HTTP+SSE endpoint either.',
      fix: 'Give the platform the URL your MCP server really uses (and --mcp-path to the doctor), or serve MCP at {path}.',
    },
    redirect: {
      severity: 'error',
      meaning: 'The MCP route answers initialize with a redirect.',
      symptom: 'The platform cannot connect: route {route} redirects POST {path} to {location}.',
      cause: 'HTTP {status} to {location}{leaves}; MCP clients do not follow a redirect of the initialize POST.',
      fix: 'Configure the MCP server URL in the platform as the final URL, or stop the upstream from redirecting {path}.',
    },
    'legacy-sse-transport': {
      severity: 'error',
      meaning: 'The MCP route speaks only the old HTTP+SSE transport.',
      symptom: 'Route {route} speaks only the deprecated HTTP+SSE transport ({detail}).',
      cause:
        'POST {path} was refused (HTTP {status}) and GET answered an SSE "endpoint" event: the 2024-11-05 ' +
        'transport, which the 2025-11-25 spec replaced with Streamable HTTP.',
      fix: 'Upgrade the MCP server (or its SDK) to serve Streamable HTTP at {path}.',
    },
    'initialize-error': {
      severity: 'error',
      meaning: 'The MCP server answers initialize with a JSON-RPC error.',
      symptom: 'The platform cannot connect: route {route} refuses initialize ({detail}).',
      cause: 'The MCP server rejected an initialize for protocol version 2025-11-25.',
      fix: 'Upgrade the MCP server to a version that supports protocol 2025-11-25, then read its log for the error.',
    },
    'unexpected-status': {
      severity: 'error',
      meaning: 'The MCP route answers initialize with an unexpected HTTP status.',
      symptom: 'The platform cannot connect: route {route} answers POST {path} with HTTP {status}.',
      cause: '{detail}',
      fix: "Read the upstream's log for this request; an MCP server answers initialize with 200, or 401 with a Bearer challenge.",
    },
    'not-json-rpc': {
      severity: 'error',
      meaning: 'The MCP route answers initialize without a JSON-RPC result.',
      symptom: 'The platform cannot connect: route {route} answers POST {path} with something that is not MCP.',
      cause: 'HTTP {status} ({contentType}): {detail}.',
      fix: "Point route {route} at the MCP server's Streamable HTTP endpoint.",
    },
    'no-answer': {
      severity: 'error',
      meaning: 'The MCP route gave no HTTP answer to initialize.',
      symptom: 'The platform cannot connect: route {route} gives no HTTP answer.',
      cause: '{detail}',
      fix: 'Start the MCP server, or correct the scheme, host and port of route {route}.',
    },
  },
  run({ live: { mcp } }, report) {
    for (const h of mcp) {
      if (h.failure === 'guard' || h.kind === 'not-probed') {
        report.notChecked(`route ${h.route}: ${h.detail ?? 'not probed'}`);
        continue;
      }
      report(MESSAGE_OF_KIND[h.kind], values(h), null, { evidence: evidence(h) });
    }
  },
});

function values(h: McpHandshakeFacts): Record<string, string> {
  const server = h.serverName ? `${h.serverName}${h.serverVersion ? ` ${h.serverVersion}` : ''}` : 'the MCP server';
  const params = Object.entries(h.challenge?.params ?? {})
    .map(([k, v]) => `${k}="${v}"`)
    .join(', ');
  return {
    route: h.route,
    path: h.path,
    hostHeader: h.hostHeader,
    server,
    protocolVersion: h.protocolVersion ?? '',
    params: params || '(no parameters)',
    status: String(h.httpStatus ?? ''),
    location: h.location ?? '',
    leaves: h.leavesHost ? `, another host than ${h.hostHeader}` : '',
    contentType: h.contentType ?? 'no content-type',
    detail: h.detail ?? (h.httpStatus !== null ? `HTTP ${h.httpStatus}` : 'no answer'),
  };
}

function evidence(h: McpHandshakeFacts): Record<string, unknown> {
  return {
    route: h.route,
    url: h.url,
    hostHeader: h.hostHeader,
    kind: h.kind,
    httpStatus: h.httpStatus,
    contentType: h.contentType,
    protocolVersion: h.protocolVersion,
    serverInfo: h.serverName !== null ? { name: h.serverName, version: h.serverVersion } : null,
    challenge: h.challenge?.params ?? null,
    location: h.location,
    failure: h.failure,
    latencyMs: h.latencyMs,
  };
}
