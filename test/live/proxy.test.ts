// The inner TLS and the listener against the reference proxy (WebSocket + tls.TLSSocket) with
// certificates made by fixtures/make-certs.sh, and against listeners that are not the proxy.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check as innerTls } from '../../checks/tls/inner-tls.js';
import { check as listenerProtocol } from '../../checks/tls/listener-protocol.js';
import type { Facts } from '../../src/core/facts.js';
import { runCheck } from '../../src/core/runner.js';
import { gatherLiveFacts } from '../../src/probes/live.js';
import { parseProxyUrl, probeInnerTls, probeListener } from '../../src/probes/websocket-tls.js';
import { makeCertSet, type CertSet } from '../lab/certs.js';
import { makeLabDeployment } from '../lab/deployment.js';
import { freePort, stopAll } from '../lab/processes.js';
import { labGate, programMissing } from '../lab/programs.js';
import { startReferenceProxy, type ReferenceProxy } from '../lab/reference-proxy.js';
import {
  startPlainHttpServer,
  startResetServer,
  startStallServer,
  startTlsDirectServer,
  type LabServer,
} from '../lab/servers.js';
import { present } from '../helpers/present.js';

process.env.MCP_TUNNEL_LOOPBACK_ONLY = '1';
const DOMAIN = 'abcd1234.tunnel.example.com';
const TIMEOUT = 1500;
const gate = labGate(
  'inner TLS against the reference proxy',
  programMissing('openssl', ['version']),
  programMissing('bash'),
);

const sets: Record<string, CertSet> = {};
const proxies: Record<string, ReferenceProxy> = {};
const servers: Record<string, LabServer> = {};
let closedPort: number;
const set = (name: string) => present(sets[name], `certificate set ${name}`);
const proxy = (name: string) => present(proxies[name], `proxy ${name}`);
const server = (name: string) => present(servers[name], `server ${name}`);

function deploymentFacts(
  caPem: string,
  listenPort = 8080,
  routes: Record<string, string> = { wiki: 'http://10.0.0.5:8080', mcp: 'http://10.0.0.6:8080' },
): Facts {
  return makeLabDeployment({ domain: DOMAIN, routes, caPem, listenPort }).facts;
}

async function judgeProxy(url: string, caPem: string) {
  const facts = deploymentFacts(caPem);
  // Only the proxy part runs: no edge (an unused loopback edge), no upstream probes matter here.
  const live = await gatherLiveFacts(facts, {
    edges: [`127.0.0.1:${closedPort}`],
    dnsServers: ['127.0.0.1:9'],
    proxy: url,
    timeoutMs: TIMEOUT,
    budgetMs: TIMEOUT * 3,
  });
  const all = { ...facts, live };
  return { live, inner: runCheck(innerTls, all), listener: runCheck(listenerProtocol, all) };
}

function problems(r: ReturnType<typeof runCheck>): string[] {
  return r.findings.filter((f) => f.severity !== 'info').map((f) => f.messageId);
}

beforeAll(async () => {
  if (gate.skip || gate.reasons.length > 0) return;
  for (const v of ['healthy', 'other-ca', 'wrong-san', 'expired', 'eku-clientauth']) sets[v] = makeCertSet(DOMAIN, v);
  for (const [v, s] of Object.entries(sets))
    proxies[v] = await startReferenceProxy({ defaultCert: { certPem: s.certPem, keyPem: s.keyPem } });
  proxies.pathed = await startReferenceProxy({ defaultCert: set('healthy'), path: '/tunnel' });
  servers.http = await startPlainHttpServer(200);
  servers.tls = await startTlsDirectServer(set('healthy').certPem, set('healthy').keyPem);
  servers.stall = await startStallServer();
  servers.reset = await startResetServer();
  closedPort = await freePort();
}, 90000);

afterAll(async () => {
  await Promise.all([...Object.values(proxies).map((p) => p.close()), ...Object.values(servers).map((s) => s.close())]);
  await stopAll();
});

