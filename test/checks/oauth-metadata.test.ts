import { expect } from 'vitest';
import { check } from '../../checks/oauth/oauth-metadata.js';
import type { Facts } from '../../src/core/facts.js';
import { liveFacts } from '../lab/live-facts.js';
import { testCheck } from '../harness/check-tester.js';
import { baseFacts, ok, yamlFact } from '../harness/facts.js';

/** A run without the live chain says which rules it could not judge. */
const STATIC = /need[s]? the live discovery chain/;

const D = 'abcd1234.tunnel.example.com';
const META = '/deploy/oauth-metadata.json';
const GOOD = {
  issuer: `https://auth.${D}`,
  authorization_endpoint: 'https://login.example.com/authorize',
  token_endpoint: `https://auth.${D}/token`,
  registration_endpoint: `https://auth.${D}/register`,
  response_types_supported: ['code'],
  code_challenge_methods_supported: ['S256'],
};
const ROUTES = `tunnel_domain: ${D}\nroutes:\n  mcp: http://mcp:8080\n  auth: http://auth:8080\n`;
const facts = (doc: unknown, extra: Partial<Facts> = {}) =>
  baseFacts({
    proxyConfig: yamlFact('/deploy/config/mcp-proxy.yaml', ROUTES),
    oauthMetadata: yamlFact(META, typeof doc === 'string' ? doc : JSON.stringify(doc, null, 2)),
    ...extra,
  });
const withDoc = (patch: Record<string, unknown>) =>
  facts(Object.fromEntries(Object.entries({ ...GOOD, ...patch }).filter(([, v]) => v !== undefined)));

