// Gathers LiveFacts: every network probe of a live run, started at once, each under --timeout,
// the whole under an overall budget. Probes that depend on each other (an SRV answer before the
// region hosts, a host's addresses before its connections) are chained; independent chains
// overlap, so the run takes about as long as its slowest chain, not the sum of all probes.
// Only the groups of the plan run (see src/core/probe-plan.ts); the CLI does not call this at
// all when the plan is empty (--offline, or only static checks selected). Bad input is a typed
// failure here: src/commands/doctor.ts validates the flags with these parsers before any probe.

import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Facts } from '../core/facts.js';
import type {
  EdgeHostResolution,
  EdgeLiveFacts,
  EdgeTarget,
  FetchedDocumentFacts,
  LiveFacts,
  McpHandshakeFacts,
  OAuthChainFacts,
  ProbeRun,
  ProxyLiveFacts,
  Region,
  UpstreamLiveFacts,
} from '../core/live-facts.js';
import { FULL_PLAN, NOT_PLANNED, type ProbePlan } from '../core/probe-plan.js';
import { findSetupService, isRecord, serviceEnvironment } from '../model/compose.js';
import { effectiveTunnelDomain, expansionVars, proxyConfigModel, routeHostnames } from '../model/deployment-view.js';
import { interpolate } from '../model/interpolate.js';
import { judgeRouteAddresses, readUpstreamPolicy } from '../model/ip-policy.js';
import { MCP_ROUTE } from '../model/oauth-discovery.js';
import { mcpResource } from '../model/oauth-chain.js';
import type { Upstream } from '../model/proxy-config.js';
import { decodeText, readBounded } from './bounded-file.js';
import { DEFAULT_API_URL, fetchRegisteredCertificates } from './ca-registration-api.js';
import { startDeadline, type Deadline } from './deadline.js';
import { createDnsClient, srvNameForRegion, type DnsClient } from './dns-resolver.js';
import { EDGE_PORT, probeEdgeTcpTls, splitPem } from './edge-tcp-tls.js';
import { httpExchange } from './http-exchange.js';
import { fetchMetadataDocument, OAUTH_METADATA_PATH, RESOURCE_METADATA_PATH } from './http-metadata.js';
import { probeMcpHandshake } from './mcp-handshake.js';
import { walkOAuthChain, type TunnelFetch } from './oauth-chain.js';
import { probeQuicVersionNegotiation } from './quic-version-negotiation.js';
import { probeTcp } from './tcp-connect.js';
import { parseProxyUrl, probeInnerTls, probeListener, type ProxyUrl } from './websocket-tls.js';

export interface NetworkOptions {
  /** --edge host:port (repeatable): replaces SRV discovery. */
  edges: string[];
  region?: Region;
  /** --dns-server ip[:port] (repeatable): every lookup of the run goes there. */
  dnsServers: string[];
  /** --proxy ws://host:port[/path]. */
  proxy?: string;
  apiUrl?: string;
  /** From ANTHROPIC_API_KEY or --api-key-file; never a flag value, never in the facts. */
  apiKey?: string;
  /** Per probe. */
  timeoutMs: number;
  /** The whole live run. */
  budgetMs: number;
  /** Extra accepted edge issuers (PEM certificates; the CLI reads them with readEdgeCaFile). */
  edgeCaPems?: string[];
  /** The groups of probes to run; every group when not given. */
  plan?: ProbePlan;
  /** --mcp-route NAME (repeatable): routes that serve MCP besides `mcp` and those named mcp*. */
  mcpRoutes?: string[];
  /** --mcp-path PATH: where the MCP endpoint is on every MCP route (default /mcp). */
  mcpPath?: string;
}

const DEFAULT_MCP_PATH = '/mcp';

/** Whether a route serves MCP: `mcp`, any key starting with "mcp", or one named with --mcp-route. */
function isMcpRoute(key: string, named: readonly string[] = []): boolean {
  return key.toLowerCase().startsWith('mcp') || named.includes(key);
}

/** A typed failure of an input the probes were given: the caller says which flag it came from. */
export interface InputProblem {
  problem: string;
}

