// Layer 3 and OAuth, live: upstream addresses (literal or resolved through dnsmasq) judged by the
// proxy's policy, connections only to allowed ones, the well-known documents fetched from the
// `auth` and `mcp` upstreams, and the vendor API's certificate list.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check as upstreamReachable } from '../../checks/routing/upstream-reachable.js';
import { runCheck } from '../../src/core/runner.js';
import { fetchRegisteredCertificates } from '../../src/probes/ca-registration-api.js';
import { httpGet } from '../../src/probes/http-metadata.js';
import { gatherLiveFacts, type NetworkOptions } from '../../src/probes/live.js';
import { makeLabDeployment } from '../lab/deployment.js';
import { startDnsmasq, type LabDns } from '../lab/dnsmasq.js';
import { fingerprint, LAB_API_KEY, LAB_DOMAIN, LAB_TUNNEL_ID } from '../lab/full-lab.js';
import { makeCertSet, type CertSet } from '../lab/certs.js';
import { freePort, stopAll } from '../lab/processes.js';
import { labGate, programMissing } from '../lab/programs.js';
import { oauthDocuments, startFakeVendorApi, startJsonServer, type LabServer } from '../lab/servers.js';

process.env.MCP_TUNNEL_LOOPBACK_ONLY = '1';
const TIMEOUT = 1500;
const gate = labGate(
  'upstream, OAuth and vendor API probes',
  programMissing('dnsmasq'),
  programMissing('openssl', ['version']),
);

let dns: LabDns;
let docs: LabServer;
let redirecting: LabServer;
let api: LabServer;
let certs: CertSet;
let closedPort: number;

function net(o: Partial<NetworkOptions> = {}): NetworkOptions {
  return {
    edges: [`127.0.0.1:${closedPort}`],
    dnsServers: [dns.server],
    proxy: `ws://127.0.0.1:${closedPort}/`,
    timeoutMs: TIMEOUT,
    budgetMs: TIMEOUT * 3,
    ...o,
  };
}

beforeAll(async () => {
  if (gate.skip || gate.reasons.length > 0) return;
  certs = makeCertSet(LAB_DOMAIN, 'healthy');
  closedPort = await freePort();
  const d = oauthDocuments(LAB_DOMAIN);
  docs = await startJsonServer({
    '/.well-known/oauth-authorization-server': { body: d.metadata },
    '/.well-known/oauth-protected-resource': { body: d.resource },
    '/same-host-redirect': { status: 302, body: '', headers: { location: '/.well-known/oauth-protected-resource' } },
    '/huge': { body: 'x'.repeat(300 * 1024) },
  });
  redirecting = await startJsonServer({
    '/.well-known/oauth-authorization-server': {
      status: 302,
      body: '',
      headers: { location: `http://127.0.0.2:${docs.port}/.well-known/oauth-authorization-server` },
    },
  });
  api = await startFakeVendorApi({
    tunnelId: LAB_TUNNEL_ID,
    apiKey: LAB_API_KEY,
    certificates: [
      {
        id: 'tcrt_1',
        fingerprint: fingerprint(certs.caPem),
        created_at: '2026-01-01T00:00:00Z',
        expires_at: '2031-01-01T00:00:00Z',
        archived_at: null,
      },
      {
        id: 'tcrt_0',
        fingerprint: 'AB:CD',
        created_at: '2025-01-01T00:00:00Z',
        expires_at: '2030-01-01T00:00:00Z',
        archived_at: '2026-01-02T00:00:00Z',
      },
    ],
  });
  dns = await startDnsmasq({
    hosts: [
      { name: 'mcp-server.lab.test', addresses: ['127.0.0.1'] },
      { name: 'public.lab.test', addresses: ['203.0.113.7'] },
    ],
    local: ['lab.test'],
  });
}, 60000);

afterAll(async () => {
  await Promise.all([docs?.close(), redirecting?.close(), api?.close()]);
  await stopAll();
});

