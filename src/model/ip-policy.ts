// The proxy's upstream IP policy: which IPv4 addresses it agrees to dial. Pure functions over
// the parsed config and address strings; the static checks and the live DNS half share them.
//
// What the proxy does (reference/mcp-tunnels-facts.md): it dials IPv4 only; it allows the
// RFC 1918 ranges unless upstream.allowed_ips is set, which REPLACES that default; entries are
// IPv4 CIDRs or single addresses; disable_ip_validation turns the check off and cannot be
// combined with allowed_ips. The proxy is a Go program, so addresses are read the Go way:
// four decimal parts, no leading zeros.

import ipaddr from 'ipaddr.js';
import { isRecord } from './compose.js';

export interface Cidr {
  /** The network address (host bits cleared). */
  network: string;
  prefix: number;
}

export const RFC1918_RANGES: readonly string[] = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];

export function cidrText(c: Cidr): string {
  return `${c.network}/${c.prefix}`;
}

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const STRICT_IPV4 = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);
const LOOSE_IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/** A dotted-quad IPv4 address exactly as Go accepts it (no leading zeros, no short forms). */
function isStrictIPv4(s: string): boolean {
  return STRICT_IPV4.test(s);
}

/** 4 or 6 for an IP address literal (IPv4 in strict dotted-quad form), 0 for anything else. */
export function ipVersion(address: string): 4 | 6 | 0 {
  if (isStrictIPv4(address)) return 4;
  return ipaddr.IPv6.isValid(address) ? 6 : 0;
}

function toUint32(ip: string): number {
  return ipaddr.IPv4.parse(ip).octets.reduce((acc, o) => acc * 256 + o, 0);
}

function fromUint32(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export function parseCidr(text: string): Cidr {
  const [addr = '', p] = text.split('/');
  const prefix = p === undefined ? 32 : Number(p);
  return { network: fromUint32((toUint32(addr) & maskOf(prefix)) >>> 0), prefix };
}

export function cidrContains(c: Cidr, ip: string): boolean {
  return (toUint32(ip) & maskOf(c.prefix)) >>> 0 === toUint32(c.network);
}

/** True when two CIDRs share at least one address. */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  const p = Math.min(a.prefix, b.prefix);
  return (toUint32(a.network) & maskOf(p)) >>> 0 === (toUint32(b.network) & maskOf(p)) >>> 0;
}

/** Number of addresses in a CIDR. */
function cidrSize(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

// ------------------------------------------------------------------ allowed_ips entries

export type AllowedIpEntry =
  | {
      index: number;
      raw: unknown;
      ok: true;
      /** The range the proxy will use (host bits cleared). */
      cidr: Cidr;
      /** Written as a single address (no "/"). */
      single: boolean;
      /** Written with host bits set, e.g. 10.1.2.3/8. */
      hostBitsSet: boolean;
    }
  | {
      index: number;
      raw: unknown;
      ok: false;
      /** 6 when the entry is a valid IPv6 address or CIDR (refused: the proxy is IPv4 only). */
      family: 6 | null;
      problem: string;
    };

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'a list' : isRecord(v) ? 'a map' : `a ${typeof v}`;
}

export function parseAllowedIpEntry(raw: unknown, index: number): AllowedIpEntry {
  const bad = (problem: string, family: 6 | null = null): AllowedIpEntry => ({
    index,
    raw,
    ok: false,
    family,
    problem,
  });
  if (typeof raw !== 'string')
    return bad(`is ${typeName(raw)} (${JSON.stringify(raw)}), not an IPv4 address or CIDR string`);
  const text = raw.trim();
  if (text !== raw) return bad('has spaces around it; write the address or CIDR alone');
  if (text === '') return bad('is empty');
  const parts = text.split('/');
  if (parts.length > 2) return bad('has more than one "/"');
  const [addr = '', prefixText] = parts;
  if (ipaddr.IPv6.isValid(addr) && !isStrictIPv4(addr)) {
    const prefixOk = prefixText === undefined || /^(?:12[0-8]|1[01]\d|[1-9]?\d)$/.test(prefixText);
    return prefixOk
      ? bad('is an IPv6 entry; the proxy dials IPv4 only, so it can never match', 6)
      : bad(`has an invalid prefix length "/${prefixText}"`);
  }
  if (!isStrictIPv4(addr)) {
    if (LOOSE_IPV4.test(addr) && addr.split('.').every((o) => Number(o) <= 255))
      return bad(
        `has leading zeros in "${addr}"; Go refuses them (they read as octal elsewhere): write ${addr
          .split('.')
          .map((o) => String(Number(o)))
          .join('.')}`,
      );
    return bad(`"${addr}" is not an IPv4 address (four decimal numbers 0-255, e.g. 10.0.0.0)`);
  }
  if (prefixText !== undefined && !/^(?:3[0-2]|[12]?\d)$/.test(prefixText))
    return bad(`has an invalid prefix length "/${prefixText}" (0-32 for IPv4)`);
  const prefix = prefixText === undefined ? 32 : Number(prefixText);
  const cidr = parseCidr(`${addr}/${prefix}`);
  return { index, raw, ok: true, cidr, single: prefixText === undefined, hostBitsSet: cidr.network !== addr };
}

