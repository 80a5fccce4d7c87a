// DNS lookups for the live probes: SRV for edge discovery, A and AAAA for hosts. With
// --dns-server every lookup goes to the given resolvers (node:dns Resolver.setServers); without
// it the system's resolvers are used. Each lookup has its own deadline and tells NXDOMAIN,
// empty answers, SERVFAIL, REFUSED and timeouts apart.

import { lookup as systemLookup, Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { DnsFailureKind, DnsOutcome, Region, SrvAnswer } from '../core/live-facts.js';
import { startDeadline, whenAborted } from './deadline.js';
import { GUARD_MESSAGE, guardRefusal, lookupRefusal, loopbackNameAddresses, loopbackOnly } from './loopback-guard.js';
import { parseDnsServer } from '../model/dns-server.js';

/** The SRV name cloudflared queries for a region. */
export function srvNameForRegion(region: Region): string {
  // global: _v2-origintunneld; a region prefixes the service (us-v2-origintunneld). Assumption:
  // a FedRAMP token ("e":"fed") follows the same pattern (fed-v2-origintunneld), which matches
  // the fed-region1/fed-region2 host names; cloudflared's source is the authority.
  const service = region === 'global' ? 'v2-origintunneld' : `${region}-v2-origintunneld`;
  return `_${service}._tcp.argotunnel.com`;
}

const CODE_KINDS: Record<string, DnsFailureKind> = {
  ENOTFOUND: 'nxdomain',
  ENODATA: 'nodata',
  ESERVFAIL: 'servfail',
  EREFUSED: 'refused',
  ETIMEOUT: 'timeout',
  ECONNREFUSED: 'unreachable',
  ECANCELLED: 'timeout',
};

export function classifyDnsError(err: unknown): DnsFailureKind {
  const code = (err as { code?: string } | null)?.code ?? '';
  return CODE_KINDS[code] ?? 'error';
}

function describeDnsFailure(kind: DnsFailureKind, name: string, type: string, err: unknown, servers: string): string {
  switch (kind) {
    case 'nxdomain':
      return `${name} does not exist (NXDOMAIN) according to ${servers}`;
    case 'nodata':
      return `${name} exists but has no ${type} record (empty answer) at ${servers}`;
    case 'servfail':
      return `${servers} answered SERVFAIL for ${name} ${type}: it could not resolve the name`;
    case 'refused':
      return `${servers} refused to answer ${name} ${type} (REFUSED)`;
    case 'timeout':
      return `no answer from ${servers} for ${name} ${type} before the deadline`;
    case 'unreachable':
      return `${servers} is unreachable (nothing listens on its DNS port)`;
    default:
      return `${name} ${type} lookup failed at ${servers}: ${(err as Error)?.message ?? String(err)}`;
  }
}

export interface DnsClient {
  /** Resolvers in use, as given; empty for the system resolvers. */
  readonly servers: string[];
  srv(name: string, timeoutMs: number, parent?: AbortSignal): Promise<DnsOutcome<SrvAnswer[]>>;
  a(name: string, timeoutMs: number, parent?: AbortSignal): Promise<DnsOutcome<string[]>>;
  aaaa(name: string, timeoutMs: number, parent?: AbortSignal): Promise<DnsOutcome<string[]>>;
  /**
   * IPv4 addresses of a host the way a program on this machine finds them: the --dns-server
   * resolvers when given, else the system's lookup (hosts file, then DNS; Compose service
   * names resolve this way inside the proxy's network).
   */
  ipv4(name: string, timeoutMs: number, parent?: AbortSignal): Promise<DnsOutcome<string[]>>;
}

const LOOKUP_KINDS: Record<string, DnsFailureKind> = {
  ENOTFOUND: 'nxdomain',
  ENODATA: 'nodata',
  EAI_AGAIN: 'servfail',
  EAI_FAIL: 'servfail',
};

/**
 * A DNS client bound to `servers` (ip[:port], repeatable) or, when empty, to the system's
 * resolvers. With the loopback guard on, the system resolvers and non-loopback servers are refused.
 * A server that does not parse (the command refuses those first, with parseDnsServer) makes every
 * lookup fail with kind 'error': a probe never throws past the runner.
 */
export function createDnsClient(servers: readonly string[]): DnsClient {
  const parsed: { address: string; port: number; forResolver: string }[] = [];
  let failure: { kind: DnsFailureKind; detail: string } | null = null;
  for (const text of servers) {
    const server = parseDnsServer(text);
    if (server) parsed.push(server);
    else failure ??= { kind: 'error', detail: `the DNS server ${text} is not an IP address with an optional port` };
  }
  const label = servers.length > 0 ? servers.join(', ') : 'the system resolver';
  if (servers.length === 0 && loopbackOnly()) {
    failure = {
      kind: 'guard',
      detail: `${GUARD_MESSAGE}: no --dns-server given, and the system resolver may send queries off this machine`,
    };
  }
  for (const p of parsed) {
    const refusal = guardRefusal(p.address);
    if (refusal) failure ??= { kind: 'guard', detail: refusal };
  }

  async function systemIpv4(
    name: string,
    timeoutMs: number,
    parent: AbortSignal | undefined,
  ): Promise<DnsOutcome<string[]>> {
    if (loopbackOnly()) {
      // Never the system resolver under the guard: a loopback name is answered without a query.
      const refused = lookupRefusal(name);
      if (refused) return { ok: false, failure: 'guard', detail: refused, latencyMs: 0 };
      const value = isIP(name) === 4 ? [name] : loopbackNameAddresses(4).map((a) => a.address);
      return { ok: true, value, latencyMs: 0 };
    }
    const d = startDeadline(timeoutMs, parent);
    let unsubscribe = () => undefined as void;
    const timedOut = new Promise<'timeout'>((resolve) => {
      unsubscribe = whenAborted(d.signal, () => resolve('timeout'));
    });
    try {
      const answer = await Promise.race([systemLookup(name, { family: 4, all: true }), timedOut]);
      if (answer === 'timeout')
        return {
          ok: false,
          failure: 'timeout',
          detail: describeDnsFailure('timeout', name, 'A', null, label),
          latencyMs: d.elapsed(),
        };
      return { ok: true, value: answer.map((a) => a.address), latencyMs: d.elapsed() };
    } catch (err) {
      const kind = LOOKUP_KINDS[(err as { code?: string }).code ?? ''] ?? 'error';
      return {
        ok: false,
        failure: kind,
        detail: describeDnsFailure(kind, name, 'A', err, label),
        latencyMs: d.elapsed(),
      };
    } finally {
      unsubscribe();
      d.dispose();
    }
  }

  async function query<T>(
    name: string,
    type: 'SRV' | 'A' | 'AAAA',
    timeoutMs: number,
    parent: AbortSignal | undefined,
    map: (r: Resolver) => Promise<T>,
  ): Promise<DnsOutcome<T>> {
    const d = startDeadline(timeoutMs, parent);
    if (failure) {
      d.dispose();
      return { ok: false, failure: failure.kind, detail: failure.detail, latencyMs: 0 };
    }
    // One Resolver per query, so cancel() on timeout stops exactly this query.
    const resolver = new Resolver({ timeout: Math.max(1, Math.ceil(d.remaining())), tries: 1 });
    if (parsed.length > 0) resolver.setServers(parsed.map((p) => p.forResolver));
    let unsubscribe = () => undefined as void;
    const timedOut = new Promise<'timeout'>((resolve) => {
      unsubscribe = whenAborted(d.signal, () => {
        resolver.cancel();
        resolve('timeout');
      });
    });
    try {
      const answer = await Promise.race([map(resolver), timedOut]);
      if (answer === 'timeout')
        return {
          ok: false,
          failure: 'timeout',
          detail: describeDnsFailure('timeout', name, type, null, label),
          latencyMs: d.elapsed(),
        };
      return { ok: true, value: answer as T, latencyMs: d.elapsed() };
    } catch (err) {
      const kind = d.signal.aborted ? 'timeout' : classifyDnsError(err);
      return {
        ok: false,
        failure: kind,
        detail: describeDnsFailure(kind, name, type, err, label),
        latencyMs: d.elapsed(),
      };
    } finally {
      unsubscribe();
      d.dispose();
    }
  }

  return {
    servers: [...servers],
    srv: (name, timeoutMs, parent) =>
      query(name, 'SRV', timeoutMs, parent, async (r) =>
        (await r.resolveSrv(name))
          .map((x) => ({
            target: x.name.replace(/\.$/, '').toLowerCase(),
            port: x.port,
            priority: x.priority,
            weight: x.weight,
          }))
          .sort((x, y) => x.priority - y.priority || y.weight - x.weight || x.target.localeCompare(y.target)),
      ),
    a: (name, timeoutMs, parent) => query(name, 'A', timeoutMs, parent, (r) => r.resolve4(name)),
    aaaa: (name, timeoutMs, parent) => query(name, 'AAAA', timeoutMs, parent, (r) => r.resolve6(name)),
    ipv4: (name, timeoutMs, parent) =>
      servers.length > 0
        ? query(name, 'A', timeoutMs, parent, (r) => r.resolve4(name))
        : systemIpv4(name, timeoutMs, parent),
  };
}