testCheck(check, {
  pass: [
    { name: 'the split-discovery document', facts: withDoc({}), info: ['split-discovery'], notChecked: STATIC },
    {
      name: 'S256 among others, grant types with authorization_code',
      facts: withDoc({
        code_challenge_methods_supported: ['plain', 'S256'],
        grant_types_supported: ['authorization_code', 'refresh_token'],
      }),
      notChecked: STATIC,
    },
    {
      name: 'the domain from --tunnel-domain when the config has none (Helm managed)',
      facts: facts(GOOD, {
        proxyConfig: yamlFact('/deploy/config/mcp-proxy.yaml', 'routes:\n  auth: http://auth:8080\n'),
        assignedDomain: ok('--tunnel-domain', D),
      }),
      notChecked: STATIC,
    },
  ],
  fail: [
    {
      name: 'issuer with a trailing slash',
      facts: withDoc({ issuer: `https://auth.${D}/` }),
      status: 'fail',
      messageIds: ['issuer-mismatch'],
      assert: (f) => {
        expect(f[0]?.cause).toContain('character for character');
        expect(f[0]?.location).toMatchObject({ file: META, line: 2 });
      },
    },
    {
      name: 'a public issuer and public token endpoint',
      facts: withDoc({ issuer: 'https://login.example.com', token_endpoint: 'https://login.example.com/token' }),
      status: 'fail',
      messageIds: ['issuer-mismatch', 'endpoint-not-on-tunnel'],
    },
    {
      name: 'issuer over http',
      facts: withDoc({ issuer: `http://auth.${D}` }),
      status: 'fail',
      messageIds: ['issuer-mismatch'],
    },
    { name: 'issuer missing', facts: withDoc({ issuer: undefined }), status: 'fail', messageIds: ['issuer-missing'] },
    {
      name: 'authorization_endpoint on the tunnel',
      facts: withDoc({ authorization_endpoint: `https://auth.${D}/authorize` }),
      status: 'fail',
      messageIds: ['authorization-on-tunnel'],
      assert: (f) => expect(f[0]?.cause).toContain("only the platform's backend traffic"),
    },
    {
      name: 'authorization_endpoint missing',
      facts: withDoc({ authorization_endpoint: undefined }),
      status: 'fail',
      messageIds: ['endpoint-missing'],
    },
    {
      name: 'registration endpoint on another port',
      facts: withDoc({ registration_endpoint: `https://auth.${D}:8443/register` }),
      status: 'fail',
      messageIds: ['endpoint-not-on-tunnel'],
    },
    {
      name: 'token endpoint over http',
      facts: withDoc({ token_endpoint: `http://auth.${D}/token` }),
      status: 'fail',
      messageIds: ['endpoint-not-https'],
    },
    {
      name: 'registration endpoint missing',
      facts: withDoc({ registration_endpoint: undefined }),
      status: 'warn',
      messageIds: ['registration-endpoint-missing'],
    },
    {
      name: 'only plain PKCE',
      facts: withDoc({ code_challenge_methods_supported: ['plain'] }),
      status: 'fail',
      messageIds: ['s256-missing'],
      assert: (f) => expect(f[0]?.cause).toContain('"plain" alone'),
    },
    {
      name: 'no PKCE methods',
      facts: withDoc({ code_challenge_methods_supported: undefined }),
      status: 'fail',
      messageIds: ['s256-missing'],
    },
    {
      name: 'PKCE methods as a string',
      facts: withDoc({ code_challenge_methods_supported: 'S256' }),
      status: 'fail',
      messageIds: ['wrong-type'],
    },
    {
      name: 'response_types_supported missing',
      facts: withDoc({ response_types_supported: undefined }),
      status: 'warn',
      messageIds: ['response-types-missing'],
    },
    {
      name: 'no code response type',
      facts: withDoc({ response_types_supported: ['token'] }),
      status: 'fail',
      messageIds: ['code-response-type-missing'],
    },
    {
      name: 'grant types without authorization_code',
      facts: withDoc({ grant_types_supported: ['client_credentials'] }),
      status: 'fail',
      messageIds: ['grant-type-missing'],
    },
    {
      name: 'token_endpoint a number',
      facts: withDoc({ token_endpoint: 5 }),
      status: 'fail',
      messageIds: ['wrong-type'],
    },
    {
      name: 'no auth route in the proxy',
      facts: facts(GOOD, {
        proxyConfig: yamlFact(
          '/deploy/config/mcp-proxy.yaml',
          `tunnel_domain: ${D}\nroutes:\n  mcp: http://mcp:8080\n`,
        ),
      }),
      status: 'warn',
      messageIds: ['auth-route-missing'],
    },
    { name: 'not an object', facts: facts('["issuer"]'), status: 'fail', messageIds: ['not-an-object'] },
    { name: 'not JSON or YAML', facts: facts('{"issuer": '), status: 'fail', messageIds: ['document-invalid'] },
  ],
  skip: [
    {
      name: 'no document, offline',
      facts: baseFacts({ proxyConfig: yamlFact('/deploy/config/mcp-proxy.yaml', ROUTES) }),
      reason: "no document given (--oauth-metadata FILE), and fetching it from the route's upstream needs the network",
    },
    {
      name: 'the live fetch failed: the reason names the URL and the status',
      facts: baseFacts({
        offline: false,
        proxyConfig: yamlFact('/deploy/config/mcp-proxy.yaml', ROUTES),
        live: liveFacts({
          oauthMetadata: {
            route: 'auth',
            url: 'http://10.0.0.9:9000/.well-known/oauth-authorization-server',
            ok: false,
            failure: 'http-status',
            detail: 'the server answered 404',
            httpStatus: 404,
            contentType: 'text/html',
            document: null,
            latencyMs: 2,
          } as never,
        }),
      }),
      reason: /fetching http:\/\/10\.0\.0\.9:9000\/\.well-known\/oauth-authorization-server failed \(HTTP 404\)/,
    },
    {
      name: 'no document, live run that did not happen',
      facts: baseFacts({ offline: false, proxyConfig: yamlFact('/deploy/config/mcp-proxy.yaml', ROUTES) }),
      reason: 'the live probes did not run',
    },
    {
      name: 'tunnel domain unknown',
      facts: facts(GOOD, {
        proxyConfig: yamlFact('/deploy/config/mcp-proxy.yaml', 'routes:\n  auth: http://auth:8080\n'),
      }),
      reason: 'tunnel domain is not known',
    },
  ],
});
