import { expect } from 'vitest';
import { check } from '../../checks/routing/upstream-ip.js';
import type { Facts } from '../../src/core/facts.js';
import { testCheck } from '../harness/check-tester.js';
import { baseFacts, yamlFact } from '../harness/facts.js';

const CONFIG = '/deploy/config/mcp-proxy.yaml';
const COMPOSE = yamlFact('/deploy/compose.yaml', 'services:\n  gateway:\n    image: example/mcp-gateway:1\n');
const config = (routes: Record<string, string>, upstream = '', extra: Partial<Facts> = {}) =>
  baseFacts({
    compose: COMPOSE,
    proxyConfig: yamlFact(
      CONFIG,
      `listen_addr: ":8080"\nroutes:\n${Object.entries(routes)
        .map(([k, v]) => `  ${k}: ${v}`)
        .join('\n')}\n${upstream}`,
    ),
    ...extra,
  });

testCheck(check, {
  pass: [
    {
      name: 'private literals under the default policy',
      facts: config({ wiki: 'http://10.0.0.5:8080', docs: 'http://192.168.1.20:80' }),
      info: ['addresses-allowed'],
    },
    {
      name: 'a CGNAT address allowed by allowed_ips',
      facts: config({ wiki: 'http://100.64.3.10:8080' }, 'upstream:\n  allowed_ips: [100.64.0.0/10]\n'),
      info: ['addresses-allowed'],
    },
    {
      name: 'validation disabled allows a public address',
      facts: config({ wiki: 'http://34.117.59.81:8080' }, 'upstream:\n  disable_ip_validation: true\n'),
      info: ['validation-disabled'],
    },
    {
      name: 'literals judged, hostnames listed as not judged',
      facts: config({ wiki: 'http://10.0.0.5:8080', docs: 'http://docs:8080' }),
      info: ['addresses-allowed', 'hostnames-not-judged'],
      notChecked: 'the addresses of docs (docs)',
    },
    {
      name: 'hostnames judged from live A records',
      facts: config({ docs: 'http://docs.internal:8080' }, '', {
        offline: false,
        live: {
          upstreams: [
            {
              route: 'docs',
              scheme: 'http',
              host: 'docs.internal',
              port: 8080,
              resolution: { ok: true, value: ['10.9.8.7'], latencyMs: 1 },
              addresses: ['10.9.8.7'],
              refusedByPolicy: [],
              connections: [],
              notProbed: null,
            },
          ],
        } as unknown as Facts['live'],
      }),
      info: ['addresses-allowed'],
    },
  ],
  fail: [
    {
      name: 'a public address under the default policy: /32, the range named, the full list',
      facts: config({ wiki: 'http://34.117.59.81:8080', docs: 'http://10.0.0.5:8080' }),
      status: 'fail',
      messageIds: ['ip-not-allowed'],
      assert: (f) => {
        const x = f.find((y) => y.messageId === 'ip-not-allowed');
        expect(x?.symptom).toContain('IP validation failed: 34.117.59.81 is not a private address');
        expect(x?.symptom).toContain('"wiki"');
        expect(x?.cause).toContain('public internet');
        expect(x?.fix).toContain('34.117.59.81/32');
        expect(x?.fix).toContain('replaces the RFC 1918 default');
        expect(x?.fix).toContain('    - 10.0.0.0/8\n    - 172.16.0.0/12\n    - 192.168.0.0/16\n    - 34.117.59.81/32');
        expect(x?.fix).toContain('docker compose restart gateway');
        expect(x?.location).toMatchObject({ file: CONFIG, line: 3 });
      },
    },
    {
      name: 'two CGNAT Service addresses: each /32 and the CIDR covering both',
      facts: config(
        { wiki: 'http://100.64.0.10:8080', docs: 'http://100.64.12.7:8080' },
        'upstream:\n  allowed_ips:\n    - 10.0.0.0/8\n',
      ),
      status: 'fail',
      messageIds: ['ip-not-allowed', 'ip-not-allowed'],
      assert: (f) => {
        const wiki = f.find((y) => y.evidence?.route === 'wiki');
        expect(wiki?.evidence?.narrowest).toBe('100.64.0.10/32');
        expect(wiki?.evidence?.coveringAll).toBe('100.64.0.0/20');
        expect(wiki?.cause).toContain('Kubernetes');
        expect(wiki?.fix).toContain('    - 10.0.0.0/8\n    - 100.64.0.10/32\n    - 100.64.12.7/32');
      },
    },
    {
      name: 'localhost is loopback: testing only',
      facts: config({ wiki: 'http://localhost:3000' }),
      status: 'fail',
      messageIds: ['ip-not-allowed'],
      assert: (f) => {
        expect(f[0]?.fix).toMatch(/^Point route "wiki" at the upstream's service name/);
        expect(f[0]?.fix).toContain('127.0.0.1/32   # loopback: local testing only');
      },
    },
    {
      name: 'the metadata service is never to be allowed',
      facts: config({ wiki: 'http://169.254.169.254:80' }),
      status: 'fail',
      messageIds: ['ip-not-allowed'],
      assert: (f) => {
        expect(f[0]?.fix).toMatch(/^Do not allow 169.254.169.254/);
        expect(f[0]?.fix).not.toContain('allowed_ips:');
      },
    },
    {
      name: 'an IPv6 literal',
      facts: config({ wiki: 'http://[fd00::5]:8080' }),
      status: 'fail',
      messageIds: ['ipv6-upstream'],
    },
    {
      name: 'a live answer outside the policy',
      facts: config({ docs: 'http://docs.example.com:8080' }, '', {
        offline: false,
        live: {
          upstreams: [
            {
              route: 'docs',
              scheme: 'http',
              host: 'docs.example.com',
              port: 8080,
              resolution: { ok: true, value: ['10.1.1.1', '34.117.59.81'], latencyMs: 1 },
              addresses: [],
              refusedByPolicy: [],
              connections: [],
              notProbed: null,
            },
          ],
        } as unknown as Facts['live'],
      }),
      status: 'fail',
      messageIds: ['ip-not-allowed'],
      assert: (f) => expect(f[0]?.cause).toContain('The upstream host docs.example.com resolves to 34.117.59.81'),
    },
    {
      name: 'Helm: the corrected list is nested under gateway.config',
      facts: (() => {
        const values = yamlFact(
          '/deploy/values.yaml',
          'gateway:\n  config:\n    routes:\n      wiki: http://34.117.59.81:8080\n',
        );
        if (values.state !== 'ok') throw new Error('bad values');
        return baseFacts({
          deployment: { dir: '/deploy', layout: 'helm', generation: null },
          helmValues: {
            state: 'ok',
            path: '/deploy/values.yaml',
            value: { ...values.value, files: ['/deploy/values.yaml'], positionFiles: {} },
          },
          proxyConfig: {
            state: 'ok',
            path: '/deploy/values.yaml',
            value: {
              data: (values.value.data as { gateway: { config: unknown } }).gateway.config,
              positions: {},
              warnings: [],
            },
          },
        });
      })(),
      status: 'fail',
      messageIds: ['ip-not-allowed'],
      assert: (f) => {
        expect(f[0]?.fix).toContain('gateway.config.upstream.allowed_ips');
        expect(f[0]?.fix).toContain('gateway:\n  config:\n    upstream:\n      allowed_ips:\n        - 10.0.0.0/8');
        expect(f[0]?.fix).toContain('helm upgrade');
      },
    },
  ],
  skip: [
    {
      name: 'all hostnames, offline',
      facts: config({ wiki: 'http://wiki:8080', docs: 'http://docs:8080' }),
      reason: '2 upstreams are hostnames; resolving them needs DNS (run without --offline)',
    },
    {
      name: 'all hostnames, no live result',
      facts: config({ wiki: 'http://wiki:8080' }, '', { offline: false }),
      reason: '1 upstream is a hostname; no live DNS result',
    },
    {
      name: 'allowed_ips unusable',
      facts: config({ wiki: 'http://10.0.0.5:8080' }, 'upstream:\n  allowed_ips: [nope]\n'),
      reason: 'reported by allowed-ips',
    },
    {
      name: 'routes is a list',
      facts: baseFacts({ proxyConfig: yamlFact(CONFIG, 'routes:\n  - wiki: http://10.0.0.5:8080\n') }),
      reason: 'reported by proxy-config',
    },
  ],
});