export const EDGE_CA_ENV = 'MCP_TUNNEL_EDGE_CA';
/** Addresses probed per edge host and family (the real region hosts have ten of each). */
const ADDRESSES_PER_FAMILY = 1;
/** A discovery document read on the chain: the same cap as the well-known documents. */
const CHAIN_DOCUMENT_BYTES = 256 * 1024;
/** Allowed addresses connected to per upstream. */
const ADDRESSES_PER_UPSTREAM = 4;

/** Parse an edge address: host:port, [v6]:port, or a bare host (port 7844). */
export function parseEdge(text: string): { host: string; port: number } | InputProblem {
  const t = text.trim();
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(t) ?? (isIP(t) === 6 ? null : /^([^:\s]+)(?::(\d+))?$/.exec(t));
  const host = isIP(t) === 6 ? t : m?.[1];
  const portText = m?.[2];
  if (host === undefined) return { problem: 'expected host:port, for example 198.41.192.7:7844 or [::1]:7844' };
  const port = portText === undefined ? EDGE_PORT : Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return { problem: 'invalid port' };
  return { host, port };
}

class Recorder {
  readonly runs: ProbeRun[] = [];
  private readonly t0 = performance.now();
  constructor(
    readonly budget: Deadline,
    readonly timeoutMs: number,
  ) {}
  /** Time left for one probe: its own timeout, cut to what the budget has left. */
  get timeout(): number {
    return Math.max(0, Math.min(this.timeoutMs, this.budget.remaining()));
  }
  async track<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await fn();
    } finally {
      this.runs.push({ name, startedMs: round(start - this.t0), durationMs: round(performance.now() - start) });
    }
  }
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

function hostLabel(host: string): string {
  return host.split('.')[0] || host;
}

function regionOf(
  facts: Readonly<Facts>,
  net: NetworkOptions,
): { region: Region; source: EdgeLiveFacts['regionSource'] } {
  if (net.region) return { region: net.region, source: 'flag' };
  if (facts.token?.state === 'ok' && facts.token.value.endpoint.value === 'fed')
    return { region: 'fed', source: 'token' };
  return { region: 'global', source: 'default' };
}

/** The extra edge issuers of a PEM file (MCP_TUNNEL_EDGE_CA), or why the file cannot serve. */
export function readEdgeCaFile(file: string): { pems: string[] } | InputProblem {
  const r = readBounded(file, true);
  if (r.state !== 'ok') return { problem: r.state === 'missing' ? 'no such file' : r.problem };
  const text = decodeText(r.bytes);
  const pems = text.ok ? splitPem(text.text) : [];
  if (pems.length === 0) return { problem: 'no PEM certificate in it' };
  return { pems };
}

async function resolveEdgeHost(
  rec: Recorder,
  dns: DnsClient,
  label: string,
  host: string,
  port: number,
): Promise<EdgeHostResolution> {
  if (isIP(host)) return { label, host, port, a: null, aaaa: null };
  const [a, aaaa] = await Promise.all([
    rec.track(`dns A ${host}`, () => dns.a(host, rec.timeout, rec.budget.signal)),
    rec.track(`dns AAAA ${host}`, () => dns.aaaa(host, rec.timeout, rec.budget.signal)),
  ]);
  return { label, host, port, a, aaaa };
}

async function probeEdgeHost(rec: Recorder, h: EdgeHostResolution, edgeCaPems: string[]): Promise<EdgeTarget[]> {
  const addresses: { address: string; family: 4 | 6 }[] = [];
  if (isIP(h.host)) addresses.push({ address: h.host, family: isIP(h.host) as 4 | 6 });
  else {
    if (h.a?.ok) for (const address of h.a.value.slice(0, ADDRESSES_PER_FAMILY)) addresses.push({ address, family: 4 });
    if (h.aaaa?.ok)
      for (const address of h.aaaa.value.slice(0, ADDRESSES_PER_FAMILY)) addresses.push({ address, family: 6 });
  }
  return Promise.all(
    addresses.map(async ({ address, family }) => {
      const [tcp, udp] = await Promise.all([
        rec.track(`edge tcp+tls ${address}:${h.port}`, () =>
          probeEdgeTcpTls(address, h.port, rec.timeout, rec.budget.signal, { edgeCaPems }),
        ),
        rec.track(`edge quic ${address}:${h.port}`, () =>
          probeQuicVersionNegotiation(address, h.port, rec.timeout, rec.budget.signal),
        ),
      ]);
      return { label: h.label, host: h.host, port: h.port, address, family, tcp, udp };
    }),
  );
}