describe.skipIf(gate.skip)('upstreams and OAuth discovery, live', () => {
  it('connects only to allowed addresses: refused ports named, policy-refused addresses never probed', async () => {
    gate.assert();
    const { facts } = makeLabDeployment({
      domain: LAB_DOMAIN,
      caPem: certs.caPem,
      allowedIps: ['127.0.0.0/8'],
      routes: {
        auth: `http://127.0.0.1:${docs.port}`,
        mcp: `http://mcp-server.lab.test:${docs.port}`,
        down: `http://127.0.0.1:${closedPort}`,
        outside: 'http://public.lab.test:443',
        v6: 'http://[::1]:8080',
      },
    });
    const live = await gatherLiveFacts(facts, net());
    const by = Object.fromEntries(live.upstreams!.map((u) => [u.route, u]));
    expect(by.mcp?.resolution).toMatchObject({ ok: true, value: ['127.0.0.1'] });
    expect(by.outside).toMatchObject({ addresses: ['203.0.113.7'], refusedByPolicy: ['203.0.113.7'], connections: [] });
    expect(by.outside?.notProbed).toMatch(/refused by the proxy's IP policy/);
    expect(by.v6?.connections).toEqual([]);
    expect(by.down?.connections[0]).toMatchObject({ ok: false, failure: 'refused' });
    const r = runCheck(upstreamReachable, { ...facts, live });
    expect(r.status).toBe('fail');
    expect(r.findings.filter((f) => f.severity !== 'info').map((f) => f.messageId)).toEqual(['connection-refused']);
    expect(r.findings[0]?.cause).toContain(`127.0.0.1:${closedPort}`);
  });

  it('fetches both well-known documents from the auth and mcp upstreams, parsed with positions', async () => {
    gate.assert();
    const { facts } = makeLabDeployment({
      domain: LAB_DOMAIN,
      caPem: certs.caPem,
      allowedIps: ['127.0.0.0/8'],
      routes: { auth: `http://127.0.0.1:${docs.port}`, mcp: `http://mcp-server.lab.test:${docs.port}` },
    });
    const live = await gatherLiveFacts(facts, net());
    expect(live.oauthMetadata).toMatchObject({ ok: true, route: 'auth', httpStatus: 200 });
    expect(live.oauthMetadata?.document?.state).toBe('ok');
    const doc = live.oauthMetadata!.document as {
      state: 'ok';
      value: { data: { issuer: string }; positions: Record<string, unknown> };
    };
    expect(doc.value.data.issuer).toBe(`https://auth.${LAB_DOMAIN}`);
    expect(doc.value.positions.issuer).toBeDefined();
    expect(live.resourceMetadata).toMatchObject({ ok: true, route: 'mcp' });
    // The mcp upstream is a name: fetched from the allowed address the probe resolved.
    expect(
      docs.requests.some(
        (q) =>
          q.url === '/.well-known/oauth-protected-resource' && q.headers.host === `mcp-server.lab.test:${docs.port}`,
      ),
    ).toBe(true);
  });

  it('a document file given on the command line is not fetched; a refused upstream is not fetched either', async () => {
    gate.assert();
    const { facts } = makeLabDeployment({
      domain: LAB_DOMAIN,
      caPem: certs.caPem,
      routes: { auth: `http://127.0.0.1:${docs.port}`, mcp: 'http://public.lab.test:80' },
    });
    const live = await gatherLiveFacts(
      { ...facts, oauthMetadata: { state: 'missing', path: 'x', explicit: false } },
      net(),
    );
    expect(live.oauthMetadata).toBeNull();
    // Default policy (RFC 1918): neither 127.0.0.1 nor 203.0.113.7 is allowed: nothing dialled.
    expect(live.resourceMetadata).toMatchObject({ ok: false, failure: 'not-probed' });
    expect(live.upstreams!.every((u) => u.connections.length === 0)).toBe(true);
  });

  it('redirects: same host followed, another host refused; bodies over the limit cut', async () => {
    gate.assert();
    const same = await httpGet(`http://127.0.0.1:${docs.port}/same-host-redirect`, { timeoutMs: TIMEOUT });
    expect(same).toMatchObject({ ok: true, status: 200 });
    const other = await httpGet(`http://127.0.0.1:${redirecting.port}/.well-known/oauth-authorization-server`, {
      timeoutMs: TIMEOUT,
    });
    expect(other).toMatchObject({ ok: false, failure: 'redirect' });
    const huge = await httpGet(`http://127.0.0.1:${docs.port}/huge`, { timeoutMs: TIMEOUT });
    expect(huge).toMatchObject({ ok: false, failure: 'too-large' });
  });

  it('lists the registered certificates through the vendor API; the key never reaches the facts', async () => {
    gate.assert();
    const d = makeLabDeployment({ domain: LAB_DOMAIN, caPem: certs.caPem, routes: {}, tunnelId: LAB_TUNNEL_ID });
    const live = await gatherLiveFacts(d.facts, net({ apiUrl: `http://127.0.0.1:${api.port}`, apiKey: LAB_API_KEY }));
    expect(live.caRegistration).toMatchObject({ ok: true, tunnelId: LAB_TUNNEL_ID, httpStatus: 200 });
    expect(live.caRegistration!.certificates).toEqual([
      expect.objectContaining({ id: 'tcrt_1', fingerprint: fingerprint(certs.caPem), active: true }),
      expect.objectContaining({ id: 'tcrt_0', fingerprint: 'abcd', active: false }),
    ]);
    const headers = api.requests.at(-1)!.headers;
    expect(headers['anthropic-beta']).toBe('mcp-tunnels-2026-06-22');
    expect(headers['anthropic-version']).toBe('2023-06-01');
    expect(JSON.stringify(live)).not.toContain(LAB_API_KEY);
    const wrongKey = await fetchRegisteredCertificates({
      apiUrl: `http://127.0.0.1:${api.port}`,
      apiKey: 'sk-ant-wrong',
      tunnelId: LAB_TUNNEL_ID,
      tunnelIdSource: 'test',
      timeoutMs: TIMEOUT,
      now: new Date().toISOString(),
    });
    expect(wrongKey).toMatchObject({ ok: false, failure: 'http-status', httpStatus: 401 });
    const noKey = await gatherLiveFacts(d.facts, net());
    expect(noKey.caRegistration).toBeNull();
    expect(noKey.caRegistrationSkipped).toMatch(/no API key/);
  });
});
