import { expect } from 'vitest';
import { check } from '../../checks/routing/allowed-ips.js';
import { testCheck } from '../harness/check-tester.js';
import { baseFacts, yamlFact } from '../harness/facts.js';

const CONFIG = '/deploy/config/mcp-proxy.yaml';
const HEAD = 'listen_addr: ":8080"\nroutes:\n  wiki: http://10.0.0.5:8080\n';
const config = (upstream: string) => baseFacts({ proxyConfig: yamlFact(CONFIG, `${HEAD}${upstream}`) });
const list = (...items: string[]) =>
  config(`upstream:\n  allowed_ips:\n${items.map((i) => `    - ${i}`).join('\n')}\n`);

testCheck(check, {
  pass: [
    { name: 'no upstream section: the RFC 1918 default', facts: config(''), info: ['policy'] },
    {
      name: 'a list of private ranges and one address',
      facts: list('10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.10'),
      info: ['policy'],
    },
    {
      name: 'a list that drops default ranges says so',
      facts: list('10.0.0.0/8', '100.64.0.0/10'),
      info: ['policy', 'default-replaced'],
    },
    {
      name: 'a redundant entry is only noted',
      facts: list('10.0.0.0/8', '10.1.0.0/16', '172.16.0.0/12', '192.168.0.0/16'),
      info: ['policy', 'redundant-entry'],
    },
  ],
  fail: [
    {
      name: 'invalid entries, each with its location',
      facts: list('10.0.0.0/8', '10.0.0.0/33', '300.1.1.1', 'fd00::/8'),
      status: 'fail',
      messageIds: ['invalid-entry', 'invalid-entry', 'ipv6-entry'],
      assert: (f) => {
        const ipv6 = f.find((x) => x.messageId === 'ipv6-entry');
        expect(ipv6?.location).toEqual({ file: CONFIG, line: 9, column: 7 });
        expect(ipv6?.cause).toContain('IPv4 only');
        expect(f.find((x) => x.evidence?.entry === '10.0.0.0/33')?.location?.line).toBe(7);
      },
    },
    {
      name: '0.0.0.0/0 disables SSRF protection',
      facts: list('0.0.0.0/0'),
      status: 'warn',
      messageIds: ['allow-all'],
      assert: (f) => expect(f.find((x) => x.messageId === 'allow-all')?.symptom).toContain('SSRF protection is off'),
    },
    {
      name: 'loopback is for testing only',
      facts: list('10.0.0.0/8', '127.0.0.0/8'),
      status: 'warn',
      messageIds: ['loopback'],
    },
    {
      name: 'link-local holds the metadata service',
      facts: list('10.0.0.0/8', '169.254.0.0/16'),
      status: 'warn',
      messageIds: ['metadata-service'],
    },
    {
      name: 'a broad public range',
      facts: list('10.0.0.0/8', '52.0.0.0/8'),
      status: 'warn',
      messageIds: ['too-broad'],
    },
    {
      name: 'host bits set',
      facts: list('10.1.2.3/8'),
      status: 'warn',
      messageIds: ['host-bits'],
      assert: (f) => {
        const h = f.find((x) => x.messageId === 'host-bits');
        expect(h?.cause).toContain('10.0.0.0/8');
        expect(h?.fix).toContain('10.1.2.3/32');
      },
    },
    {
      name: 'combined with disable_ip_validation',
      facts: config('upstream:\n  disable_ip_validation: true\n  allowed_ips: [10.0.0.0/8]\n'),
      status: 'fail',
      messageIds: ['conflicts-with-disable'],
    },
    {
      name: 'disable_ip_validation alone',
      facts: config('upstream:\n  disable_ip_validation: true\n'),
      status: 'warn',
      messageIds: ['validation-disabled'],
    },
    {
      name: 'disable_ip_validation quoted',
      facts: config('upstream:\n  disable_ip_validation: "true"\n'),
      status: 'fail',
      messageIds: ['disable-invalid-type'],
    },
    {
      name: 'allowed_ips as a string: the fix is the list',
      facts: config('upstream:\n  allowed_ips: "10.0.0.0/8, 100.64.0.0/10"\n'),
      status: 'fail',
      messageIds: ['not-a-list'],
      assert: (f) => {
        expect(f[0]?.fix).toContain('upstream:\n  allowed_ips:\n    - 10.0.0.0/8\n    - 100.64.0.0/10');
        expect(f[0]?.location).toMatchObject({ file: CONFIG, line: 5 });
      },
    },
    {
      name: 'an empty list',
      facts: config('upstream:\n  allowed_ips: []\n'),
      status: 'warn',
      messageIds: ['empty-list'],
    },
  ],
  skip: [
    {
      name: 'no proxy config',
      facts: baseFacts(),
      reason: 'needs the proxy config: none was found; given by config/mcp-proxy.yaml in --dir, or --config FILE',
    },
    { name: 'upstream is not a map', facts: config('upstream: 5\n'), reason: 'reported by proxy-config' },
  ],
});