async function gatherEdge(
  rec: Recorder,
  facts: Readonly<Facts>,
  net: NetworkOptions,
  dns: DnsClient,
  edgeCaPems: string[],
): Promise<EdgeLiveFacts> {
  const { region, source } = regionOf(facts, net);
  const base = { region, regionSource: source, dnsServers: [...net.dnsServers] };
  if (net.edges.length > 0) {
    const edges: { host: string; port: number }[] = [];
    for (const text of net.edges) {
      const edge = parseEdge(text);
      if ('problem' in edge) throw new Error(`edge address ${text}: ${edge.problem}`);
      edges.push(edge);
    }
    const hosts = await Promise.all(edges.map((e) => resolveEdgeHost(rec, dns, 'edge', e.host, e.port)));
    const targets = (await Promise.all(hosts.map((h) => probeEdgeHost(rec, h, edgeCaPems)))).flat();
    return { ...base, discovery: 'flag', srvName: null, srv: null, hosts, targets };
  }
  const srvName = srvNameForRegion(region);
  const srv = await rec.track(`dns SRV ${srvName}`, () => dns.srv(srvName, rec.timeout, rec.budget.signal));
  if (!srv.ok) return { ...base, discovery: 'srv', srvName, srv, hosts: [], targets: [] };
  // Resolve every host, then probe each as soon as it resolves: chains overlap.
  const chains = await Promise.all(
    srv.value.map(async (answer) => {
      const h = await resolveEdgeHost(rec, dns, hostLabel(answer.target), answer.target, answer.port);
      return { h, targets: await probeEdgeHost(rec, h, edgeCaPems) };
    }),
  );
  return {
    ...base,
    discovery: 'srv',
    srvName,
    srv,
    hosts: chains.map((c) => c.h),
    targets: chains.flatMap((c) => c.targets),
  };
}

function caPems(facts: Readonly<Facts>): string[] {
  if (facts.caCert?.state !== 'ok') return [];
  const out: string[] = [];
  for (const c of facts.caCert.value.certificates) {
    try {
      out.push(new X509Certificate(Buffer.from(c.derBase64, 'base64')).toString());
    } catch {
      // an unparsable entry is ca-certificate's finding, not this probe's
    }
  }
  return out;
}

/** The listener to probe: --proxy, else listen_addr on this machine. */
function proxyTarget(
  facts: Readonly<Facts>,
  net: NetworkOptions,
): { url: ProxyUrl; source: ProxyLiveFacts['urlSource'] } | string {
  if (net.proxy) {
    const url = parseProxyUrl(net.proxy);
    return url ? { url, source: 'flag' } : `the proxy URL ${net.proxy} is not ws://host:port[/path]`;
  }
  const model = proxyConfigModel(facts);
  if (!model?.listenAddr || !model.listenPort)
    return 'no --proxy was given and the proxy config has no usable listen_addr';
  const m = /^(.*):\d+$/.exec(model.listenAddr.trim());
  let host = m?.[1]?.replace(/^\[|\]$/g, '') ?? '';
  if (host === '' || host === '0.0.0.0' || host === '::') host = '127.0.0.1';
  const url = parseProxyUrl(`ws://${isIP(host) === 6 ? `[${host}]` : host}:${model.listenPort}/`);
  return url ? { url, source: 'listen_addr' } : `listen_addr ${model.listenAddr} does not make a usable address`;
}

