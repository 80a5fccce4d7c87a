// The whole lab at once, healthy: Caddy as the edge (found through dnsmasq's SRV records), the
// reference proxy with a good certificate, upstreams serving the OAuth documents, and the fake
// vendor API with the deployment's CA registered. Used by the end-to-end tests, the network
// namespace runs and the bench.

import { createHash, X509Certificate } from 'node:crypto';
import type { Facts } from '../../src/core/facts.js';
import type { NetworkOptions } from '../../src/probes/live.js';
import { startCaddyEdge, type CaddyEdge } from './caddy.js';
import { makeCertSet, makeEdgeCerts, type CertSet, type EdgeCerts } from './certs.js';
import { makeLabDeployment } from './deployment.js';
import { startDnsmasq, type LabDns } from './dnsmasq.js';
import { startReferenceProxy, type ReferenceProxy } from './reference-proxy.js';
import { oauthDocuments, startFakeVendorApi, startJsonServer, type LabServer } from './servers.js';

export const LAB_DOMAIN = 'abcd1234.tunnel.example.com';
export const LAB_TUNNEL_ID = 'tunl_01LabTunnel';
export const LAB_API_KEY = 'sk-ant-lab-not-a-real-key-0000';

export interface FullLab {
  edge: CaddyEdge;
  dns: LabDns;
  proxy: ReferenceProxy;
  upstream: LabServer;
  api: LabServer;
  certs: CertSet;
  edgeCerts: EdgeCerts;
  dir: string;
  facts: Facts;
  net: NetworkOptions;
  /** The CLI's arguments for the same run (--dir, --dns-server, --proxy, --api-url, --timeout). */
  cliArgs: string[];
  stop(): Promise<void>;
}

export async function startFullLab(
  o: { edgePort?: number; timeoutMs?: number; budgetMs?: number } = {},
): Promise<FullLab> {
  const certs = makeCertSet(LAB_DOMAIN, 'healthy');
  const edgeCerts = makeEdgeCerts('Lab Edge Authority');
  const docs = oauthDocuments(LAB_DOMAIN);
  const caFingerprint = new X509Certificate(certs.caPem).fingerprint256.replace(/:/g, '').toLowerCase();
  const [edge, proxy, upstream, api] = await Promise.all([
    startCaddyEdge({ certFile: edgeCerts.certFile, keyFile: edgeCerts.keyFile, port: o.edgePort }),
    startReferenceProxy({ defaultCert: { certPem: certs.certPem, keyPem: certs.keyPem } }),
    startJsonServer({
      '/.well-known/oauth-authorization-server': { body: docs.metadata },
      '/.well-known/oauth-protected-resource': { body: docs.resource },
      // The mcp route's MCP endpoint, answering initialize (the real SDK servers are in test/lab/mcp).
      '/mcp': {
        body: {
          jsonrpc: '2.0',
          id: 1,
          result: { protocolVersion: '2025-11-25', capabilities: {}, serverInfo: { name: 'lab', version: '1.0.0' } },
        },
      },
    }),
    startFakeVendorApi({
      tunnelId: LAB_TUNNEL_ID,
      apiKey: LAB_API_KEY,
      certificates: [
        {
          id: 'tcrt_01',
          type: 'tunnel_certificate',
          tunnel_id: LAB_TUNNEL_ID,
          fingerprint: caFingerprint,
          created_at: '2026-01-01T00:00:00Z',
          expires_at: '2031-01-01T00:00:00Z',
          archived_at: null,
        },
      ],
    }),
  ]);
  const dns = await startDnsmasq({
    srv: [
      {
        name: '_v2-origintunneld._tcp.argotunnel.com',
        target: 'region1.v2.argotunnel.com',
        port: edge.port,
        priority: 1,
      },
      {
        name: '_v2-origintunneld._tcp.argotunnel.com',
        target: 'region2.v2.argotunnel.com',
        port: edge.port,
        priority: 2,
      },
    ],
    hosts: [
      { name: 'region1.v2.argotunnel.com', addresses: ['127.0.0.1'] },
      { name: 'region2.v2.argotunnel.com', addresses: ['127.0.0.1'] },
    ],
    local: ['argotunnel.com'],
  });
  const deployment = makeLabDeployment({
    domain: LAB_DOMAIN,
    routes: { auth: `http://127.0.0.1:${upstream.port}`, mcp: `http://127.0.0.1:${upstream.port}` },
    caPem: certs.caPem,
    certPem: certs.certPem,
    keyPem: certs.keyPem,
    listenPort: proxy.port,
    allowedIps: ['127.0.0.0/8'],
    tunnelId: LAB_TUNNEL_ID,
  });
  const timeoutMs = o.timeoutMs ?? 2000;
  const net: NetworkOptions = {
    edges: [],
    dnsServers: [dns.server],
    proxy: proxy.url,
    apiUrl: `http://127.0.0.1:${api.port}`,
    apiKey: LAB_API_KEY,
    timeoutMs,
    budgetMs: o.budgetMs ?? timeoutMs * 3,
    edgeCaPems: [edgeCerts.caPem],
  };
  const cliArgs = [
    '--dir',
    deployment.dir,
    '--dns-server',
    dns.server,
    '--proxy',
    proxy.url,
    '--api-url',
    net.apiUrl!,
    '--timeout',
    String(timeoutMs),
  ];
  return {
    edge,
    dns,
    proxy,
    upstream,
    api,
    certs,
    edgeCerts,
    dir: deployment.dir,
    facts: deployment.facts,
    net,
    cliArgs,
    stop: async () => {
      await Promise.all([edge.stop(), dns.stop(), proxy.close(), upstream.close(), api.close()]);
    },
  };
}

/** SHA-256 fingerprint of a PEM certificate, lowercase hex. */
export function fingerprint(pem: string): string {
  return createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');
}