// ------------------------------------------------------------------ the policy in force

export interface IpPolicy {
  mode: 'default' | 'allowed_ips' | 'disabled';
  /** IPv4 ranges allowed (empty when disabled: everything IPv4 is allowed). */
  ranges: Cidr[];
}

export const DEFAULT_POLICY: IpPolicy = { mode: 'default', ranges: RFC1918_RANGES.map(parseCidr) };

export interface UpstreamPolicyReading {
  /** `upstream` itself: absent, a map, or something else (a type error reported by proxy-config). */
  upstreamShape: 'missing' | 'map' | 'other';
  allowedIps: { shape: 'missing' | 'list' | 'other'; raw: unknown; entries: AllowedIpEntry[] };
  disableValidation: { raw: unknown; value: boolean; valid: boolean };
  /** The policy the proxy would enforce; null when that cannot be told (see `unusable`). */
  policy: IpPolicy | null;
  unusable: string | null;
}

/** Read upstream.allowed_ips and upstream.disable_ip_validation from the proxy config's data. */
export function readUpstreamPolicy(data: unknown): UpstreamPolicyReading {
  const root = isRecord(data) ? data : {};
  const up = root.upstream;
  const upstreamShape = up === undefined || up === null ? 'missing' : isRecord(up) ? 'map' : 'other';
  const section = isRecord(up) ? up : {};
  const rawList = section.allowed_ips;
  const shape = rawList === undefined || rawList === null ? 'missing' : Array.isArray(rawList) ? 'list' : 'other';
  const entries = Array.isArray(rawList) ? rawList.map((item, i) => parseAllowedIpEntry(item, i)) : [];
  const rawDisable = section.disable_ip_validation;
  const disableValidation = {
    raw: rawDisable,
    value: rawDisable === true,
    valid: rawDisable === undefined || rawDisable === null || typeof rawDisable === 'boolean',
  };
  const reading: UpstreamPolicyReading = {
    upstreamShape,
    allowedIps: { shape, raw: rawList, entries },
    disableValidation,
    policy: null,
    unusable: null,
  };
  if (upstreamShape === 'other') reading.unusable = 'upstream is not a map';
  else if (shape === 'other') reading.unusable = 'upstream.allowed_ips is not a list';
  else if (entries.some((e) => !e.ok)) reading.unusable = 'upstream.allowed_ips has invalid entries';
  else if (!disableValidation.valid) reading.unusable = 'upstream.disable_ip_validation is not true or false';
  else if (disableValidation.value && shape === 'list' && entries.length > 0)
    reading.unusable = 'upstream.allowed_ips is combined with disable_ip_validation';
  else if (disableValidation.value) reading.policy = { mode: 'disabled', ranges: [] };
  else if (shape === 'list' && entries.length > 0)
    reading.policy = { mode: 'allowed_ips', ranges: entries.flatMap((e) => (e.ok ? [e.cidr] : [])) };
  else reading.policy = DEFAULT_POLICY;
  return reading;
}

/** The IPv4 range of the policy that allows `ip`, or null. IPv6 is never allowed: the proxy dials IPv4 only. */
function allowingRange(policy: IpPolicy, ip: string): Cidr | 'disabled' | null {
  if (!isStrictIPv4(ip)) return null;
  if (policy.mode === 'disabled') return 'disabled';
  return policy.ranges.find((r) => cidrContains(r, ip)) ?? null;
}

export function contains(policy: IpPolicy, ip: string): boolean {
  return allowingRange(policy, ip) !== null;
}

export function describePolicy(policy: IpPolicy): string {
  if (policy.mode === 'disabled')
    return 'IP validation is disabled (upstream.disable_ip_validation: true): every IPv4 address is dialled';
  const list = policy.ranges.map(cidrText).join(', ');
  return policy.mode === 'default'
    ? `upstream.allowed_ips is not set, so the RFC 1918 default applies: ${list}`
    : `upstream.allowed_ips allows ${list}`;
}

// ------------------------------------------------------------------ naming an address

