// The edge probes against real programs on loopback: Caddy (TLS on TCP, QUIC on UDP) as the
// edge, dnsmasq for discovery, and small servers that stall or reset. Firewall cases (DROP and
// REJECT) need a network namespace: see edge-firewall.test.ts.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check as edgeDns } from '../../checks/edge/edge-dns.js';
import { check as edgeTcp } from '../../checks/edge/edge-tcp.js';
import { check as edgeUdp } from '../../checks/edge/edge-udp.js';
import type { Facts } from '../../src/core/facts.js';
import type { LiveFacts } from '../../src/core/live-facts.js';
import { runCheck } from '../../src/core/runner.js';
import { createDnsClient } from '../../src/probes/dns-resolver.js';
import { probeEdgeTcpTls } from '../../src/probes/edge-tcp-tls.js';
import { gatherLiveFacts, type NetworkOptions } from '../../src/probes/live.js';
import { probeQuicVersionNegotiation } from '../../src/probes/quic-version-negotiation.js';
import { baseFacts } from '../harness/facts.js';
import { startCaddyEdge, type CaddyEdge } from '../lab/caddy.js';
import { makeEdgeCerts, type EdgeCerts } from '../lab/certs.js';
import { startDnsmasq, type LabDns } from '../lab/dnsmasq.js';
import { freePort, stopAll } from '../lab/processes.js';
import { labGate, programMissing } from '../lab/programs.js';
import { startResetServer, startStallServer, type LabServer } from '../lab/servers.js';
import { present } from '../helpers/present.js';

process.env.MCP_TUNNEL_LOOPBACK_ONLY = '1';
const TIMEOUT = 800;
const gate = labGate(
  'edge probes against Caddy and dnsmasq',
  programMissing('caddy', ['version']),
  programMissing('dnsmasq'),
  programMissing('openssl', ['version']),
);

let edgeCerts: EdgeCerts;
let interceptCerts: EdgeCerts;
let edge: CaddyEdge;
let interceptor: CaddyEdge;
let stall: LabServer;
let reset: LabServer;
let closedPort: number;
let dns: LabDns;
let oneRecordDns: LabDns;

function facts(): Facts {
  return baseFacts({ offline: false });
}

function withLive(live: LiveFacts): Facts {
  return { ...facts(), live };
}

function net(o: Partial<NetworkOptions>): NetworkOptions {
  return { edges: [], dnsServers: [], timeoutMs: TIMEOUT, budgetMs: TIMEOUT * 4, edgeCaPems: [edgeCerts.caPem], ...o };
}

function ids(result: ReturnType<typeof runCheck>): string[] {
  return result.findings.filter((f) => f.severity !== 'info').map((f) => f.messageId);
}

beforeAll(async () => {
  if (gate.skip || gate.reasons.length > 0) return;
  edgeCerts = makeEdgeCerts('Lab Edge Authority');
  interceptCerts = makeEdgeCerts('Corporate Inspection Proxy');
  [edge, interceptor, stall, reset, closedPort] = await Promise.all([
    startCaddyEdge({ certFile: edgeCerts.certFile, keyFile: edgeCerts.keyFile, ipv6: true }),
    startCaddyEdge({ certFile: interceptCerts.certFile, keyFile: interceptCerts.keyFile }),
    startStallServer(),
    startResetServer(),
    freePort(),
  ]);
  const srv = (target: string, priority: number) => ({
    name: '_v2-origintunneld._tcp.argotunnel.com',
    target,
    port: edge.port,
    priority,
  });
  [dns, oneRecordDns] = await Promise.all([
    startDnsmasq({
      srv: [
        srv('region1.v2.argotunnel.com', 1),
        srv('region2.v2.argotunnel.com', 2),
        {
          name: '_us-v2-origintunneld._tcp.argotunnel.com',
          target: 'us-region1.v2.argotunnel.com',
          port: edge.port,
          priority: 1,
        },
        {
          name: '_us-v2-origintunneld._tcp.argotunnel.com',
          target: 'us-region2.v2.argotunnel.com',
          port: edge.port,
          priority: 2,
        },
      ],
      hosts: [
        { name: 'region1.v2.argotunnel.com', addresses: ['127.0.0.1'] },
        { name: 'region2.v2.argotunnel.com', addresses: ['127.0.0.1', '::1'] },
        { name: 'us-region1.v2.argotunnel.com', addresses: ['127.0.0.1'] },
        { name: 'edge.lab.test', addresses: ['127.0.0.1'] },
      ],
      local: ['argotunnel.com', 'lab.test'],
      servfail: ['fail.test'],
      blackhole: ['slow.test'],
    }),
    startDnsmasq({
      srv: [srv('region1.v2.argotunnel.com', 1)],
      hosts: [{ name: 'region1.v2.argotunnel.com', addresses: ['127.0.0.1'] }],
      local: ['argotunnel.com'],
    }),
  ]);
}, 60000);