async function gatherProxy(
  rec: Recorder,
  facts: Readonly<Facts>,
  net: NetworkOptions,
): Promise<{ proxy: ProxyLiveFacts | null; skipped: string | null }> {
  const target = proxyTarget(facts, net);
  if (typeof target === 'string') return { proxy: null, skipped: target };
  const routes = routeHostnames(facts).filter((r): r is { key: string; hostname: string } => r.hostname !== null);
  const cas = caPems(facts);
  const hostHeader = routes[0]?.hostname ?? `${target.url.host}:${target.url.port}`;
  let innerTlsSkipped: string | null = null;
  if (cas.length === 0) innerTlsSkipped = 'no usable CA certificate (data/ca.crt) to verify the proxy against';
  else if (routes.length === 0)
    innerTlsSkipped = 'no route with a known hostname (<route>.<tunnel-domain>) to send as SNI';
  // The listener probe and the per-route handshakes run together; inner-tls reads the listener
  // kind to tell "not a WebSocket" from a certificate problem.
  const [listener, inner] = await Promise.all([
    rec.track(`listener ${target.url.href}`, () =>
      probeListener(target.url, hostHeader, rec.timeout, rec.budget.signal),
    ),
    innerTlsSkipped
      ? Promise.resolve([])
      : Promise.all(
          routes.map((r) =>
            rec.track(`inner tls ${r.hostname}`, () =>
              probeInnerTls({
                url: target.url,
                route: r.key,
                hostname: r.hostname,
                caPems: cas,
                timeoutMs: rec.timeout,
                parent: rec.budget.signal,
              }),
            ),
          ),
        ),
  ]);
  return {
    proxy: { url: target.url.href, urlSource: target.source, listener, routes: inner, innerTlsSkipped },
    skipped: null,
  };
}

function isRoute(key: string, name: string): boolean {
  const k = key.toLowerCase();
  return k === name || k.startsWith(`${name}.`);
}

type UpstreamPolicyReading = ReturnType<typeof readUpstreamPolicy>;

/** An upstream's addresses (its literal, or its A records) and those the proxy's policy allows. */
async function resolveUpstream(
  rec: Recorder,
  dns: DnsClient,
  reading: UpstreamPolicyReading,
  key: string,
  up: Upstream,
): Promise<{ u: UpstreamLiveFacts; allowed: string[] }> {
  const u: UpstreamLiveFacts = {
    route: key,
    scheme: up.scheme,
    host: up.host,
    port: up.port,
    resolution: null,
    addresses: [],
    refusedByPolicy: [],
    connections: [],
    notProbed: null,
  };
  if (up.ipVersion === 4) u.addresses = [up.host];
  else if (up.ipVersion === 6) u.notProbed = `${up.host} is an IPv6 address; the proxy dials IPv4 only`;
  else {
    u.resolution = await rec.track(`dns A ${up.host}`, () => dns.ipv4(up.host, rec.timeout, rec.budget.signal));
    if (u.resolution.ok) u.addresses = u.resolution.value;
    else u.notProbed = u.resolution.detail;
  }
  if (u.addresses.length === 0) return { u, allowed: [] };
  if (!reading.policy) {
    u.notProbed = `the proxy's IP policy cannot be read (${reading.unusable}), so no address is known to be allowed`;
    return { u, allowed: [] };
  }
  const verdict = judgeRouteAddresses({ key, host: up.host }, u.addresses, reading.policy);
  u.refusedByPolicy = verdict.refused;
  const allowed = verdict.allowed.map((a) => a.address).slice(0, ADDRESSES_PER_UPSTREAM);
  if (allowed.length === 0) u.notProbed = `every address of ${up.host} is refused by the proxy's IP policy; not probed`;
  return { u, allowed };
}

/** A well-known document from an upstream's first allowed address, or why it was not fetched. */
function fetchFromUpstream(
  rec: Recorder,
  u: UpstreamLiveFacts,
  up: Upstream,
  allowed: string[],
  path: string,
): Promise<FetchedDocumentFacts> {
  const first = allowed[0];
  if (first === undefined) {
    return Promise.resolve({
      route: u.route,
      url: `${up.scheme}://${up.host}:${up.port}${path}`,
      ok: false,
      failure: 'not-probed',
      detail: u.notProbed ?? 'no allowed address to fetch from',
      httpStatus: null,
      contentType: null,
      document: null,
      latencyMs: 0,
    });
  }
  const target = {
    route: u.route,
    scheme: up.scheme,
    host: up.host,
    port: up.port,
    address: up.ipVersion === 0 ? first : undefined,
  };
  return rec.track(`http ${u.route}${path}`, () => fetchMetadataDocument(target, path, rec.timeout, rec.budget.signal));
}

interface UpstreamGathering {
  upstreams: UpstreamLiveFacts[] | null;
  skipped: string | null;
  oauth: { metadata: FetchedDocumentFacts | null; resource: FetchedDocumentFacts | null; skipped: string | null };
  mcp: McpHandshakeFacts[] | null;
  mcpSkipped: string | null;
  oauthChain: OAuthChainFacts | null;
  oauthChainSkipped: string | null;
}

