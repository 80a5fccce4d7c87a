// Did one certificate issue another? Pure computation over the DER the probe kept: the issuer
// name must equal the issuer's subject and the signature must verify with the issuer's key.
// Key identifiers are compared by the checks from the facts (AKI vs SKI) so they can say which
// of the three disagrees.

import { X509Certificate } from 'node:crypto';
import type { CertificateFacts } from '../core/facts.js';

export interface Issuance {
  /** cert.issuer equals issuer.subject. */
  nameMatches: boolean;
  /** The signature on cert verifies with issuer's public key. */
  signatureValid: boolean;
  /** cert's AuthorityKeyIdentifier equals issuer's SubjectKeyIdentifier; null when either is absent. */
  keyIdMatches: boolean | null;
}

function x509(c: CertificateFacts): X509Certificate | null {
  try {
    return new X509Certificate(Buffer.from(c.derBase64, 'base64'));
  } catch {
    return null;
  }
}

export function issuance(cert: CertificateFacts, issuer: CertificateFacts): Issuance {
  const child = x509(cert);
  const parent = x509(issuer);
  let signatureValid = false;
  if (child && parent) {
    try {
      signatureValid = child.verify(parent.publicKey);
    } catch {
      signatureValid = false;
    }
  }
  return {
    nameMatches: cert.issuer === issuer.subject,
    signatureValid,
    keyIdMatches: cert.authorityKeyId && issuer.subjectKeyId ? cert.authorityKeyId === issuer.subjectKeyId : null,
  };
}

/** Issued by: the name and the signature agree (key identifiers are advisory, as in path building). */
export function issuedBy(cert: CertificateFacts, issuer: CertificateFacts): boolean {
  const i = issuance(cert, issuer);
  return i.nameMatches && i.signatureValid;
}

/** Colon-separated upper-case hex, as `openssl x509 -text` prints key identifiers. */
export function formatKeyId(hex: string | null): string | null {
  return hex
    ? hex
        .toUpperCase()
        .match(/.{1,2}/g)!
        .join(':')
    : null;
}