afterAll(async () => {
  await Promise.all([stall?.close(), reset?.close()]);
  await stopAll();
});

describe.skipIf(gate.skip)('edge probes (Caddy, dnsmasq)', () => {
  it('TCP+TLS to Caddy completes and accepts the injected edge CA; QUIC answers version negotiation', async () => {
    gate.assert();
    const tcp = await probeEdgeTcpTls('127.0.0.1', edge.port, TIMEOUT, undefined, { edgeCaPems: [edgeCerts.caPem] });
    expect(tcp).toMatchObject({ ok: true, acceptedBy: 'edge-ca', failure: null });
    expect(tcp.certificate?.sanDns).toContain('h2.cftunnel.com');
    const udp = await probeQuicVersionNegotiation('127.0.0.1', edge.port, TIMEOUT);
    expect(udp.ok).toBe(true);
    expect(udp.versions).toContain('0x00000001'); // QUIC v1
  });

  it('an issuer that is neither the edge CA, Cloudflare nor a public root is interception', async () => {
    gate.assert();
    const tcp = await probeEdgeTcpTls('127.0.0.1', interceptor.port, TIMEOUT, undefined, {
      edgeCaPems: [edgeCerts.caPem],
    });
    expect(tcp).toMatchObject({ ok: false, failure: 'tls-untrusted-issuer' });
    expect(tcp.certificate?.issuerOrganization).toBe('Corporate Inspection Proxy');
  });

  it('a closed port is refused on TCP and on UDP (ICMP port unreachable)', async () => {
    gate.assert();
    expect((await probeEdgeTcpTls('127.0.0.1', closedPort, TIMEOUT)).failure).toBe('refused');
    expect((await probeQuicVersionNegotiation('127.0.0.1', closedPort, TIMEOUT)).failure).toBe('refused');
  });

  it('a server that accepts and says nothing is a TLS stall; one that resets is a reset', async () => {
    gate.assert();
    const stalled = await probeEdgeTcpTls('127.0.0.1', stall.port, 400);
    expect(stalled.failure).toBe('tls-stall');
    expect(stalled.connectMs).not.toBeNull();
    expect(stalled.latencyMs).toBeGreaterThanOrEqual(390);
    expect((await probeEdgeTcpTls('127.0.0.1', reset.port, TIMEOUT)).failure).toBe('reset');
  });

  it('a TCP-only server gives no QUIC answer: the UDP probe times out', async () => {
    gate.assert();
    const r = await probeQuicVersionNegotiation('127.0.0.1', stall.port, 300);
    // Nothing is bound on UDP at that port number, so the kernel may answer with ICMP instead.
    expect(['timeout', 'refused']).toContain(r.failure);
  });

  it('DNS: SRV answers, NXDOMAIN, empty answer, SERVFAIL and timeout are told apart', async () => {
    gate.assert();
    const c = createDnsClient([dns.server]);
    const srv = await c.srv('_v2-origintunneld._tcp.argotunnel.com', TIMEOUT);
    expect(srv.ok && srv.value.map((r) => r.target)).toEqual([
      'region1.v2.argotunnel.com',
      'region2.v2.argotunnel.com',
    ]);
    expect(await c.srv('_fed-v2-origintunneld._tcp.argotunnel.com', TIMEOUT)).toMatchObject({
      ok: false,
      failure: 'nxdomain',
    });
    expect(await c.aaaa('region1.v2.argotunnel.com', TIMEOUT)).toMatchObject({ ok: false, failure: 'nodata' });
    expect(await c.a('x.fail.test', TIMEOUT)).toMatchObject({ ok: false, failure: 'servfail' });
    const slow = await c.a('x.slow.test', 300);
    expect(slow).toMatchObject({ ok: false, failure: 'timeout' });
    expect(slow.latencyMs).toBeLessThan(1000);
  });

  it('healthy discovery: edge-dns, edge-tcp and edge-udp pass, with latency per region', async () => {
    gate.assert();
    const live = await gatherLiveFacts(facts(), net({ dnsServers: [dns.server] }));
    expect(live.edge?.targets.map((t) => `${t.label} ${t.address}`)).toEqual([
      'region1 127.0.0.1',
      'region2 127.0.0.1',
      'region2 ::1',
    ]);
    const f = withLive(live);
    expect(runCheck(edgeDns, f).status).toBe('pass');
    const tcp = runCheck(edgeTcp, f);
    expect(tcp.status).toBe('pass');
    expect(Object.keys((present(tcp.findings[0]).evidence as { perRegion: object }).perRegion)).toContain(
      `region1 127.0.0.1:${edge.port}`,
    );
    expect(runCheck(edgeUdp, f).status).toBe('pass');
  });

  it('--region us queries us-v2-origintunneld; a region host without records is named', async () => {
    gate.assert();
    const live = await gatherLiveFacts(facts(), net({ dnsServers: [dns.server], region: 'us' }));
    expect(live.edge?.srvName).toBe('_us-v2-origintunneld._tcp.argotunnel.com');
    const r = runCheck(edgeDns, withLive(live));
    expect(r.status).toBe('warn');
    expect(ids(r)).toEqual(['region-host-unresolved']);
  });

  it('a token with "e":"fed" selects the fed SRV name; NXDOMAIN fails edge-dns and the transports skip', async () => {
    gate.assert();
    const f = baseFacts({
      offline: false,
      token: { state: 'ok', path: 'x', value: { endpoint: { present: true, value: 'fed', type: 'string' } } as never },
    });
    const live = await gatherLiveFacts(f, net({ dnsServers: [dns.server] }));
    expect(live.edge).toMatchObject({
      region: 'fed',
      regionSource: 'token',
      srvName: '_fed-v2-origintunneld._tcp.argotunnel.com',
    });
    const withFacts = { ...f, live };
    expect(ids(runCheck(edgeDns, withFacts))).toEqual(['srv-nxdomain']);
    expect(runCheck(edgeTcp, withFacts).status).toBe('skip');
    expect(runCheck(edgeUdp, withFacts).status).toBe('skip');
  });

  it('SERVFAIL, a silent resolver and a resolver with nothing listening are each named', async () => {
    gate.assert();
    const servfail = await startDnsmasq({ servfail: ['argotunnel.com'] });
    const silent = await startDnsmasq({ blackhole: ['argotunnel.com'] });
    const nobody = await freePort();
    const run = async (server: string) =>
      ids(runCheck(edgeDns, withLive(await gatherLiveFacts(facts(), net({ dnsServers: [server], timeoutMs: 400 })))));
    expect(await run(servfail.server)).toEqual(['srv-servfail']);
    expect(await run(silent.server)).toEqual(['srv-timeout']);
    expect(await run(`127.0.0.1:${nobody}`)).toEqual([expect.stringMatching(/^(resolver-unreachable|srv-timeout)$/)]);
    await Promise.all([servfail.stop(), silent.stop()]);
  });

  it('one SRV record is too few for cloudflared', async () => {
    gate.assert();
    const live = await gatherLiveFacts(facts(), net({ dnsServers: [oneRecordDns.server] }));
    expect(ids(runCheck(edgeDns, withLive(live)))).toEqual(['srv-too-few']);
  });

  it('--edge replaces discovery: a name is resolved through --dns-server, an IP is used as is', async () => {
    gate.assert();
    const live = await gatherLiveFacts(
      facts(),
      net({ dnsServers: [dns.server], edges: [`edge.lab.test:${edge.port}`, `127.0.0.1:${interceptor.port}`] }),
    );
    expect(live.edge?.discovery).toBe('flag');
    expect(live.edge?.srv).toBeNull();
    const f = withLive(live);
    expect(runCheck(edgeDns, f).findings.map((x) => x.messageId)).toEqual(['discovery-replaced']);
    const tcp = runCheck(edgeTcp, f);
    // One address works, the intercepted one does not: degraded, a warning.
    expect(tcp.status).toBe('warn');
    expect(ids(tcp)).toEqual(['tls-untrusted-issuer']);
  });

  it('an edge that refuses both transports fails edge-tcp and edge-udp', async () => {
    gate.assert();
    const live = await gatherLiveFacts(facts(), net({ edges: [`127.0.0.1:${closedPort}`] }));
    const f = withLive(live);
    expect(runCheck(edgeTcp, f)).toMatchObject({ status: 'fail' });
    expect(ids(runCheck(edgeTcp, f))).toEqual(['tcp-refused']);
    expect(ids(runCheck(edgeUdp, f))).toEqual(['udp-refused']);
    expect(runCheck(edgeUdp, f).status).toBe('fail');
  });
});