/** The MCP handshake to a route's upstream at its first allowed address, or why it was not sent. */
function handshakeWithUpstream(
  rec: Recorder,
  u: UpstreamLiveFacts,
  up: Upstream,
  allowed: string[],
  hostHeader: string,
  path: string,
): Promise<McpHandshakeFacts> {
  const first = allowed[0];
  const target = {
    route: u.route,
    scheme: up.scheme,
    host: up.host,
    port: up.port,
    address: up.ipVersion === 0 ? first : undefined,
    hostHeader,
    path,
  };
  if (first === undefined) {
    return Promise.resolve({
      route: u.route,
      url: `${up.scheme}://${up.host}:${up.port}${path}`,
      hostHeader,
      path,
      kind: 'not-probed',
      httpStatus: null,
      contentType: null,
      protocolVersion: null,
      serverName: null,
      serverVersion: null,
      challenge: null,
      location: null,
      leavesHost: null,
      failure: 'not-probed',
      detail: u.notProbed ?? 'no allowed address to send it to',
      latencyMs: 0,
    });
  }
  return rec.track(`mcp initialize ${u.route}${path}`, () =>
    probeMcpHandshake(target, { timeoutMs: rec.timeout, parent: rec.budget.signal }),
  );
}

/**
 * The upstreams (DNS, then TCP to each allowed address) and the two well-known documents fetched
 * from the `auth` and `mcp` routes. Only what the plan names runs: the documents alone resolve
 * and fetch from those two routes, and connect to no other upstream.
 */
