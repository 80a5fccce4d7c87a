// The certificate a TLS peer presented, reduced to plain facts (node:crypto X509Certificate).

import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { PeerCertificateFacts } from '../core/live-facts.js';
import { EXTENDED_KEY_USAGES } from '../pki/oids.js';

/** Values of one attribute (O, CN...) in a distinguished name as node prints it (one per line). */
export function dnAttribute(dn: string | undefined, attribute: string): string[] {
  return (dn ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith(`${attribute}=`))
    .map((line) => line.slice(attribute.length + 1));
}

export function describePeerCertificate(cert: X509Certificate): PeerCertificateFacts {
  const san = cert.subjectAltName ?? '';
  // An empty subject or issuer (leaves of Caddy's internal CA have no subject) is undefined in node.
  const subject = cert.subject ?? '';
  const issuer = cert.issuer ?? '';
  return {
    subject: subject.replace(/\n/g, ', '),
    issuer: issuer.replace(/\n/g, ', '),
    issuerOrganization: dnAttribute(issuer, 'O').join(', '),
    notBefore: new Date(cert.validFrom).toISOString(),
    notAfter: new Date(cert.validTo).toISOString(),
    fingerprint256: cert.fingerprint256.replace(/:/g, '').toLowerCase(),
    sanDns: san
      .split(/,\s*/)
      .filter((e) => e.startsWith('DNS:'))
      .map((e) => e.slice(4)),
    extKeyUsage: (cert.keyUsage ?? []).map((oid) => EXTENDED_KEY_USAGES[oid] ?? oid),
  };
}

/** The leaf certificate of a TLS socket, or null when the peer sent none. */
export function peerLeaf(socket: TLSSocket): X509Certificate | null {
  // Not getPeerX509Certificate(): after it, getPeerCertificate(true) loses the issuer chain (Node 20).
  try {
    const raw = socket.getPeerCertificate(true)?.raw;
    return raw ? new X509Certificate(raw) : null;
  } catch {
    return null;
  }
}

/** Every certificate the peer sent, leaf first (DER from getPeerCertificate(true)). */
export function peerChain(socket: TLSSocket): X509Certificate[] {
  const out: X509Certificate[] = [];
  try {
    let c = socket.getPeerCertificate(true) as {
      raw?: Buffer;
      issuerCertificate?: unknown;
      fingerprint256?: string;
    } | null;
    const seen = new Set<string>();
    while (c && c.raw && !seen.has(c.fingerprint256 ?? '')) {
      seen.add(c.fingerprint256 ?? '');
      out.push(new X509Certificate(c.raw));
      c = c.issuerCertificate as typeof c;
    }
  } catch {
    // a peer that sent nothing parsable: an empty chain
  }
  return out;
}