export interface WellKnownRange {
  cidr: string;
  name: string;
  /** What allowing it means, in one sentence. */
  advice: string;
  /**
   * allow: adding it to allowed_ips is a sound fix; testing: only for a local test; never: must
   * not be allowed (the metadata service); wrong-address: nothing there can be an upstream.
   */
  allowing: 'allow' | 'testing' | 'never' | 'wrong-address';
}

const WELL_KNOWN: WellKnownRange[] = [
  {
    cidr: '0.0.0.0/8',
    name: '"this network" (RFC 1122)',
    advice: 'Addresses here cannot be dialled; the upstream address is wrong.',
    allowing: 'wrong-address',
  },
  {
    cidr: '10.0.0.0/8',
    name: 'private (RFC 1918)',
    advice: 'Part of the default policy; allowed unless allowed_ips leaves it out.',
    allowing: 'allow',
  },
  {
    cidr: '100.64.0.0/10',
    name: 'shared address space (RFC 6598, carrier-grade NAT)',
    advice:
      "Some managed Kubernetes distributions allocate Service or Pod addresses here; allow your cluster's Service CIDR (kubectl get svc kubernetes -n default -o jsonpath='{.spec.clusterIP}' shows an address in it) rather than the whole /10.",
    allowing: 'allow',
  },
  {
    cidr: '127.0.0.0/8',
    name: 'loopback',
    advice:
      "For local testing only; inside a container it is the proxy's own network namespace (shared with cloudflared), not the host: use the upstream service's name instead.",
    allowing: 'testing',
  },
  {
    cidr: '169.254.0.0/16',
    name: 'link-local',
    advice:
      'Link-local addresses are not stable upstreams, and this range holds cloud metadata services: do not allow it.',
    allowing: 'never',
  },
  {
    cidr: '169.254.169.254/32',
    name: 'the cloud instance metadata service',
    advice: 'This is the classic SSRF target (it hands out cloud credentials); never allow it.',
    allowing: 'never',
  },
  {
    cidr: '172.16.0.0/12',
    name: 'private (RFC 1918)',
    advice: 'Part of the default policy; allowed unless allowed_ips leaves it out.',
    allowing: 'allow',
  },
  {
    cidr: '192.0.0.0/24',
    name: 'IETF protocol assignments (RFC 6890)',
    advice: 'Not a normal host address; check the upstream address.',
    allowing: 'wrong-address',
  },
  {
    cidr: '192.0.2.0/24',
    name: 'documentation (TEST-NET-1, RFC 5737)',
    advice: 'Never routed: an example address was left in the config.',
    allowing: 'wrong-address',
  },
  {
    cidr: '192.168.0.0/16',
    name: 'private (RFC 1918)',
    advice: 'Part of the default policy; allowed unless allowed_ips leaves it out.',
    allowing: 'allow',
  },
  {
    cidr: '198.18.0.0/15',
    name: 'benchmarking (RFC 2544)',
    advice: 'Meant for network test labs only.',
    allowing: 'allow',
  },
  {
    cidr: '198.51.100.0/24',
    name: 'documentation (TEST-NET-2, RFC 5737)',
    advice: 'Never routed: an example address was left in the config.',
    allowing: 'wrong-address',
  },
  {
    cidr: '203.0.113.0/24',
    name: 'documentation (TEST-NET-3, RFC 5737)',
    advice: 'Never routed: an example address was left in the config.',
    allowing: 'wrong-address',
  },
  {
    cidr: '224.0.0.0/4',
    name: 'multicast',
    advice: 'Cannot be dialled over TCP; the upstream address is wrong.',
    allowing: 'wrong-address',
  },
  {
    cidr: '240.0.0.0/4',
    name: 'reserved (class E)',
    advice: 'Not routed; the upstream address is wrong.',
    allowing: 'wrong-address',
  },
  {
    cidr: '255.255.255.255/32',
    name: 'limited broadcast',
    advice: 'Cannot be dialled; the upstream address is wrong.',
    allowing: 'wrong-address',
  },
];

const PUBLIC_RANGE: WellKnownRange = {
  cidr: '0.0.0.0/0',
  name: 'public internet',
  advice:
    'Allowing it lets the proxy reach that internet host; prefer a private address for the upstream, or allow only this /32.',
  allowing: 'allow',
};

/** The strictest verdict among an address's ranges: whether adding it to allowed_ips is a sound fix. */
function allowingVerdict(ranges: readonly WellKnownRange[]): WellKnownRange['allowing'] {
  const order: WellKnownRange['allowing'][] = ['wrong-address', 'never', 'testing', 'allow'];
  return order.find((o) => ranges.some((r) => r.allowing === o)) ?? 'allow';
}

