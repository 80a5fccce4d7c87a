// Which routes get the MCP handshake, from gatherLiveFacts with only live.mcp planned: `mcp`, keys
// starting with "mcp", --mcp-route names; the Host header <route>.<tunnel-domain>; --mcp-path.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { gatherLiveFacts } from '../../src/probes/live.js';
import { baseFacts, yamlFact } from '../harness/facts.js';

process.env.MCP_TUNNEL_LOOPBACK_ONLY = '1';
const seen: { host: string; url: string }[] = [];
let server: Server;
let port: number;

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ host: req.headers.host ?? '', url: req.url ?? '' });
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ jsonrpc: '2.0', id: 1, result: { protocolVersion: '2025-11-25', serverInfo: { name: 's' } } }),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function facts(extra = '') {
  const up = `http://127.0.0.1:${port}`;
  const text = `tunnel_domain: t.test\nroutes:\n  mcp: ${up}\n  mcp-internal: ${up}\n  wiki: ${up}\n  tools: ${up}\n${extra}`;
  return baseFacts({
    offline: false,
    proxyConfig: yamlFact('/deploy/config/mcp-proxy.yaml', text),
  });
}

const net = { edges: [], dnsServers: [], timeoutMs: 1500, budgetMs: 3000, plan: new Set(['live.mcp'] as const) };

it('sends initialize to mcp, mcp-* and --mcp-route routes only, at --mcp-path, with their Host header', async () => {
  seen.length = 0;
  const live = await gatherLiveFacts(facts('upstream:\n  allowed_ips: [127.0.0.0/8]\n'), {
    ...net,
    mcpRoutes: ['tools'],
    mcpPath: '/api/mcp',
  });
  expect(live.mcpSkipped).toBeNull();
  expect(live.mcp?.map((h) => [h.route, h.kind]).sort()).toEqual([
    ['mcp', 'mcp'],
    ['mcp-internal', 'mcp'],
    ['tools', 'mcp'],
  ]);
  expect(seen.map((s) => `${s.host} ${s.url}`).sort()).toEqual([
    'mcp-internal.t.test /api/mcp',
    'mcp.t.test /api/mcp',
    'tools.t.test /api/mcp',
  ]);
  expect(live.upstreams).toBeNull();
});

it('an upstream the IP policy refuses is not sent anything', async () => {
  seen.length = 0;
  const live = await gatherLiveFacts(facts(), net);
  expect(seen).toEqual([]);
  expect(
    live.mcp?.every((h) => h.kind === 'not-probed' && /refused by the proxy's IP policy/.test(h.detail ?? '')),
  ).toBe(true);
});
