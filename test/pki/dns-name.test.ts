import { describe, expect, it } from 'vitest';
import { coveringName, dnsNameMatches, wildcardProblem } from '../../src/pki/dns-name.js';

describe('dnsNameMatches (RFC 6125 §6.4.3, as TLS clients apply it)', () => {
  const d = 'abcd1234.tunnel.example.com';
  it.each([
    [`*.${d}`, `wiki.${d}`, true],
    [`*.${d}`, `WIKI.${d.toUpperCase()}`, true],
    [`*.${d}.`, `wiki.${d}`, true],
    [`*.${d}`, `wiki.${d}.`, true],
    [`wiki.${d}`, `wiki.${d}`, true],
    [`Wiki.${d}`, `wiki.${d}`, true],
    [`*.${d}`, d, false], // the wildcard needs one label
    [`*.${d}`, `a.b.${d}`, false], // and only one
    [`*.tunnel.example.com`, `wiki.${d}`, false], // one level too high
    [`w*.${d}`, `wiki.${d}`, false], // partial wildcards are not honoured
    [`*wiki.${d}`, `wiki.${d}`, false],
    [`wiki.*.example.com`, `wiki.x.example.com`, false],
    ['*.com', 'example.com', false],
    ['*', 'localhost', false],
    [`*.${d}`, `*.${d}`, false], // a host is never a pattern
    [`*.${d}`, `.${d}`, false],
    ['', 'x', false],
  ])('%s vs %s -> %s', (pattern, host, expected) => {
    expect(dnsNameMatches(pattern, host)).toBe(expected);
  });

  it('wildcardProblem explains the patterns that can match nothing', () => {
    expect(wildcardProblem('*.example.com')).toBeNull();
    expect(wildcardProblem('plain.example.com')).toBeNull();
    expect(wildcardProblem('w*.example.com')).toMatch(/partial wildcard/);
    expect(wildcardProblem('a.*.example.com')).toMatch(/left-most/);
    expect(wildcardProblem('*.com')).toMatch(/two-label/);
  });

  it('coveringName returns the first name that covers the host', () => {
    expect(coveringName(['other.example', `*.${d}`, `wiki.${d}`], `wiki.${d}`)).toBe(`*.${d}`);
    expect(coveringName(['other.example'], `wiki.${d}`)).toBeNull();
  });
});