describe.skipIf(gate.skip)('inner TLS through the WebSocket (reference proxy)', () => {
  it('healthy: every route verifies; Host and SNI carry <route>.<tunnel-domain>', async () => {
    gate.assert();
    const { inner, listener, live } = await judgeProxy(proxy('healthy').url, set('healthy').caPem);
    expect(listener.status).toBe('pass');
    expect(listener.findings[0]?.cause).toMatch(/wrong version number/);
    expect(inner.status).toBe('pass');
    expect(live.proxy?.routes.map((r) => r.hostname).sort()).toEqual([`mcp.${DOMAIN}`, `wiki.${DOMAIN}`]);
    const seen = proxy('healthy')
      .seen.filter((s) => s.sni !== null)
      .map((s) => `${s.host} ${s.sni}`)
      .sort();
    expect(seen).toEqual([`mcp.${DOMAIN} mcp.${DOMAIN}`, `wiki.${DOMAIN} wiki.${DOMAIN}`]);
  });

  it('a certificate from another CA is unknown-ca', async () => {
    gate.assert();
    const { inner } = await judgeProxy(proxy('other-ca').url, set('other-ca').caPem);
    expect(inner.status).toBe('fail');
    expect(problems(inner)).toEqual(['unknown-ca', 'unknown-ca']);
  });

  it('a SAN one label too high is san-mismatch, with the served SAN in the evidence', async () => {
    gate.assert();
    const { inner } = await judgeProxy(proxy('wrong-san').url, set('wrong-san').caPem);
    expect(problems(inner), JSON.stringify(inner.findings[0]?.evidence)).toEqual(['san-mismatch', 'san-mismatch']);
    expect((present(inner.findings[0]).evidence as { served: { san: string[] } }).served.san).toEqual([
      '*.tunnel.example.com',
    ]);
  });

  it('an expired certificate is expired', async () => {
    gate.assert();
    const { inner } = await judgeProxy(proxy('expired').url, set('expired').caPem);
    expect(problems(inner)).toEqual(['expired', 'expired']);
  });

  it('a certificate for clientAuth only is wrong-key-usage', async () => {
    gate.assert();
    const { inner } = await judgeProxy(proxy('eku-clientauth').url, set('eku-clientauth').caPem);
    expect(problems(inner)).toEqual(['wrong-key-usage', 'wrong-key-usage']);
  });

  it('the path is part of --proxy: the right path works, the wrong one fails the upgrade', async () => {
    gate.assert();
    const ok = await probeInnerTls({
      url: parseProxyUrl(proxy('pathed').url)!,
      route: 'wiki',
      hostname: `wiki.${DOMAIN}`,
      caPems: [set('healthy').caPem],
      timeoutMs: TIMEOUT,
    });
    expect(ok.ok).toBe(true);
    const wrong = await probeInnerTls({
      url: parseProxyUrl(`ws://127.0.0.1:${proxy('pathed').port}/`)!,
      route: 'wiki',
      hostname: `wiki.${DOMAIN}`,
      caPems: [set('healthy').caPem],
      timeoutMs: TIMEOUT,
    });
    expect(wrong.failure).toBe('websocket-failed');
  });
});

describe.skipIf(gate.skip)('listener-protocol: what answers on the listener', () => {
  it('plain HTTP without upgrade is plain-http (status in evidence); inner-tls skips', async () => {
    gate.assert();
    const { listener, inner } = await judgeProxy(`ws://127.0.0.1:${server('http').port}/`, set('healthy').caPem);
    expect(problems(listener)).toEqual(['plain-http']);
    expect(listener.findings[0]?.evidence).toMatchObject({ httpStatus: 200 });
    expect(listener.findings[0]?.fix).toMatch(/wrong version number/);
    expect(inner.status).toBe('skip');
  });

  it('TLS spoken directly is tls-direct', async () => {
    gate.assert();
    const { listener } = await judgeProxy(`ws://127.0.0.1:${server('tls').port}/`, set('healthy').caPem);
    expect(problems(listener)).toEqual(['tls-direct']);
  });

  it('a listener that stalls is no-answer, one that resets is reset, a closed port is not-listening', async () => {
    gate.assert();
    const url = (p: number) => parseProxyUrl(`ws://127.0.0.1:${p}/`)!;
    expect((await probeListener(url(server('stall').port), `wiki.${DOMAIN}`, 400)).kind).toBe('silent');
    expect((await probeListener(url(server('reset').port), `wiki.${DOMAIN}`, TIMEOUT)).kind).toBe('reset');
    const { listener } = await judgeProxy(`ws://127.0.0.1:${closedPort}/`, set('healthy').caPem);
    expect(problems(listener)).toEqual(['not-listening']);
    expect(listener.status).toBe('fail');
  });

  it('without --proxy the listener comes from listen_addr on 127.0.0.1; nothing there is only a warning', async () => {
    gate.assert();
    const facts = deploymentFacts(set('healthy').caPem, proxy('healthy').port);
    const live = await gatherLiveFacts(facts, {
      edges: [`127.0.0.1:${closedPort}`],
      dnsServers: ['127.0.0.1:9'],
      timeoutMs: TIMEOUT,
      budgetMs: TIMEOUT * 3,
    });
    expect(live.proxy).toMatchObject({ url: `ws://127.0.0.1:${proxy('healthy').port}/`, urlSource: 'listen_addr' });
    expect(runCheck(innerTls, { ...facts, live }).status).toBe('pass');
    const none = deploymentFacts(set('healthy').caPem, closedPort);
    const live2 = await gatherLiveFacts(none, {
      edges: [`127.0.0.1:${closedPort}`],
      dnsServers: ['127.0.0.1:9'],
      timeoutMs: TIMEOUT,
      budgetMs: TIMEOUT * 3,
    });
    expect(runCheck(listenerProtocol, { ...none, live: live2 }).status).toBe('warn');
  });
});