async function gatherUpstreams(
  rec: Recorder,
  facts: Readonly<Facts>,
  dns: DnsClient,
  plan: ProbePlan,
  net: NetworkOptions,
): Promise<UpstreamGathering> {
  const model = proxyConfigModel(facts);
  if (!model || facts.proxyConfig?.state !== 'ok') {
    const why = 'no usable proxy config: the upstreams are not known';
    const mcpSkipped = plan.has('live.mcp') ? why : NOT_PLANNED;
    const oauthChainSkipped = plan.has('live.oauthChain') ? why : NOT_PLANNED;
    return {
      upstreams: null,
      skipped: why,
      oauth: { metadata: null, resource: null, skipped: why },
      mcp: null,
      mcpSkipped,
      oauthChain: null,
      oauthChainSkipped,
    };
  }
  const reading = readUpstreamPolicy(facts.proxyConfig.value.data);
  const wantUpstreams = plan.has('live.upstreams');
  const wantMetadata = plan.has('live.oauthMetadata') && !facts.oauthMetadata;
  const wantResource = plan.has('live.resourceMetadata') && !facts.resourceMetadata;
  const mcpRoutes = net.mcpRoutes ?? [];
  const mcpPath = net.mcpPath ?? DEFAULT_MCP_PATH;
  const hostnames = new Map(routeHostnames(facts).map((r) => [r.key, r.hostname]));
  const wantChain = plan.has('live.oauthChain');
  // The chain starts from the `mcp` route's answer to initialize, so it needs that handshake.
  const wantMcp = (key: string) =>
    ((plan.has('live.mcp') && isMcpRoute(key, mcpRoutes)) || (wantChain && key === MCP_ROUTE)) &&
    Boolean(hostnames.get(key));
  const resolved = new Map<string, { u: UpstreamLiveFacts; up: Upstream; allowed: string[] }>();
  const handshakes: Promise<McpHandshakeFacts>[] = [];
  let metadata: Promise<FetchedDocumentFacts | null> = Promise.resolve(null);
  let resource: Promise<FetchedDocumentFacts | null> = Promise.resolve(null);
  const needed = (key: string) =>
    wantUpstreams ||
    wantChain ||
    (wantMetadata && isRoute(key, 'auth')) ||
    (wantResource && isRoute(key, 'mcp')) ||
    wantMcp(key);
  const routes = model.routes.flatMap((r) => (r.upstream && needed(r.key) ? [{ key: r.key, up: r.upstream }] : []));
  const upstreams = await Promise.all(
    routes.map(async ({ key, up }) => {
      const { u, allowed } = await resolveUpstream(rec, dns, reading, key, up);
      resolved.set(key, { u, up, allowed });
      // With the chain planned, the fixed well-known URLs are a fallback, fetched after it.
      if (!wantChain && wantMetadata && isRoute(key, 'auth'))
        metadata = fetchFromUpstream(rec, u, up, allowed, OAUTH_METADATA_PATH);
      if (!wantChain && wantResource && isRoute(key, 'mcp'))
        resource = fetchFromUpstream(rec, u, up, allowed, RESOURCE_METADATA_PATH);
      const hostHeader = hostnames.get(key);
      if (wantMcp(key) && hostHeader) handshakes.push(handshakeWithUpstream(rec, u, up, allowed, hostHeader, mcpPath));
      if (wantUpstreams) {
        const connect = async (address: string) => {
          const outcome = await rec.track(`tcp ${address}:${up.port}`, () =>
            probeTcp(address, up.port, rec.timeout, rec.budget.signal),
          );
          return { address, ...outcome };
        };
        u.connections = await Promise.all(allowed.map(connect));
      }
      return u;
    }),
  );
  const mcp = await Promise.all(handshakes);
  const chain = wantChain ? await walkFromMcpRoute(rec, facts, net, mcp, resolved) : null;
  if (wantChain) {
    // Only what the client's walk did not find is looked for at the fixed URLs.
    const walked = chain && 'chain' in chain ? chain.chain : null;
    const fallback = (name: string, path: string) => {
      const r = [...resolved.entries()].find(([key]) => isRoute(key, name))?.[1];
      return r ? fetchFromUpstream(rec, r.u, r.up, r.allowed, path) : Promise.resolve(null);
    };
    if (wantMetadata && !walked?.authorizationServerMetadata) metadata = fallback('auth', OAUTH_METADATA_PATH);
    if (wantResource && !walked?.resourceMetadata) resource = fallback('mcp', RESOURCE_METADATA_PATH);
  }
  const [m, res] = await Promise.all([metadata, resource]);
  const hasAuth = model.routes.some((r) => isRoute(r.key, 'auth'));
  const hasMcp = model.routes.some((r) => isRoute(r.key, 'mcp'));
  let oauthSkipped: string | null = null;
  if (!plan.has('live.oauthMetadata') && !plan.has('live.resourceMetadata')) oauthSkipped = NOT_PLANNED;
  else if (!hasAuth && !hasMcp) {
    oauthSkipped = 'the proxy config has neither an `auth` nor an `mcp` route to fetch the well-known documents from';
  }
  let mcpSkipped: string | null = null;
  if (!plan.has('live.mcp')) mcpSkipped = NOT_PLANNED;
  else if (mcp.length === 0) {
    mcpSkipped = !effectiveTunnelDomain(facts)
      ? 'the tunnel domain is not known, so the Host header <route>.<tunnel-domain> cannot be built'
      : 'the proxy config has no MCP route (`mcp`, a key starting with "mcp", or one named with --mcp-route)';
  }
  return {
    upstreams: wantUpstreams ? upstreams : null,
    skipped: wantUpstreams ? null : NOT_PLANNED,
    oauth: { metadata: m, resource: res, skipped: oauthSkipped },
    mcp: plan.has('live.mcp') && mcp.length > 0 ? mcp : null,
    mcpSkipped,
    oauthChain: chain && 'chain' in chain ? chain.chain : null,
    oauthChainSkipped: !wantChain ? NOT_PLANNED : chain && 'skipped' in chain ? chain.skipped : null,
  };
}

/**
 * The discovery chain from the `mcp` route's answer to initialize: walked on a Bearer challenge,
 * skipped (with why) on any other answer. Tunnel URLs are fetched from their route's upstream.
 */