/** The well-known ranges an IPv4 address belongs to, widest first; the public internet when none. */
export function wellKnownRanges(ip: string): WellKnownRange[] {
  const found = WELL_KNOWN.filter((r) => cidrContains(parseCidr(r.cidr), ip)).sort(
    (a, b) => parseCidr(a.cidr).prefix - parseCidr(b.cidr).prefix,
  );
  return found.length > 0 ? found : [PUBLIC_RANGE];
}

/**
 * The smallest CIDR covering every IPv4 address given (a /32 for one address); what is not an
 * IPv4 address is ignored. Null when nothing is. The one covering-CIDR computation: the
 * upstream-ip check, the log detail of a refused address and the repairs all use it.
 */
export function coveringCidr(addresses: readonly string[]): Cidr | null {
  const all = addresses.filter(isStrictIPv4).map(toUint32);
  const [first] = all;
  if (first === undefined) return null;
  let prefix = 32;
  for (const n of all) prefix = Math.min(prefix, Math.clz32((n ^ first) >>> 0));
  return { network: fromUint32((first & maskOf(prefix)) >>> 0), prefix };
}

/**
 * What to add to allowed_ips for refused addresses seen in logs: the covering CIDR when it is a
 * /24 or narrower, else each address as a /32 (at most five); never a wide range, which would
 * open the proxy's SSRF guard.
 */
export function allowedIpsEntries(addresses: readonly string[]): string {
  const covering = coveringCidr(addresses);
  return covering && covering.prefix >= 24
    ? cidrText(covering)
    : addresses
        .slice(0, 5)
        .map((a) => `${a}/32`)
        .join(', ');
}

export interface CidrSuggestion {
  address: string;
  /** The narrowest CIDR covering the address: its /32. */
  narrowest: string;
  /** The smallest single CIDR covering the address and every IPv4 neighbour (the /32 without neighbours). */
  coveringAll: string;
  /** How many addresses coveringAll allows. */
  coveringAllSize: number;
  /** Well-known ranges the address belongs to (the public internet when none). */
  ranges: WellKnownRange[];
  /** Whether allowing the address is a sound fix at all (see WellKnownRange.allowing). */
  allowing: WellKnownRange['allowing'];
}

/**
 * What to add to allowed_ips for a refused address: its /32, and, when other refused addresses
 * are given, the smallest CIDR covering all of them (which may be far wider: the caller decides
 * whether it is sensible to offer).
 */
export function narrowestCoveringCidr(ip: string, neighbours: readonly string[] = []): CidrSuggestion {
  const covering = isStrictIPv4(ip) ? coveringCidr([ip, ...neighbours]) : null;
  if (!covering) throw new Error(`not an IPv4 address: ${ip}`);
  const ranges = wellKnownRanges(ip);
  return {
    address: ip,
    narrowest: `${ip}/32`,
    coveringAll: cidrText(covering),
    coveringAllSize: cidrSize(covering),
    ranges,
    allowing: allowingVerdict(ranges),
  };
}

// ------------------------------------------------------------------ judging a route's addresses

export interface RouteAddressVerdict {
  route: string;
  host: string;
  /** IPv4 addresses the policy allows, with the range that allows each. */
  allowed: { address: string; range: string }[];
  /** IPv4 addresses the policy refuses. */
  refused: string[];
  /** IPv6 addresses: never dialled. */
  ipv6: string[];
  /** Strings that are not addresses at all. */
  invalid: string[];
  /**
   * allowed: every IPv4 address is allowed; refused: at least one IPv4 address is refused (a
   * refused one may be picked on any request); ipv6-only: no IPv4 address at all; none: nothing given.
   */
  verdict: 'allowed' | 'refused' | 'ipv6-only' | 'none';
}

/** Judge the addresses a route's upstream host stands for (its literal, or its DNS answers). */
export function judgeRouteAddresses(
  route: { key: string; host: string },
  addresses: readonly string[],
  policy: IpPolicy,
): RouteAddressVerdict {
  const v: RouteAddressVerdict = {
    route: route.key,
    host: route.host,
    allowed: [],
    refused: [],
    ipv6: [],
    invalid: [],
    verdict: 'none',
  };
  for (const a of addresses) {
    if (isStrictIPv4(a)) {
      const r = allowingRange(policy, a);
      if (r === null) v.refused.push(a);
      else v.allowed.push({ address: a, range: r === 'disabled' ? 'any (validation disabled)' : cidrText(r) });
    } else if (ipaddr.IPv6.isValid(a)) v.ipv6.push(a);
    else v.invalid.push(a);
  }
  v.verdict =
    v.refused.length > 0 ? 'refused' : v.allowed.length > 0 ? 'allowed' : v.ipv6.length > 0 ? 'ipv6-only' : 'none';
  return v;
}
