// LiveFacts: what the network probes saw, as plain data. Filled by src/probes/live.ts only when
// the doctor is not --offline; the live checks judge it. Every probe result says how long it
// took and, when it failed, a typed failure kind, so checks never parse error messages.

import type { FileFact, YamlDocumentFacts } from './facts.js';
import type { CloudflaredMetricsFacts, ContainerLogFacts, DockerRuntimeFacts, ProbeOrigin } from './runtime-facts.js';

/** Why a DNS lookup gave no answer. */
export type DnsFailureKind =
  /** The name does not exist (NXDOMAIN). */
  | 'nxdomain'
  /** The name exists but has no record of this type (NOERROR, empty answer). */
  | 'nodata'
  /** The resolver could not get an answer (SERVFAIL). */
  | 'servfail'
  /** The resolver refused the query (REFUSED). */
  | 'refused'
  /** No answer before the deadline. */
  | 'timeout'
  /** The resolver's port answered with ICMP unreachable. */
  | 'unreachable'
  /** MCP_TUNNEL_LOOPBACK_ONLY is set and the resolver is not on loopback. */
  | 'guard'
  | 'error';

/** Why a connection attempt (TCP, UDP, TLS, HTTP) failed. */
export type ConnectFailureKind =
  /** Something answered and refused: TCP RST to the SYN, or ICMP port unreachable. */
  | 'refused'
  /** No answer before the deadline: packets are dropped. */
  | 'timeout'
  /** The connection was reset after it was established. */
  | 'reset'
  /** TCP connected, but no TLS ServerHello came before the deadline (a middlebox holds it). */
  | 'tls-stall'
  /** TLS completed with a certificate from an issuer the edge does not use (interception). */
  | 'tls-untrusted-issuer'
  /** TLS failed in another way (alert, protocol error, closed). */
  | 'tls-error'
  /** No route to the host or network (ICMP host/network unreachable, EHOSTUNREACH). */
  | 'unreachable'
  /** The peer answered, but not with what the probe expects. */
  | 'unexpected-answer'
  /** MCP_TUNNEL_LOOPBACK_ONLY is set and the destination is not on loopback. */
  | 'guard'
  | 'error';

export interface ProbeTiming {
  /** Milliseconds from the start of this probe to its result (success or failure). */
  latencyMs: number;
}

export type DnsOutcome<T> =
  ({ ok: true; value: T } & ProbeTiming) | ({ ok: false; failure: DnsFailureKind; detail: string } & ProbeTiming);

export interface SrvAnswer {
  target: string;
  port: number;
  priority: number;
  weight: number;
}

/** The certificate a TLS peer presented, reduced to what the checks read. */
export interface PeerCertificateFacts {
  subject: string;
  issuer: string;
  /** The issuer's O= value(s), joined with ', ' (empty when absent). */
  issuerOrganization: string;
  notBefore: string; // ISO 8601
  notAfter: string; // ISO 8601
  fingerprint256: string; // lowercase hex, no separators
  sanDns: string[];
  /** Extended key usage OIDs (empty when the extension is absent). */
  extKeyUsage: string[];
}

export type Region = 'global' | 'us' | 'fed';

export interface EdgeTcpOutcome extends ProbeTiming {
  ok: boolean;
  failure: ConnectFailureKind | null;
  detail: string | null;
  /** Time to the TCP connection (null when it never connected). */
  connectMs: number | null;
  /** Why the issuer was accepted: an injected edge CA, a public root, or a Cloudflare issuer. */
  acceptedBy: 'edge-ca' | 'public-root' | 'cloudflare-issuer' | null;
  certificate: PeerCertificateFacts | null;
}

export interface EdgeUdpOutcome extends ProbeTiming {
  ok: boolean;
  failure: ConnectFailureKind | null;
  detail: string | null;
  /** QUIC versions listed by the Version Negotiation answer, as 0x-prefixed hex. */
  versions: string[];
}

export interface EdgeTarget {
  /** `region1`, `region2` (from SRV, with the regional prefix), or `edge` for --edge. */
  label: string;
  host: string;
  port: number;
  address: string;
  family: 4 | 6;
  tcp: EdgeTcpOutcome;
  udp: EdgeUdpOutcome;
}

export interface EdgeHostResolution {
  label: string;
  host: string;
  port: number;
  /** Null for an IP literal (nothing to resolve). */
  a: DnsOutcome<string[]> | null;
  aaaa: DnsOutcome<string[]> | null;
}

export interface EdgeLiveFacts {
  region: Region;
  regionSource: 'flag' | 'token' | 'default';
  /** `srv` when discovered through DNS; `flag` when --edge replaced discovery. */
  discovery: 'srv' | 'flag';
  srvName: string | null;
  /** Resolvers every lookup went to; empty means the system resolver. */
  dnsServers: string[];
  srv: DnsOutcome<SrvAnswer[]> | null;
  hosts: EdgeHostResolution[];
  targets: EdgeTarget[];
}