async function walkFromMcpRoute(
  rec: Recorder,
  facts: Readonly<Facts>,
  net: NetworkOptions,
  handshakes: McpHandshakeFacts[],
  resolved: Map<string, { u: UpstreamLiveFacts; up: Upstream; allowed: string[] }>,
): Promise<{ chain: OAuthChainFacts } | { skipped: string }> {
  const domain = effectiveTunnelDomain(facts)?.value;
  if (!domain) return { skipped: 'the tunnel domain is not known, so the tunnel hosts cannot be told' };
  const h = handshakes.find((x) => x.route === MCP_ROUTE);
  if (!h) return { skipped: 'the proxy config has no `mcp` route to start the chain from' };
  if (h.kind === 'mcp')
    return { skipped: 'the mcp route answered initialize without asking for a token: a client walks no OAuth chain' };
  if (h.kind !== 'auth-challenge')
    return {
      skipped: `the mcp route did not answer initialize with a Bearer challenge (${h.kind}); see mcp-handshake`,
    };
  const hostnames = new Map(
    routeHostnames(facts).flatMap((r) => (r.hostname ? [[r.hostname.toLowerCase(), r.key] as const] : [])),
  );
  const fetchOnTunnel = async (raw: string): Promise<TunnelFetch> => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return { route: null, detail: 'not a URL; not fetched' };
    }
    const key = url.protocol === 'https:' && url.port === '' ? hostnames.get(url.hostname.toLowerCase()) : undefined;
    const route = key === undefined ? undefined : resolved.get(key);
    if (key === undefined || !route)
      return {
        route: null,
        detail: `${url.host} is not a tunnel route (https://<route>.${domain}); not fetched: the doctor reaches only the routes' upstreams`,
      };
    const first = route.allowed[0];
    if (first === undefined)
      return { route: key, status: null, body: null, detail: route.u.notProbed ?? 'no allowed address' };
    const { up } = route;
    const hostText = isIP(up.host) === 6 ? `[${up.host}]` : up.host;
    const upstreamUrl = `${up.scheme}://${hostText}:${up.port}${url.pathname}${url.search}`;
    return rec.track(`http ${key} ${url.pathname}`, async (): Promise<TunnelFetch> => {
      const d = startDeadline(rec.timeout, rec.budget.signal);
      try {
        const r = await httpExchange(
          {
            url: upstreamUrl,
            address: up.ipVersion === 0 ? first : undefined,
            method: 'GET',
            headers: { host: url.host, accept: 'application/json' },
            maxBytes: CHAIN_DOCUMENT_BYTES,
          },
          d,
        );
        if (r.tooLarge)
          return { route: key, status: r.status, body: null, detail: `more than ${CHAIN_DOCUMENT_BYTES} bytes` };
        return { route: key, status: r.status, body: r.text, detail: null };
      } catch (err) {
        const detail = d.signal.aborted ? 'no answer before the deadline' : (err as Error).message;
        return { route: key, status: null, body: null, detail: `GET ${upstreamUrl}: ${detail}` };
      } finally {
        d.dispose();
      }
    });
  };
  const chain = await walkOAuthChain(mcpResource(domain, net.mcpPath ?? DEFAULT_MCP_PATH), h.challenge, fetchOnTunnel);
  return { chain };
}

/** Where the vendor's tunnel ID is written down: data/tunnel-id, Helm values, the setup service. */
function findTunnelId(facts: Readonly<Facts>): { id: string; source: string } | null {
  const file = join(facts.deployment.dir, 'data', 'tunnel-id');
  const r = readBounded(file, false, 4096);
  if (r.state === 'ok') {
    const t = decodeText(r.bytes);
    if (t.ok && t.text.trim() !== '') return { id: t.text.trim(), source: file };
  }
  if (facts.helmValues?.state === 'ok') {
    const v = facts.helmValues.value.data;
    const tunnel = isRecord(v) && isRecord(v.tunnel) ? v.tunnel.id : undefined;
    const wif = isRecord(v) && isRecord(v.api) && isRecord(v.api.wif) ? v.api.wif.tunnelId : undefined;
    if (typeof tunnel === 'string' && tunnel) return { id: tunnel, source: `${facts.helmValues.path}: tunnel.id` };
    if (typeof wif === 'string' && wif) return { id: wif, source: `${facts.helmValues.path}: api.wif.tunnelId` };
  }
  if (facts.compose?.state === 'ok') {
    const setup = findSetupService(facts.compose.value.data);
    const raw = setup ? serviceEnvironment(setup).TUNNEL_ID : undefined;
    const vars = expansionVars(facts);
    const value = raw === null ? vars.TUNNEL_ID : raw !== undefined ? interpolate(raw, vars).value : undefined;
    if (value) return { id: value, source: `${facts.compose.path}: services.${setup!.name}.environment.TUNNEL_ID` };
  }
  return null;
}

