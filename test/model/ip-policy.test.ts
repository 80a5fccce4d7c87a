import { describe, expect, it } from 'vitest';
import {
  contains,
  DEFAULT_POLICY,
  judgeRouteAddresses,
  narrowestCoveringCidr,
  parseAllowedIpEntry,
  readUpstreamPolicy,
  wellKnownRanges,
} from '../../src/model/ip-policy.js';

describe('parseAllowedIpEntry', () => {
  it('reads CIDRs and single addresses', () => {
    expect(parseAllowedIpEntry('10.0.0.0/8', 0)).toMatchObject({
      ok: true,
      cidr: { network: '10.0.0.0', prefix: 8 },
      single: false,
      hostBitsSet: false,
    });
    expect(parseAllowedIpEntry('192.168.1.7', 1)).toMatchObject({
      ok: true,
      cidr: { network: '192.168.1.7', prefix: 32 },
      single: true,
    });
    expect(parseAllowedIpEntry('0.0.0.0/0', 2)).toMatchObject({ ok: true, cidr: { network: '0.0.0.0', prefix: 0 } });
  });
  it('notes host bits and reads the network the proxy will use', () => {
    expect(parseAllowedIpEntry('10.1.2.3/8', 0)).toMatchObject({
      ok: true,
      cidr: { network: '10.0.0.0', prefix: 8 },
      hostBitsSet: true,
    });
  });
  it('refuses what Go refuses', () => {
    for (const bad of [
      '10.0.0.0/33',
      '10.0.0/8',
      '256.0.0.1',
      '010.0.0.1',
      '10.0.0.0/08',
      'ten',
      '',
      ' 10.0.0.0/8',
      '10.0.0.0/8/9',
      '0x0a.0.0.1',
    ]) {
      expect(parseAllowedIpEntry(bad, 0).ok, bad).toBe(false);
    }
    expect(parseAllowedIpEntry(10, 0)).toMatchObject({ ok: false, family: null });
    expect(parseAllowedIpEntry('010.0.0.1', 0)).toMatchObject({ problem: expect.stringContaining('write 10.0.0.1') });
  });
  it('recognizes IPv6 entries as such', () => {
    expect(parseAllowedIpEntry('fd00::/8', 0)).toMatchObject({ ok: false, family: 6 });
    expect(parseAllowedIpEntry('::1', 0)).toMatchObject({ ok: false, family: 6 });
  });
});

describe('readUpstreamPolicy', () => {
  it('defaults to RFC 1918', () => {
    const r = readUpstreamPolicy({ routes: {} });
    expect(r.policy).toBe(DEFAULT_POLICY);
    expect(contains(r.policy!, '10.20.30.40')).toBe(true);
    expect(contains(r.policy!, '172.31.255.255')).toBe(true);
    expect(contains(r.policy!, '172.32.0.1')).toBe(false);
    expect(contains(r.policy!, '8.8.8.8')).toBe(false);
  });
  it('allowed_ips replaces the default', () => {
    const r = readUpstreamPolicy({ upstream: { allowed_ips: ['100.64.0.0/10', '192.168.1.5'] } });
    expect(r.policy?.mode).toBe('allowed_ips');
    expect(contains(r.policy!, '100.100.1.1')).toBe(true);
    expect(contains(r.policy!, '192.168.1.5')).toBe(true);
    expect(contains(r.policy!, '192.168.1.6')).toBe(false);
    expect(contains(r.policy!, '10.0.0.1')).toBe(false);
  });
  it('disable_ip_validation allows every IPv4 address but never IPv6', () => {
    const r = readUpstreamPolicy({ upstream: { disable_ip_validation: true } });
    expect(r.policy?.mode).toBe('disabled');
    expect(contains(r.policy!, '8.8.8.8')).toBe(true);
    expect(contains(r.policy!, '::1')).toBe(false);
  });
  it('says why no policy can be told', () => {
    expect(readUpstreamPolicy({ upstream: { allowed_ips: '10.0.0.0/8' } }).unusable).toMatch(/not a list/);
    expect(readUpstreamPolicy({ upstream: { allowed_ips: ['nope'] } }).unusable).toMatch(/invalid entries/);
    expect(
      readUpstreamPolicy({ upstream: { allowed_ips: ['10.0.0.0/8'], disable_ip_validation: true } }).unusable,
    ).toMatch(/combined/);
    expect(readUpstreamPolicy({ upstream: { disable_ip_validation: 'yes' } }).unusable).toMatch(/true or false/);
    expect(readUpstreamPolicy({ upstream: 'x' }).unusable).toMatch(/not a map/);
  });
});

