// The HTTP/2 transport's path to the edge: TCP to <address>:7844, then TLS with server name
// h2.cftunnel.com, as cloudflared does. Tells apart refused, dropped (timeout), reset, a TLS
// handshake that stalls (a middlebox holds it) and a certificate from an unexpected issuer
// (TLS interception).
//
// Which issuers are accepted: the real edge chains to Cloudflare's own origin roots (embedded in
// cloudflared, not in the system store) and to public roots. So a chain is accepted when it
// verifies against Node's public root store, when any certificate in it names an issuer whose
// organization contains "Cloudflare", or when it verifies against an extra edge CA (PEM) given
// by the caller (MCP_TUNNEL_EDGE_CA=<file>: how the test lab's edge stand-in is accepted).
// Anything else is reported as interception. An interceptor that copies Cloudflare's name into
// its own CA would pass the name test: the doctor reports the issuer it saw either way.

import { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import type { EdgeTcpOutcome } from '../core/live-facts.js';
import { guarded, internalFailureDetail } from './callback-guard.js';
import { startDeadline, whenAborted } from './deadline.js';
import { describePeerCertificate, dnAttribute, peerChain, peerLeaf } from './peer-certificate.js';
import { classifyConnectError, describeConnectFailure, hostPort, openTcp } from './tcp-connect.js';

const EDGE_TLS_SERVER_NAME = 'h2.cftunnel.com';
export const EDGE_PORT = 7844;

export interface EdgeTlsOptions {
  /** Extra CA certificates (PEM) accepted as edge issuers, besides public roots and Cloudflare. */
  edgeCaPems?: string[];
  serverName?: string;
}

function issuedBy(cert: X509Certificate, ca: X509Certificate): boolean {
  try {
    return cert.checkIssued(ca) && cert.verify(ca.publicKey);
  } catch {
    return false;
  }
}

export async function probeEdgeTcpTls(
  address: string,
  port: number,
  timeoutMs: number,
  parent?: AbortSignal,
  options: EdgeTlsOptions = {},
): Promise<EdgeTcpOutcome> {
  const target = hostPort(address, port);
  const d = startDeadline(timeoutMs, parent);
  const base = { connectMs: null as number | null, acceptedBy: null, certificate: null };
  try {
    const tcp = await openTcp(address, port, d.remaining(), d.signal);
    if (!tcp.ok) return { ...base, ok: false, failure: tcp.failure, detail: tcp.detail, latencyMs: d.elapsed() };
    const connectMs = tcp.latencyMs;
    const extraCas = (options.edgeCaPems ?? []).flatMap((pem) => splitPem(pem));
    const serverName = options.serverName ?? EDGE_TLS_SERVER_NAME;
    return await new Promise<EdgeTcpOutcome>((resolve) => {
      const socket = tls.connect({
        socket: tcp.socket,
        servername: serverName,
        rejectUnauthorized: false,
        ca: [...tls.rootCertificates, ...extraCas],
      });
      let settled = false;
      const finish = (r: EdgeTcpOutcome) => {
        if (settled) return;
        settled = true;
        unsubscribe();
        socket.destroy();
        tcp.socket.destroy();
        resolve(r);
      };
      const unsubscribe = whenAborted(d.signal, () =>
        finish({
          ...base,
          connectMs,
          ok: false,
          failure: 'tls-stall',
          detail: `TCP to ${target} connected in ${connectMs} ms, but the TLS handshake (server name ${serverName}) did not complete before the deadline: something between here and the edge holds TLS`,
          latencyMs: d.elapsed(),
        }),
      );
      const fault = (err: unknown) => {
        const detail = internalFailureDetail(`TLS with ${target}`, err);
        finish({ ...base, connectMs, ok: false, failure: 'tls-error', detail, latencyMs: d.elapsed() });
      };
      socket.once(
        'error',
        guarded(fault, (err: Error) => {
          const kind = classifyConnectError(err);
          const failure = kind === 'reset' || kind === 'refused' ? 'reset' : kind === 'error' ? 'tls-error' : kind;
          const detail =
            failure === 'tls-error'
              ? `TLS with ${target} failed after TCP connected: ${err.message}`
              : describeConnectFailure(failure, target, err);
          finish({ ...base, connectMs, ok: false, failure, detail, latencyMs: d.elapsed() });
        }),
      );
      socket.once(
        'secureConnect',
        guarded(fault, () => {
          const leaf = peerLeaf(socket);
          const chain = peerChain(socket);
          const certificate = leaf ? describePeerCertificate(leaf) : null;
          const cas = extraCas.map((pem) => new X509Certificate(pem));
          const cloudflare = chain.some((c) => dnAttribute(c.issuer, 'O').some((o) => /cloudflare/i.test(o)));
          let acceptedBy: EdgeTcpOutcome['acceptedBy'] = null;
          if (chain.some((c) => cas.some((ca) => issuedBy(c, ca)))) acceptedBy = 'edge-ca';
          else if (socket.authorized) acceptedBy = 'public-root';
          else if (cloudflare) acceptedBy = 'cloudflare-issuer';
          if (acceptedBy) {
            finish({
              connectMs,
              acceptedBy,
              certificate,
              ok: true,
              failure: null,
              detail: null,
              latencyMs: d.elapsed(),
            });
          } else {
            const why = socket.authorizationError ? String(socket.authorizationError) : 'not verified';
            finish({
              connectMs,
              acceptedBy: null,
              certificate,
              ok: false,
              failure: 'tls-untrusted-issuer',
              detail: `TLS with ${target} completed, but the certificate for ${serverName} was issued by "${certificate?.issuer ?? 'unknown'}" (${why}), neither Cloudflare nor a public root: TLS to the edge is intercepted`,
              latencyMs: d.elapsed(),
            });
          }
        }),
      );
    });
  } finally {
    d.dispose();
  }
}

/** Split a PEM bundle into its CERTIFICATE blocks. */
export function splitPem(bundle: string): string[] {
  return bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
}