/** What the proxy's listener is, judged from its answer to a WebSocket upgrade. */
export type ListenerKind =
  | 'websocket'
  /** Plain HTTP answered without upgrading (status in httpStatus). */
  | 'http'
  /** The listener speaks TLS directly. */
  | 'tls'
  /** Connected, but nothing came back before the deadline. */
  | 'silent'
  /** Connected, then closed without a word. */
  | 'closed'
  | 'reset'
  | 'refused'
  | 'timeout'
  | 'unreachable'
  | 'guard'
  | 'other';

export interface ListenerFacts extends ProbeTiming {
  kind: ListenerKind;
  httpStatus: number | null;
  /** The first bytes of the answer, hex (at most 16), when there were any. */
  firstBytesHex: string | null;
  detail: string | null;
}

export type InnerTlsFailureKind =
  /** Not signed by the CA of data/ca.crt. */
  | 'unknown-ca'
  | 'san-mismatch'
  | 'expired'
  | 'not-yet-valid'
  /** KeyUsage / ExtendedKeyUsage do not allow a TLS server. */
  | 'wrong-key-usage'
  /** The TLS handshake inside the WebSocket failed (alert, closed). */
  | 'handshake-failed'
  /** The WebSocket itself could not be opened. */
  | 'websocket-failed'
  | 'timeout'
  | 'guard'
  | 'error';

export interface InnerTlsRouteFacts extends ProbeTiming {
  route: string;
  hostname: string;
  ok: boolean;
  failure: InnerTlsFailureKind | null;
  /** OpenSSL's verification code (CERT_HAS_EXPIRED...) or the hostname check's message. */
  verifyError: string | null;
  detail: string | null;
  certificate: PeerCertificateFacts | null;
  protocol: string | null; // 'TLSv1.3'
}

export interface ProxyLiveFacts {
  url: string;
  /** Where the URL came from: --proxy, or listen_addr on 127.0.0.1. */
  urlSource: 'flag' | 'listen_addr';
  listener: ListenerFacts;
  /** One per route with a hostname; empty when there is no CA to verify against (see noCa). */
  routes: InnerTlsRouteFacts[];
  /** Why the inner TLS was not tried, when it was not (no CA, no routes, listener not WebSocket). */
  innerTlsSkipped: string | null;
}

export interface UpstreamConnectFacts extends ProbeTiming {
  address: string;
  ok: boolean;
  failure: ConnectFailureKind | null;
  detail: string | null;
}

export interface UpstreamLiveFacts {
  route: string;
  scheme: string;
  host: string;
  port: number;
  /** A records of a hostname upstream (null for an IP literal). The proxy dials IPv4 only. */
  resolution: DnsOutcome<string[]> | null;
  /** IPv4 addresses the upstream stands for (the literal, or the A records). */
  addresses: string[];
  /** Addresses the proxy's policy refuses: never probed. */
  refusedByPolicy: string[];
  connections: UpstreamConnectFacts[];
  /** Why nothing was probed for this upstream, when nothing was. */
  notProbed: string | null;
}

export type FetchFailureKind =
  ConnectFailureKind | 'http-status' | 'redirect' | 'too-large' | 'not-json' | 'not-probed';

export interface FetchedDocumentFacts extends ProbeTiming {
  route: string;
  url: string;
  ok: boolean;
  failure: FetchFailureKind | null;
  detail: string | null;
  httpStatus: number | null;
  contentType: string | null;
  /** The document parsed with positions, exactly like a file given with --oauth-metadata. */
  document: FileFact<YamlDocumentFacts> | null;
}

/** What a route's upstream answered to an MCP `initialize` (Streamable HTTP), named for what it is. */
export type McpHandshakeKind =
  /** A JSON-RPC result with protocolVersion: an MCP server. */
  | 'mcp'
  /** 401 with a `WWW-Authenticate: Bearer` challenge: an MCP server behind OAuth. */
  | 'auth-challenge'
  /** A web page. */
  | 'html'
  | 'not-found'
  /** A 3xx; a conforming client does not follow it for a POST. */
  | 'redirect'
  /** The old HTTP+SSE transport: the POST refused, a GET answers an `endpoint` event. */
  | 'legacy-sse'
  /** A JSON-RPC error instead of a result. */
  | 'jsonrpc-error'
  /** Another status (a 500, a 401 without a Bearer challenge...). */
  | 'http-status'
  /** 2xx, but no JSON-RPC answer in the body. */
  | 'not-json'
  /** No HTTP answer: refused, timeout, reset, guard... (failure says which). */
  | 'connect-failed'
  /** Not sent: no allowed address (detail says why). */
  | 'not-probed';