export async function gatherLiveFacts(facts: Facts, net: NetworkOptions): Promise<LiveFacts> {
  const started = performance.now();
  const plan = net.plan ?? FULL_PLAN;
  const budget = startDeadline(net.budgetMs);
  const rec = new Recorder(budget, net.timeoutMs);
  const dns = createDnsClient(net.dnsServers);
  const failed = (what: string, err: unknown) =>
    `the ${what} probe itself failed: ${(err as Error)?.message ?? String(err)}`;
  const none = Promise.resolve(null);

  const wantCa = plan.has('live.caRegistration');
  const tunnel = wantCa && net.apiKey ? findTunnelId(facts) : null;
  const wantDocuments =
    plan.has('live.oauthMetadata') ||
    plan.has('live.resourceMetadata') ||
    plan.has('live.mcp') ||
    plan.has('live.oauthChain');
  const [edge, proxy, upstreams, ca] = await Promise.allSettled([
    plan.has('live.edge') ? gatherEdge(rec, facts, net, dns, net.edgeCaPems ?? []) : none,
    plan.has('live.proxy') ? gatherProxy(rec, facts, net) : none,
    plan.has('live.upstreams') || wantDocuments ? gatherUpstreams(rec, facts, dns, plan, net) : none,
    net.apiKey && tunnel
      ? rec.track('vendor api certificates', () =>
          fetchRegisteredCertificates({
            apiUrl: net.apiUrl ?? DEFAULT_API_URL,
            apiKey: net.apiKey!,
            tunnelId: tunnel.id,
            tunnelIdSource: tunnel.source,
            timeoutMs: rec.timeout,
            parent: budget.signal,
            now: facts.now,
          }),
        )
      : none,
  ]);
  // Probes get at most what the budget has left, so they may end a hair before its timer fires.
  const budgetExhausted = budget.signal.aborted || budget.remaining() <= 1;
  budget.dispose();
  const value = <T>(r: PromiseSettledResult<T | null>): T | null => (r.status === 'fulfilled' ? r.value : null);
  /** Why a group has no facts: not planned, its probe broke, or the group's own reason. */
  const skipped = <T>(r: PromiseSettledResult<T | null>, what: string, own: (v: T) => string | null): string | null => {
    if (r.status === 'rejected') return failed(what, r.reason);
    return r.value === null ? NOT_PLANNED : own(r.value);
  };
  const up = value(upstreams);
  return {
    timeoutMs: net.timeoutMs,
    budgetMs: net.budgetMs,
    durationMs: round(performance.now() - started),
    probes: rec.runs.sort((a, b) => a.startedMs - b.startedMs),
    budgetExhausted,
    edge: value(edge),
    edgeSkipped: skipped(edge, 'edge', () => null),
    proxy: value(proxy)?.proxy ?? null,
    proxySkipped: skipped(proxy, 'proxy', (p) => p.skipped),
    upstreams: up?.upstreams ?? null,
    upstreamsSkipped: skipped(upstreams, 'upstream', (u) => u.skipped),
    oauthMetadata: up?.oauth.metadata ?? null,
    resourceMetadata: up?.oauth.resource ?? null,
    oauthSkipped: skipped(upstreams, 'OAuth metadata', (u) => u.oauth.skipped),
    mcp: up?.mcp ?? null,
    mcpSkipped: skipped(upstreams, 'MCP handshake', (u) => u.mcpSkipped),
    oauthChain: up?.oauthChain ?? null,
    oauthChainSkipped: skipped(upstreams, 'OAuth discovery chain', (u) => u.oauthChainSkipped),
    caRegistration: value(ca),
    caRegistrationSkipped: !wantCa
      ? NOT_PLANNED
      : !net.apiKey
        ? "no API key (set ANTHROPIC_API_KEY or use --api-key-file) to list the tunnel's registered certificates"
        : !tunnel
          ? 'the tunnel ID is not known (data/tunnel-id, Helm tunnel.id / api.wif.tunnelId, or TUNNEL_ID of the setup service)'
          : ca.status === 'rejected'
            ? failed('vendor API', ca.reason)
            : null,
  };
}
