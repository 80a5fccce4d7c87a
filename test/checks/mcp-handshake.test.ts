import { expect } from 'vitest';
import { check } from '../../checks/routing/mcp-handshake.js';
import type { McpHandshakeFacts } from '../../src/core/live-facts.js';
import { testCheck } from '../harness/check-tester.js';
import { withLive } from '../lab/live-facts.js';

function handshake(fields: Partial<McpHandshakeFacts>): McpHandshakeFacts {
  return {
    route: 'mcp',
    url: 'http://10.0.0.5:8080/mcp',
    hostHeader: 'mcp.example.tunnel.test',
    path: '/mcp',
    kind: 'mcp',
    httpStatus: 200,
    contentType: 'application/json',
    protocolVersion: '2025-11-25',
    serverName: 'wiki',
    serverVersion: '1.2.0',
    challenge: null,
    location: null,
    leavesHost: null,
    failure: null,
    detail: null,
    latencyMs: 4,
    ...fields,
  };
}

const run = (...fields: Partial<McpHandshakeFacts>[]) => withLive({ mcp: fields.map(handshake) });
const noAnswer = { kind: 'connect-failed', httpStatus: null, contentType: null, protocolVersion: null } as const;

testCheck(check, {
  pass: [
    { name: 'an MCP answer', facts: run({}), info: ['mcp-answered'] },
    {
      name: 'a Bearer challenge (the OAuth checks judge the chain)',
      facts: run({
        kind: 'auth-challenge',
        httpStatus: 401,
        protocolVersion: null,
        challenge: {
          params: { resource_metadata: 'https://mcp.example.tunnel.test/.well-known/oauth-protected-resource/mcp' },
          resourceMetadata: 'https://mcp.example.tunnel.test/.well-known/oauth-protected-resource/mcp',
          scope: null,
          error: null,
        },
      }),
      info: ['bearer-challenge'],
    },
    {
      name: 'a route the loopback guard kept the doctor from is not checked',
      facts: run(
        {},
        { ...noAnswer, route: 'mcp-internal', failure: 'guard', detail: 'refused by loopback-only guard' },
      ),
      info: ['mcp-answered'],
      notChecked: 'route mcp-internal: refused by loopback-only guard',
    },
  ],
  fail: [
    {
      name: 'a web page',
      facts: run({ kind: 'html', contentType: 'text/html', protocolVersion: null }),
      status: 'fail',
      messageIds: ['html-page'],
    },
    {
      name: 'a 404 at the MCP path',
      facts: run({ kind: 'not-found', httpStatus: 404, protocolVersion: null }),
      status: 'fail',
      messageIds: ['mcp-path-not-found'],
    },
    {
      name: 'a redirect to another host',
      facts: run({
        kind: 'redirect',
        httpStatus: 302,
        location: 'https://login.example.com/',
        leavesHost: true,
        protocolVersion: null,
      }),
      status: 'fail',
      messageIds: ['redirect'],
      assert: (f) => expect(f[0]?.cause).toContain('another host than mcp.example.tunnel.test'),
    },
    {
      name: 'the old HTTP+SSE transport',
      facts: run({ kind: 'legacy-sse', httpStatus: 405, protocolVersion: null, detail: 'endpoint /messages' }),
      status: 'fail',
      messageIds: ['legacy-sse-transport'],
    },
    {
      name: 'a JSON-RPC error',
      facts: run({ kind: 'jsonrpc-error', protocolVersion: null, detail: 'JSON-RPC error -32600: bad' }),
      status: 'fail',
      messageIds: ['initialize-error'],
    },
    {
      name: 'a 500',
      facts: run({ kind: 'http-status', httpStatus: 500, protocolVersion: null }),
      status: 'fail',
      messageIds: ['unexpected-status'],
    },
    {
      name: 'not JSON-RPC',
      facts: run({ kind: 'not-json', contentType: 'text/plain', protocolVersion: null, detail: 'no answer' }),
      status: 'fail',
      messageIds: ['not-json-rpc'],
    },
    {
      name: 'connection refused, one route of two',
      facts: run({}, { ...noAnswer, route: 'mcp-internal', failure: 'refused', detail: 'connection refused' }),
      status: 'fail',
      messageIds: ['no-answer'],
      assert: (f) => expect(f.find((x) => x.messageId === 'no-answer')?.symptom).toContain('mcp-internal'),
    },
  ],
  skip: [
    {
      name: 'no MCP route',
      facts: withLive({ mcp: null, mcpSkipped: 'the proxy config has no MCP route' }),
      reason: 'no MCP route',
    },
  ],
});
