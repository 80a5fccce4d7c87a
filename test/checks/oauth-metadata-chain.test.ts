// oauth-metadata with the live discovery chain: the metadata found where the client looks, or
// its own finding when it is at none of those URLs.

import { expect } from 'vitest';
import { check } from '../../checks/oauth/oauth-metadata.js';
import type { OAuthChainFacts } from '../../src/core/live-facts.js';
import { testCheck } from '../harness/check-tester.js';
import { yamlFact } from '../harness/facts.js';
import { oauthChain, withLive } from '../lab/live-facts.js';

const D = 'abcd1234.tunnel.example.com';
const ROUTES = `tunnel_domain: ${D}\nroutes:\n  mcp: http://mcp:8080\n  auth: http://auth:8080\n`;
const ISSUER = `https://auth.${D}`;
const AS = {
  issuer: ISSUER,
  authorization_endpoint: 'https://login.example.com/authorize',
  token_endpoint: `${ISSUER}/token`,
  registration_endpoint: `${ISSUER}/register`,
  response_types_supported: ['code'],
  code_challenge_methods_supported: ['S256'],
};
const PRM = { resource: `https://mcp.${D}/mcp`, authorization_servers: [ISSUER] };
const run = (chain: OAuthChainFacts) =>
  withLive({ oauthChain: chain }, { proxyConfig: yamlFact('/deploy/config/mcp-proxy.yaml', ROUTES) });
const miss = (url: string) => ({
  step: 'authorization-server-metadata' as const,
  url,
  route: 'auth',
  httpStatus: 404,
  notUsed: 'HTTP 404',
});

testCheck(check, {
  pass: [
    {
      name: 'the metadata the client found',
      facts: run(oauthChain(D, { prm: PRM, as: AS })),
      info: ['split-discovery'],
    },
    {
      name: 'a client ID metadata document is a registration path',
      facts: run(
        oauthChain(D, {
          prm: PRM,
          as: { ...AS, registration_endpoint: undefined, client_id_metadata_document_supported: true },
        }),
      ),
      info: ['split-discovery'],
    },
  ],
  fail: [
    {
      name: 'at neither the OAuth nor the OpenID location',
      facts: run(
        oauthChain(D, {
          prm: PRM,
          attempts: [
            miss(`${ISSUER}/.well-known/oauth-authorization-server`),
            miss(`${ISSUER}/.well-known/openid-configuration`),
          ],
        }),
      ),
      status: 'fail',
      messageIds: ['metadata-not-found'],
      assert: (f) => expect(f[0]?.cause).toContain('/.well-known/openid-configuration (HTTP 404)'),
    },
    {
      name: 'the issuer of the found metadata is not the URL it was fetched for',
      facts: run(oauthChain(D, { prm: PRM, as: { ...AS, issuer: `${ISSUER}/` } })),
      status: 'fail',
      messageIds: ['issuer-mismatch'],
    },
    {
      name: "scopes_supported lacks the challenge's scope",
      facts: run(oauthChain(D, { prm: PRM, as: { ...AS, scopes_supported: ['openid'] }, scope: 'mcp:tools' })),
      status: 'fail',
      messageIds: ['scope-not-supported'],
    },
    {
      name: 'code_challenge_methods_supported absent',
      facts: run(oauthChain(D, { prm: PRM, as: { ...AS, code_challenge_methods_supported: undefined } })),
      status: 'fail',
      messageIds: ['s256-missing'],
    },
  ],
});
