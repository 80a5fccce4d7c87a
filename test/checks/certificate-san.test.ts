import { expect } from 'vitest';
import { check } from '../../checks/tls/certificate-san.js';
import type { Facts } from '../../src/core/facts.js';
import { testCheck } from '../harness/check-tester.js';
import { yamlFact } from '../harness/facts.js';
import { readCertificateFile } from '../../src/probes/certificate-file.js';
import { certFacts, checkedInFacts, DOMAIN, makeCertSet, setFile } from '../harness/tls-fixtures.js';

const healthy = makeCertSet('healthy');
const wrongSan = makeCertSet('wrong-san');

const config = (body: string) => yamlFact('/deploy/config/mcp-proxy.yaml', `listen_addr: ":8080"\n${body}`);
/** Facts from a real set, then the server certificate's DNS names replaced. */
function withSans(sans: string[], overrides: Partial<Facts> = {}): Facts {
  const facts = certFacts(healthy, overrides);
  const first = facts.serverCert?.state === 'ok' ? facts.serverCert.value.certificates[0] : undefined;
  if (!first) throw new Error('set did not read');
  first.sanDns = sans;
  return facts;
}

testCheck(check, {
  pass: [
    { name: '*.<domain> covers every route', facts: certFacts(healthy), info: ['routes-covered'] },
    { name: 'the checked-in set', facts: checkedInFacts(), info: ['routes-covered'] },
    {
      name: 'no routes yet: the wildcard covers any',
      facts: certFacts(healthy, { proxyConfig: config(`tunnel_domain: ${DOMAIN}\nroutes: {}\n`) }),
      info: ['domain-covered'],
    },
    {
      name: 'full-hostname route keys and the domain from data/tunnel-domain only',
      facts: certFacts(healthy, {
        proxyConfig: config(
          `routes:\n  wiki.${DOMAIN}: http://wiki:80\n  MCP.${DOMAIN.toUpperCase()}.: http://mcp:80\n`,
        ),
      }),
    },
    { name: 'exact names for each route (no wildcard)', facts: withSans([`wiki.${DOMAIN}`, `auth.${DOMAIN}`]) },
    {
      name: 'bare keys without a domain are noted, full hostnames judged',
      facts: certFacts(healthy, {
        assignedDomain: undefined,
        proxyConfig: config(`routes:\n  wiki: http://wiki:80\n  auth.${DOMAIN}: http://auth:80\n`),
      }),
      info: ['routes-not-judged', 'routes-covered'],
      notChecked: 'routes wiki (bare names, and the tunnel domain is unknown)',
    },
    {
      name: 'no proxy config: the names are judged for any route, and it says so',
      facts: certFacts(healthy, { proxyConfig: undefined }),
      info: ['domain-covered'],
      notChecked: 'the routes (no proxy config was found)',
    },
    {
      // The platform sends <route>.<assigned domain>; a wrong tunnel_domain is the tunnel-domain check's finding.
      name: 'a wrong tunnel_domain in the config is judged against the assigned domain the platform sends',
      facts: certFacts(healthy, {
        proxyConfig: config('tunnel_domain: ffff0000.tunnel.example.com\nroutes:\n  wiki: http://wiki:80\n'),
      }),
      info: ['routes-covered'],
    },
    {
      // data/tunnel-domain (or --tunnel-domain) disagrees with tunnel_domain, the certificate matches tunnel_domain: tunnel-domain reports it.
      name: 'the certificate covers tunnel_domain, the assigned domain differs',
      facts: certFacts(healthy, {
        assignedDomain: { state: 'ok', path: '/deploy/data/tunnel-domain', value: 'ffff0000.tunnel.example.com' },
        proxyConfig: config(`tunnel_domain: ${DOMAIN}\nroutes:\n  wiki: http://wiki:80\n`),
      }),
      info: ['covers-configured-domain'],
    },
    {
      // tunnel-domain reports the key; no handshake is ever made for a hostname the platform never sends.
      name: 'a full-hostname key under another domain is left to tunnel-domain',
      facts: certFacts(healthy, {
        proxyConfig: config(
          `tunnel_domain: ${DOMAIN}\nroutes:\n  wiki: http://wiki:80\n  mcp.ffff0000.tunnel.example.com: http://mcp:80\n`,
        ),
      }),
      info: ['routes-off-domain', 'routes-covered'],
    },
  ],
  fail: [
    {
      name: 'a wildcard one level too high (*.tunnel.example.com)',
      facts: certFacts(wrongSan),
      status: 'fail',
      messageIds: ['route-not-covered', 'route-not-covered'],
      assert: (f) => {
        expect(f.map((x) => x.evidence?.hostname).sort()).toEqual([`auth.${DOMAIN}`, `wiki.${DOMAIN}`]);
        expect(f[0]?.cause).toContain('*.tunnel.example.com covers exactly one label under tunnel.example.com');
        expect(f[0]?.evidence?.san).toEqual(['*.tunnel.example.com']);
        expect(f[0]?.location).toMatchObject({ file: 'config/mcp-proxy.yaml', line: expect.any(Number) });
        expect(f[0]?.fix).toContain(`subjectAltName=DNS:*.${DOMAIN}`);
      },
    },
    {
      name: "no assigned domain known, and the config's tunnel_domain differs from the certificate's",
      facts: certFacts(healthy, {
        assignedDomain: undefined,
        proxyConfig: config('tunnel_domain: ffff0000.tunnel.example.com\nroutes:\n  wiki: http://wiki:80\n'),
      }),
      status: 'fail',
      // Neither is known right: a disagreement naming both, not "re-issue for the typo'd domain".
      messageIds: ['domain-disagreement'],
      assert: (f) => {
        expect(f[0]?.symptom).toContain('"ffff0000.tunnel.example.com"');
        expect(f[0]?.symptom).toContain(`"${DOMAIN}"`);
        expect(f[0]?.fix).toContain('--tunnel-domain');
        expect(f[0]?.fix).toContain(`tunnel_domain: ${DOMAIN}`);
        expect(f[0]?.evidence).toMatchObject({
          configuredDomain: 'ffff0000.tunnel.example.com',
          certificateDomain: DOMAIN,
        });
      },
    },
    {
      // A wildcard one level too high is a certificate mistake, not a second domain.
      name: 'no assigned domain known, the certificate one level too high',
      facts: certFacts(wrongSan, {
        assignedDomain: undefined,
        proxyConfig: config(`tunnel_domain: ${DOMAIN}\nroutes:\n  wiki: http://wiki:80\n`),
      }),
      status: 'fail',
      messageIds: ['route-not-covered'],
    },
    {
      name: 'a route two labels under the domain is not covered by the wildcard',
      facts: certFacts(healthy, {
        proxyConfig: config(
          `tunnel_domain: ${DOMAIN}\nroutes:\n  wiki: http://wiki:80\n  a.b.${DOMAIN}: http://deep:80\n`,
        ),
      }),
      status: 'fail',
      messageIds: ['route-not-covered'],
    },
    {
      name: 'no DNS names at all (the common name is not consulted)',
      facts: withSans([]),
      status: 'fail',
      messageIds: ['route-not-covered', 'route-not-covered'],
      assert: (f) => expect(f[0]?.cause).toContain('no DNS Subject Alternative Names'),
    },
    {
      name: 'a partial wildcard matches nothing',
      facts: withSans([`w*.${DOMAIN}`]),
      status: 'fail',
      messageIds: ['route-not-covered', 'route-not-covered'],
      assert: (f) => expect(f[0]?.cause).toContain('partial wildcard'),
    },
    {
      name: 'no routes and the wrong wildcard',
      facts: certFacts(wrongSan, { proxyConfig: undefined }),
      status: 'fail',
      messageIds: ['domain-not-covered'],
    },
    {
      name: 'no routes and only named hosts',
      facts: withSans([`wiki.${DOMAIN}`], { proxyConfig: undefined }),
      status: 'warn',
      messageIds: ['no-wildcard'],
    },
  ],
  skip: [
    {
      name: 'ca.crt copied over tls.crt: server-certificate reports it',
      facts: certFacts(healthy, { serverCert: readCertificateFile(setFile(healthy, 'ca.crt'), false) }),
      reason: 'holds a CA certificate',
    },
    {
      name: 'the tunnel domain is unknown and routes are bare names',
      facts: certFacts(healthy, {
        assignedDomain: undefined,
        proxyConfig: config('routes:\n  wiki: http://wiki:80\n'),
      }),
      reason: 'the tunnel domain is unknown, so the hostnames of routes wiki cannot be told',
    },
    {
      name: 'nothing to match against',
      facts: certFacts(healthy, { assignedDomain: undefined, proxyConfig: undefined }),
      reason: 'the tunnel domain is unknown and there are no routes',
    },
    {
      // Before: the routes read as "none yet" and the check passed on the wildcard alone.
      name: 'an unparsable proxy config: the routes cannot be told',
      facts: certFacts(healthy, { proxyConfig: config('routes: [wiki: http://wiki:80\n') }),
      reason: 'so its routes cannot be told',
    },
    {
      // A required fact: the runner's one reason, naming the file and the flag (server-certificate reports the file).
      name: 'tls.crt missing',
      facts: certFacts(healthy, { serverCert: { state: 'missing', path: `${healthy}/data/tls.crt`, explicit: false } }),
      reason: /^needs the server certificate: .*data\/tls\.crt was not found; given by .*--cert FILE$/,
    },
  ],
});
