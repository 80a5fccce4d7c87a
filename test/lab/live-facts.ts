// Builders of LiveFacts for the live checks' unit tests: plain data, no network.

import type { Facts } from '../../src/core/facts.js';
import type {
  ConnectFailureKind,
  DnsFailureKind,
  DnsOutcome,
  EdgeLiveFacts,
  EdgeTarget,
  InnerTlsFailureKind,
  InnerTlsRouteFacts,
  ListenerKind,
  LiveFacts,
  OAuthChainFacts,
  ProxyLiveFacts,
  UpstreamLiveFacts,
} from '../../src/core/live-facts.js';
import { baseFacts, yamlFact } from '../harness/facts.js';

export function liveFacts(overrides: Partial<LiveFacts> = {}): LiveFacts {
  return {
    timeoutMs: 5000,
    budgetMs: 15000,
    durationMs: 100,
    probes: [],
    budgetExhausted: false,
    edge: null,
    edgeSkipped: null,
    proxy: null,
    proxySkipped: null,
    upstreams: null,
    upstreamsSkipped: null,
    oauthMetadata: null,
    resourceMetadata: null,
    oauthSkipped: null,
    caRegistration: null,
    caRegistrationSkipped: null,
    ...overrides,
  };
}

export function withLive(live: Partial<LiveFacts>, facts: Partial<Facts> = {}): Facts {
  return baseFacts({ offline: false, ...facts, live: liveFacts(live) });
}

export function dnsOk<T>(value: T, latencyMs = 3): DnsOutcome<T> {
  return { ok: true, value, latencyMs };
}

export function dnsFail<T>(failure: DnsFailureKind, latencyMs = 3): DnsOutcome<T> {
  return { ok: false, failure, detail: `lookup failed (${failure})`, latencyMs };
}

export function tcpOk(): EdgeTarget['tcp'] {
  return {
    ok: true,
    failure: null,
    detail: null,
    connectMs: 4,
    latencyMs: 20,
    acceptedBy: 'cloudflare-issuer',
    certificate: null,
  };
}

export function tcpFail(failure: ConnectFailureKind): EdgeTarget['tcp'] {
  return {
    ok: false,
    failure,
    detail: `tcp ${failure}`,
    connectMs: failure === 'tls-stall' ? 4 : null,
    latencyMs: 5000,
    acceptedBy: null,
    certificate: null,
  };
}

export function udpOk(): EdgeTarget['udp'] {
  return { ok: true, failure: null, detail: null, versions: ['0x00000001'], latencyMs: 12 };
}

export function udpFail(failure: ConnectFailureKind): EdgeTarget['udp'] {
  return { ok: false, failure, detail: `udp ${failure}`, versions: [], latencyMs: 5000 };
}

export function target(
  label: string,
  tcp: EdgeTarget['tcp'],
  udp: EdgeTarget['udp'],
  address = '198.41.192.7',
): EdgeTarget {
  return { label, host: `${label}.v2.argotunnel.com`, port: 7844, address, family: 4, tcp, udp };
}

export function edge(overrides: Partial<EdgeLiveFacts> = {}): EdgeLiveFacts {
  return {
    region: 'global',
    regionSource: 'default',
    discovery: 'srv',
    srvName: '_v2-origintunneld._tcp.argotunnel.com',
    dnsServers: ['127.0.0.1:5353'],
    srv: dnsOk([
      { target: 'region1.v2.argotunnel.com', port: 7844, priority: 1, weight: 1 },
      { target: 'region2.v2.argotunnel.com', port: 7844, priority: 2, weight: 1 },
    ]),
    hosts: [
      {
        label: 'region1',
        host: 'region1.v2.argotunnel.com',
        port: 7844,
        a: dnsOk(['198.41.192.7']),
        aaaa: dnsOk(['2606:4700:a0::1']),
      },
      {
        label: 'region2',
        host: 'region2.v2.argotunnel.com',
        port: 7844,
        a: dnsOk(['198.41.200.13']),
        aaaa: dnsFail('nodata'),
      },
    ],
    targets: [target('region1', tcpOk(), udpOk()), target('region2', tcpOk(), udpOk(), '198.41.200.13')],
    ...overrides,
  };
}

export function route(routeKey: string, failure: InnerTlsFailureKind | null = null): InnerTlsRouteFacts {
  return {
    route: routeKey,
    hostname: `${routeKey}.abcd1234.tunnel.example.com`,
    ok: failure === null,
    failure,
    verifyError: failure ? 'SOME_CODE' : null,
    detail: failure ? `inner ${failure}` : null,
    certificate: null,
    protocol: 'TLSv1.3',
    latencyMs: 15,
  };
}

export function proxy(
  kind: ListenerKind,
  routes: InnerTlsRouteFacts[] = [route('wiki')],
  overrides: Partial<ProxyLiveFacts> = {},
): ProxyLiveFacts {
  return {
    url: 'ws://127.0.0.1:8080/',
    urlSource: 'flag',
    listener: {
      kind,
      httpStatus: kind === 'http' ? 200 : kind === 'websocket' ? 101 : null,
      firstBytesHex: null,
      detail: null,
      latencyMs: 5,
    },
    routes,
    innerTlsSkipped: null,
    ...overrides,
  };
}

export function upstream(
  routeKey: string,
  connections: { address: string; failure: ConnectFailureKind | null }[],
  overrides: Partial<UpstreamLiveFacts> = {},
): UpstreamLiveFacts {
  return {
    route: routeKey,
    scheme: 'http',
    host: connections[0]?.address ?? 'mcp-server',
    port: 8080,
    resolution: null,
    addresses: connections.map((c) => c.address),
    refusedByPolicy: [],
    connections: connections.map((c) => ({
      address: c.address,
      ok: c.failure === null,
      failure: c.failure,
      detail: c.failure ? `connect ${c.failure}` : null,
      latencyMs: 2,
    })),
    notProbed: null,
    ...overrides,
  };
}

/** A walked discovery chain: the documents found (as JSON values) and the attempts in client order. */
export function oauthChain(
  domain: string,
  o: {
    path?: string;
    scope?: string | null;
    resourceMetadataUrl?: string | null;
    prm?: unknown;
    as?: unknown;
    attempts?: OAuthChainFacts['attempts'];
  } = {},
): OAuthChainFacts {
  const resource = `https://mcp.${domain}${o.path ?? '/mcp'}`;
  const prmUrl = `https://mcp.${domain}/.well-known/oauth-protected-resource${o.path ?? '/mcp'}`;
  const asUrl = `https://auth.${domain}/.well-known/oauth-authorization-server`;
  const doc = (url: string, value: unknown) => (value === undefined ? null : yamlFact(url, JSON.stringify(value)));
  const scope = o.scope ?? null;
  return {
    resource,
    challenge: {
      params: {
        ...(o.resourceMetadataUrl ? { resource_metadata: o.resourceMetadataUrl } : {}),
        ...(scope ? { scope } : {}),
      },
      resourceMetadata: o.resourceMetadataUrl ?? null,
      scope,
      error: null,
    },
    attempts: o.attempts ?? [],
    resourceMetadataUrl: o.prm === undefined ? null : prmUrl,
    resourceMetadata: doc(prmUrl, o.prm),
    issuer: `https://auth.${domain}`,
    authorizationServerMetadataUrl: o.as === undefined ? null : asUrl,
    authorizationServerMetadata: doc(asUrl, o.as),
    stopped: null,
  };
}
