// Every doctor check, in catalog order. Derived from src/catalog/catalog.ts by
// scripts/check-index.mjs (run by `npm run build`); do not edit by hand.

import { check as tunnelToken } from './edge/tunnel-token.js';
import { check as edgeDns } from './edge/edge-dns.js';
import { check as edgeTcp } from './edge/edge-tcp.js';
import { check as edgeUdp } from './edge/edge-udp.js';
import { check as cloudflaredIngress } from './edge/cloudflared-ingress.js';
import { check as edgeIpVersion } from './edge/edge-ip-version.js';
import { check as cloudflaredVersion } from './edge/cloudflared-version.js';
import { check as proxyContainer } from './edge/proxy-container.js';
import { check as cloudflaredContainer } from './edge/cloudflared-container.js';
import { check as runningToken } from './edge/running-token.js';
import { check as tunnelConnections } from './edge/tunnel-connections.js';
import { check as tunnelTransport } from './edge/tunnel-transport.js';
import { check as originErrors } from './edge/origin-errors.js';
import { check as caCertificate } from './tls/ca-certificate.js';
import { check as caRegistration } from './tls/ca-registration.js';
import { check as serverCertificate } from './tls/server-certificate.js';
import { check as certificateSan } from './tls/certificate-san.js';
import { check as certificateExpiry } from './tls/certificate-expiry.js';
import { check as privateKey } from './tls/private-key.js';
import { check as innerTls } from './tls/inner-tls.js';
import { check as listenerProtocol } from './tls/listener-protocol.js';
import { check as staleConfig } from './routing/stale-config.js';
import { check as proxyConfig } from './routing/proxy-config.js';
import { check as tunnelDomain } from './routing/tunnel-domain.js';
import { check as upstreamIp } from './routing/upstream-ip.js';
import { check as allowedIps } from './routing/allowed-ips.js';
import { check as upstreamTls } from './routing/upstream-tls.js';
import { check as upstreamReachable } from './routing/upstream-reachable.js';
import { check as mcpHandshake } from './routing/mcp-handshake.js';
import { check as protectedResource } from './oauth/protected-resource.js';
import { check as oauthMetadata } from './oauth/oauth-metadata.js';
import { check as helmValues } from './setup/helm-values.js';
import { check as wifToken } from './setup/wif-token.js';
import type { Check } from '../src/core/check.js';

export const CHECKS: readonly Check[] = [
  tunnelToken,
  edgeDns,
  edgeTcp,
  edgeUdp,
  cloudflaredIngress,
  edgeIpVersion,
  cloudflaredVersion,
  proxyContainer,
  cloudflaredContainer,
  runningToken,
  tunnelConnections,
  tunnelTransport,
  originErrors,
  caCertificate,
  caRegistration,
  serverCertificate,
  certificateSan,
  certificateExpiry,
  privateKey,
  innerTls,
  listenerProtocol,
  staleConfig,
  proxyConfig,
  tunnelDomain,
  upstreamIp,
  allowedIps,
  upstreamTls,
  upstreamReachable,
  mcpHandshake,
  protectedResource,
  oauthMetadata,
  helmValues,
  wifToken,
];
