import { expect } from 'vitest';
import { check } from '../../checks/oauth/protected-resource.js';
import type { Facts } from '../../src/core/facts.js';
import { testCheck } from '../harness/check-tester.js';
import { baseFacts, yamlFact } from '../harness/facts.js';

/** A run without the live chain says which rules it could not judge. */
const STATIC = /need[s]? the live discovery chain/;

const D = 'abcd1234.tunnel.example.com';
const DOC = '/deploy/resource.json';
const ROUTES = `tunnel_domain: ${D}\nroutes:\n  mcp: http://mcp:8080\n  auth: http://auth:8080\n  wiki: http://wiki:8080\n`;
const facts = (doc: unknown, extra: Partial<Facts> = {}) =>
  baseFacts({
    proxyConfig: yamlFact('/deploy/config/mcp-proxy.yaml', ROUTES),
    resourceMetadata: yamlFact(DOC, typeof doc === 'string' ? doc : JSON.stringify(doc, null, 2)),
    ...extra,
  });
const GOOD = { resource: `https://mcp.${D}`, authorization_servers: [`https://auth.${D}`] };
const meta = (issuer: string) => ({ oauthMetadata: yamlFact('/deploy/meta.json', JSON.stringify({ issuer })) });

testCheck(check, {
  pass: [
    { name: 'the tunnel resource and issuer', facts: facts(GOOD), info: ['points-at-tunnel'], notChecked: STATIC },
    { name: 'another routed host', facts: facts({ ...GOOD, resource: `https://wiki.${D}` }), notChecked: STATIC },
    {
      name: 'a path is only noted',
      facts: facts({ ...GOOD, resource: `https://mcp.${D}/mcp` }),
      info: ['resource-has-path', 'points-at-tunnel'],
      notChecked: STATIC,
    },
    {
      name: 'matches the authorization server metadata',
      facts: facts(GOOD, meta(`https://auth.${D}`)),
      notChecked: STATIC,
    },
  ],
  fail: [
    {
      name: 'resource on a public host',
      facts: facts({ ...GOOD, resource: 'https://mcp.example.com' }),
      status: 'fail',
      messageIds: ['resource-not-on-tunnel'],
    },
    {
      name: 'resource on a host the proxy does not route',
      facts: facts({ ...GOOD, resource: `https://docs.${D}` }),
      status: 'warn',
      messageIds: ['resource-not-routed'],
    },
    {
      name: 'resource over http',
      facts: facts({ ...GOOD, resource: `http://mcp.${D}` }),
      status: 'fail',
      messageIds: ['resource-not-https'],
    },
    {
      name: 'resource with a fragment',
      facts: facts({ ...GOOD, resource: `https://mcp.${D}#x` }),
      status: 'fail',
      messageIds: ['resource-invalid'],
    },
    {
      name: 'resource missing',
      facts: facts({ authorization_servers: GOOD.authorization_servers }),
      status: 'fail',
      messageIds: ['resource-missing'],
    },
    {
      name: 'only a public issuer',
      facts: facts({ ...GOOD, authorization_servers: ['https://login.example.com'] }),
      status: 'fail',
      messageIds: ['authorization-server-public'],
      assert: (f) => {
        expect(f[0]?.fix).toContain(`["https://auth.${D}"]`);
        expect(f[0]?.location).toMatchObject({ file: DOC, line: 3 });
      },
    },
    {
      name: 'the tunnel issuer with a trailing slash',
      facts: facts({ ...GOOD, authorization_servers: [`https://auth.${D}/`] }),
      status: 'fail',
      messageIds: ['authorization-server-mismatch'],
    },
    {
      name: 'a public issuer listed first',
      facts: facts({ ...GOOD, authorization_servers: ['https://login.example.com', `https://auth.${D}`] }),
      status: 'warn',
      messageIds: ['public-listed-first'],
    },
    {
      name: 'authorization_servers a string',
      facts: facts({ ...GOOD, authorization_servers: `https://auth.${D}` }),
      status: 'fail',
      messageIds: ['wrong-type'],
    },
    {
      name: 'authorization_servers empty',
      facts: facts({ ...GOOD, authorization_servers: [] }),
      status: 'fail',
      messageIds: ['authorization-servers-missing'],
    },
    {
      name: 'the metadata issuer is not listed',
      facts: facts(GOOD, meta(`https://auth.${D}/`)),
      status: 'fail',
      messageIds: ['issuer-not-listed'],
    },
    { name: 'not an object', facts: facts('"https://mcp"'), status: 'fail', messageIds: ['not-an-object'] },
    {
      name: 'not JSON or YAML',
      facts: facts('{"resource": '),
      status: 'fail',
      messageIds: ['document-invalid'],
      assert: (f) =>
        expect(f[0]?.fix).toContain(`{"resource": "https://mcp.${D}", "authorization_servers": ["https://auth.${D}"]}`),
    },
  ],
  skip: [
    { name: 'no document', facts: baseFacts(), reason: 'no document given (--resource-metadata FILE)' },
    {
      name: 'tunnel domain unknown',
      facts: facts(GOOD, { proxyConfig: undefined }),
      reason: 'tunnel domain is not known',
    },
  ],
});