describe('narrowestCoveringCidr', () => {
  it('gives the /32 for a single address and names its range', () => {
    const s = narrowestCoveringCidr('100.64.3.10');
    expect(s.narrowest).toBe('100.64.3.10/32');
    expect(s.coveringAll).toBe('100.64.3.10/32');
    expect(s.ranges.map((r) => r.cidr)).toEqual(['100.64.0.0/10']);
    expect(s.ranges[0]?.advice).toContain('Kubernetes');
    expect(s.allowing).toBe('allow');
  });
  it('gives the smallest CIDR covering every refused address', () => {
    expect(narrowestCoveringCidr('100.64.0.10', ['100.64.12.7']).coveringAll).toBe('100.64.0.0/20');
    expect(narrowestCoveringCidr('34.1.2.3', ['34.1.2.4']).coveringAll).toBe('34.1.2.0/29');
    const far = narrowestCoveringCidr('8.8.8.8', ['200.1.1.1']);
    expect(far.coveringAll).toBe('0.0.0.0/0');
    expect(far.coveringAllSize).toBe(2 ** 32);
    expect(narrowestCoveringCidr('1.2.3.4', ['not-an-ip', '::1']).coveringAll).toBe('1.2.3.4/32');
  });
  it('names well-known ranges', () => {
    expect(wellKnownRanges('127.0.0.1')[0]).toMatchObject({ cidr: '127.0.0.0/8', allowing: 'testing' });
    expect(wellKnownRanges('169.254.169.254').map((r) => r.cidr)).toEqual(['169.254.0.0/16', '169.254.169.254/32']);
    expect(narrowestCoveringCidr('169.254.169.254').allowing).toBe('never');
    expect(wellKnownRanges('34.117.59.81')[0]?.name).toBe('public internet');
    expect(narrowestCoveringCidr('203.0.113.9').allowing).toBe('wrong-address');
  });
  it('refuses a non-IPv4 address', () => {
    expect(() => narrowestCoveringCidr('::1')).toThrow();
  });
});

describe('judgeRouteAddresses', () => {
  const route = { key: 'wiki', host: 'wiki.internal' };
  it('allows addresses inside the policy, naming the range', () => {
    const v = judgeRouteAddresses(route, ['10.0.0.5'], DEFAULT_POLICY);
    expect(v.verdict).toBe('allowed');
    expect(v.allowed).toEqual([{ address: '10.0.0.5', range: '10.0.0.0/8' }]);
  });
  it('refuses when any IPv4 answer is outside (the proxy may pick it)', () => {
    const v = judgeRouteAddresses(route, ['10.0.0.5', '34.117.59.81', 'fd00::1'], DEFAULT_POLICY);
    expect(v.verdict).toBe('refused');
    expect(v.refused).toEqual(['34.117.59.81']);
    expect(v.ipv6).toEqual(['fd00::1']);
  });
  it('IPv6 alone cannot be dialled', () => {
    expect(judgeRouteAddresses(route, ['fd00::1'], DEFAULT_POLICY).verdict).toBe('ipv6-only');
    expect(judgeRouteAddresses(route, [], DEFAULT_POLICY).verdict).toBe('none');
  });
});