/** A `WWW-Authenticate: Bearer` challenge, its auth-params as RFC 6750 section 3 defines them. */
export interface BearerChallenge {
  params: Record<string, string>;
  resourceMetadata: string | null;
  scope: string | null;
  error: string | null;
}

export interface McpHandshakeFacts extends ProbeTiming {
  route: string;
  /** The upstream URL the POST went to. */
  url: string;
  /** The Host header sent: <route>.<tunnel-domain>, as the proxy forwards it. */
  hostHeader: string;
  path: string;
  kind: McpHandshakeKind;
  httpStatus: number | null;
  contentType: string | null;
  protocolVersion: string | null;
  serverName: string | null;
  serverVersion: string | null;
  challenge: BearerChallenge | null;
  /** A redirect's Location, and whether it leaves the host asked. */
  location: string | null;
  leavesHost: boolean | null;
  failure: FetchFailureKind | null;
  detail: string | null;
}

/** One URL a conforming client tries on the discovery chain, in its order. */
export interface ChainAttempt {
  step: 'resource-metadata' | 'authorization-server-metadata';
  url: string;
  /** The route whose upstream answered for the URL's host; null when the host is not a tunnel route. */
  route: string | null;
  httpStatus: number | null;
  /** Null when the document there was used; else why the client went on (or stopped). */
  notUsed: string | null;
}

/** The OAuth discovery chain as the platform's client walks it from the `mcp` route's challenge. */
export interface OAuthChainFacts {
  /** https://mcp.<tunnel-domain> + the MCP path: the resource the client asks for. */
  resource: string;
  challenge: BearerChallenge | null;
  attempts: ChainAttempt[];
  /** The protected resource metadata the client used, with the URL it came from. */
  resourceMetadataUrl: string | null;
  resourceMetadata: FileFact<YamlDocumentFacts> | null;
  /** authorization_servers[0] of that document. */
  issuer: string | null;
  authorizationServerMetadataUrl: string | null;
  authorizationServerMetadata: FileFact<YamlDocumentFacts> | null;
  /** Why the walk stopped before the authorization server metadata, when it did. */
  stopped: string | null;
}

export interface ApiCertificate {
  id: string | null;
  fingerprint: string | null; // lowercase hex, separators removed
  createdAt: string | null;
  expiresAt: string | null;
  archivedAt: string | null;
  /** Not archived and not past expires_at (at the time of the probe). */
  active: boolean;
}

export interface CaRegistrationLiveFacts extends ProbeTiming {
  url: string;
  tunnelId: string;
  tunnelIdSource: string;
  ok: boolean;
  failure: FetchFailureKind | 'bad-answer' | null;
  detail: string | null;
  httpStatus: number | null;
  certificates: ApiCertificate[];
}

export interface ProbeRun {
  name: string;
  startedMs: number;
  durationMs: number;
}

export interface LiveFacts {
  timeoutMs: number;
  budgetMs: number;
  /** Wall time of the whole live gathering. */
  durationMs: number;
  /** Every probe that ran, with its start (relative to the gathering) and duration. */
  probes: ProbeRun[];
  /** True when the overall budget ran out before every probe finished. */
  budgetExhausted: boolean;
  edge: EdgeLiveFacts | null;
  /** Why there are no edge facts, when there are none. */
  edgeSkipped: string | null;
  /** Null with proxySkipped set when there is no listener to probe. */
  proxy: ProxyLiveFacts | null;
  proxySkipped: string | null;
  upstreams: UpstreamLiveFacts[] | null;
  upstreamsSkipped: string | null;
  /** The two well-known documents fetched from the `auth` and `mcp` routes' upstreams. */
  oauthMetadata: FetchedDocumentFacts | null;
  resourceMetadata: FetchedDocumentFacts | null;
  oauthSkipped: string | null;
  /** The MCP `initialize` to each MCP route's upstream (absent on runs before it existed). */
  mcp?: McpHandshakeFacts[] | null;
  mcpSkipped?: string | null;
  /** The discovery chain walked from the `mcp` route (absent on runs before it existed). */
  oauthChain?: OAuthChainFacts | null;
  oauthChainSkipped?: string | null;
  caRegistration: CaRegistrationLiveFacts | null;
  caRegistrationSkipped: string | null;
  /** The running Compose project, from the Docker Engine API (absent on runs before it existed). */
  runtime?: DockerRuntimeFacts | null;
  runtimeSkipped?: string | null;
  /** cloudflared's metrics server: /ready, /metrics and /diag/tunnel. */
  metrics?: CloudflaredMetricsFacts | null;
  metricsSkipped?: string | null;
  /** The containers' last log lines, through the log matcher. */
  containerLogs?: ContainerLogFacts | null;
  containerLogsSkipped?: string | null;
  /** Where the proxy listener and upstream probes ran (the host when absent). */
  proxyFrom?: ProbeOrigin;
  upstreamsFrom?: ProbeOrigin;
}
