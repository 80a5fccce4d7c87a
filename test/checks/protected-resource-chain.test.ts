// protected-resource with the live discovery chain: each misconfiguration of the chain fails its
// own messageId and nothing else.

import { expect } from 'vitest';
import { check } from '../../checks/oauth/protected-resource.js';
import type { OAuthChainFacts } from '../../src/core/live-facts.js';
import { testCheck } from '../harness/check-tester.js';
import { yamlFact } from '../harness/facts.js';
import { oauthChain, withLive } from '../lab/live-facts.js';

const D = 'abcd1234.tunnel.example.com';
const ROUTES = `tunnel_domain: ${D}\nroutes:\n  mcp: http://mcp:8080\n  auth: http://auth:8080\n`;
const ISSUER = `https://auth.${D}`;
const run = (chain: OAuthChainFacts) =>
  withLive({ oauthChain: chain }, { proxyConfig: yamlFact('/deploy/config/mcp-proxy.yaml', ROUTES) });
const prm = (resource: string, extra: Record<string, unknown> = {}) =>
  oauthChain(D, { prm: { resource, authorization_servers: [ISSUER], ...extra } });
const notFound = (url: string) => ({
  step: 'resource-metadata' as const,
  url,
  route: 'mcp',
  httpStatus: 404,
  notUsed: 'HTTP 404',
});

testCheck(check, {
  pass: [
    {
      name: 'resource identical to the MCP URL the client asked for',
      facts: run(prm(`https://mcp.${D}/mcp`)),
      info: ['resource-has-path', 'points-at-tunnel'],
    },
    {
      name: "the challenge's scopes are all supported",
      facts: run({
        ...prm(`https://mcp.${D}/mcp`, { scopes_supported: ['read', 'write'] }),
        challenge: { params: { scope: 'read' }, resourceMetadata: null, scope: 'read', error: null },
      }),
      info: ['resource-has-path', 'points-at-tunnel'],
    },
  ],
  fail: [
    {
      name: 'no document at the path-suffixed nor the root URL',
      facts: run(
        oauthChain(D, {
          attempts: [
            notFound(`https://mcp.${D}/.well-known/oauth-protected-resource/mcp`),
            notFound(`https://mcp.${D}/.well-known/oauth-protected-resource`),
          ],
        }),
      ),
      status: 'fail',
      messageIds: ['resource-metadata-not-found'],
      assert: (f) =>
        expect(f[0]?.cause).toContain(
          `https://mcp.${D}/.well-known/oauth-protected-resource/mcp (HTTP 404), https://mcp.${D}/.well-known/oauth-protected-resource (HTTP 404)`,
        ),
    },
    {
      name: "the challenge's resource_metadata is on a public host",
      facts: run(
        oauthChain(D, {
          resourceMetadataUrl: 'https://docs.example.com/prm',
          attempts: [
            {
              step: 'resource-metadata',
              url: 'https://docs.example.com/prm',
              route: null,
              httpStatus: null,
              notUsed: 'not fetched',
            },
          ],
        }),
      ),
      status: 'fail',
      messageIds: ['resource-metadata-not-on-tunnel'],
    },
    {
      name: 'a trailing slash',
      facts: run(prm(`https://mcp.${D}/mcp/`)),
      status: 'fail',
      messageIds: ['resource-not-identical'],
    },
    {
      name: 'another case',
      facts: run(prm(`https://MCP.${D}/mcp`)),
      status: 'fail',
      messageIds: ['resource-not-identical'],
    },
    {
      name: 'a port is the existing off-tunnel finding, not a second one',
      facts: run(prm(`https://mcp.${D}:8443/mcp`)),
      status: 'fail',
      messageIds: ['resource-not-on-tunnel'],
    },
    {
      name: "the vendor's example (the host alone) is a warning: prefix-matching clients go on",
      facts: run(prm(`https://mcp.${D}`)),
      status: 'warn',
      messageIds: ['resource-origin-only'],
    },
    {
      name: 'the challenge asks for a scope not listed',
      facts: run({
        ...prm(`https://mcp.${D}/mcp`, { scopes_supported: ['read'] }),
        challenge: { params: { scope: 'read admin' }, resourceMetadata: null, scope: 'read admin', error: null },
      }),
      status: 'warn',
      messageIds: ['scope-not-supported'],
      assert: (f) => expect(f.find((x) => x.messageId === 'scope-not-supported')?.symptom).toContain('"admin"'),
    },
  ],
});
