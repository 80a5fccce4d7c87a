// The discovery chain as a conforming client walks it, against local servers standing in for the
// mcp and auth routes' upstreams: the order of the URLs, path insertion, the Host header, and a URL
// off the tunnel that is not fetched.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authorizationServerMetadataUrls,
  judgeResourceIdentity,
  protectedResourceMetadataUrls,
} from '../../src/model/oauth-chain.js';
import { startDeadline } from '../../src/probes/deadline.js';
import { httpExchange } from '../../src/probes/http-exchange.js';
import { gatherLiveFacts } from '../../src/probes/live.js';
import { baseFacts, yamlFact } from '../harness/facts.js';

process.env.MCP_TUNNEL_LOOPBACK_ONLY = '1';
const D = 't.test';
const seen: string[] = [];
/** What the upstream serves, per test: path -> [status, body, headers]. */
let routes: Record<string, [number, string, Record<string, string>?]> = {};
let server: Server;
let port: number;

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(`${req.method} ${req.headers.host} ${req.url}`);
    req.resume();
    const r = routes[`${req.method} ${req.headers.host}${req.url}`];
    if (!r) return void res.writeHead(404).end();
    res.writeHead(r[0], { 'content-type': 'application/json', ...r[2] }).end(r[1]);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function facts() {
  const up = `http://127.0.0.1:${port}`;
  const text = `tunnel_domain: ${D}\nroutes:\n  mcp: ${up}\n  auth: ${up}\nupstream:\n  allowed_ips: [127.0.0.0/8]\n`;
  return baseFacts({ offline: false, proxyConfig: yamlFact('/deploy/config/mcp-proxy.yaml', text) });
}
const walk = () =>
  gatherLiveFacts(facts(), {
    edges: [],
    dnsServers: [],
    timeoutMs: 1500,
    budgetMs: 3000,
    plan: new Set(['live.oauthChain'] as const),
  });
const challenge = (params: string) => ({ 'www-authenticate': `Bearer ${params}` });

describe('the chain walk', () => {
  it('no resource_metadata: the path-suffixed then the root URL; the issuer path inserted, then OpenID', async () => {
    seen.length = 0;
    routes = {
      [`POST mcp.${D}/mcp`]: [401, '', challenge('scope="read"')],
      [`GET mcp.${D}/.well-known/oauth-protected-resource`]: [
        200,
        JSON.stringify({ resource: `https://mcp.${D}/mcp`, authorization_servers: [`https://auth.${D}/t1`] }),
      ],
      [`GET auth.${D}/t1/.well-known/openid-configuration`]: [200, JSON.stringify({ issuer: `https://auth.${D}/t1` })],
    };
    const live = await walk();
    const chain = live.oauthChain;
    expect(live.oauthChainSkipped).toBeNull();
    expect(chain?.challenge?.scope).toBe('read');
    expect(chain?.attempts.map((a) => [a.url, a.notUsed])).toEqual([
      [`https://mcp.${D}/.well-known/oauth-protected-resource/mcp`, 'HTTP 404'],
      [`https://mcp.${D}/.well-known/oauth-protected-resource`, null],
      [`https://auth.${D}/.well-known/oauth-authorization-server/t1`, 'HTTP 404'],
      [`https://auth.${D}/.well-known/openid-configuration/t1`, 'HTTP 404'],
      [`https://auth.${D}/t1/.well-known/openid-configuration`, null],
    ]);
    expect(chain?.authorizationServerMetadataUrl).toBe(`https://auth.${D}/t1/.well-known/openid-configuration`);
    expect(live.mcp).toBeNull(); // the handshake ran for the chain only
  });
  it("follows the challenge's resource_metadata, and does not fetch a URL off the tunnel", async () => {
    seen.length = 0;
    routes = {
      [`POST mcp.${D}/mcp`]: [401, '', challenge(`resource_metadata="https://mcp.${D}/prm"`)],
      [`GET mcp.${D}/prm`]: [
        200,
        JSON.stringify({ resource: `https://mcp.${D}/mcp`, authorization_servers: ['https://login.example.com'] }),
      ],
    };
    const chain = (await walk()).oauthChain;
    expect(chain?.resourceMetadataUrl).toBe(`https://mcp.${D}/prm`);
    const off = chain?.attempts.filter((a) => a.route === null) ?? [];
    expect(off.map((a) => a.url)).toEqual([
      'https://login.example.com/.well-known/oauth-authorization-server',
      'https://login.example.com/.well-known/openid-configuration',
    ]);
    expect(off[0]?.notUsed).toMatch(/not a tunnel route.*not fetched/);
    expect(seen.some((s) => s.includes('login.example.com'))).toBe(false);
  });
  it('an MCP server without OAuth: no chain to walk, said so', async () => {
    routes = {
      [`POST mcp.${D}/mcp`]: [
        200,
        JSON.stringify({ jsonrpc: '2.0', id: 1, result: { protocolVersion: '2025-11-25' } }),
      ],
    };
    const live = await walk();
    expect(live.oauthChain).toBeNull();
    expect(live.oauthChainSkipped).toMatch(/without asking for a token/);
  });
});

describe('the URLs a client tries', () => {
  it('protected resource metadata', () => {
    expect(protectedResourceMetadataUrls('https://mcp.t/mcp')).toEqual([
      'https://mcp.t/.well-known/oauth-protected-resource/mcp',
      'https://mcp.t/.well-known/oauth-protected-resource',
    ]);
    expect(protectedResourceMetadataUrls('https://mcp.t')).toEqual([
      'https://mcp.t/.well-known/oauth-protected-resource',
    ]);
  });
  it('authorization server metadata, with and without a path', () => {
    expect(authorizationServerMetadataUrls('https://auth.t')).toEqual([
      'https://auth.t/.well-known/oauth-authorization-server',
      'https://auth.t/.well-known/openid-configuration',
    ]);
    expect(authorizationServerMetadataUrls('https://auth.t/t1')).toHaveLength(3);
  });
  it('resource identity', () => {
    expect(judgeResourceIdentity('https://mcp.t/mcp', 'https://mcp.t/mcp').kind).toBe('identical');
    expect(judgeResourceIdentity('https://mcp.t/mcp/', 'https://mcp.t/mcp').kind).toBe('spelling');
    expect(judgeResourceIdentity('https://mcp.t:443/mcp', 'https://mcp.t/mcp').kind).toBe('spelling');
    expect(judgeResourceIdentity('https://mcp.t', 'https://mcp.t/mcp').kind).toBe('origin-only');
    expect(judgeResourceIdentity('https://mcp.t/', 'https://mcp.t/mcp').kind).toBe('origin-only');
    expect(judgeResourceIdentity('https://other.t/mcp', 'https://mcp.t/mcp').kind).toBe('other');
  });
});

describe('the guard', () => {
  it('a tunnel URL whose upstream is off loopback is not fetched under the loopback-only guard', async () => {
    const d = startDeadline(1000);
    await expect(
      httpExchange({ url: 'http://192.0.2.1:80/x', method: 'GET', headers: {}, maxBytes: 10 }, d),
    ).rejects.toThrow(/loopback-only guard/);
    d.dispose();
  });
});
