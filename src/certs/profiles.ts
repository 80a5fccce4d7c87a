// The two certificates an MCP tunnel needs, as the platform's rules describe them:
// - the CA: self-signed, BasicConstraints CA:TRUE (critical, pathlen 0: the platform accepts no
//   intermediates anyway), KeyUsage keyCertSign + cRLSign (critical), a SubjectKeyIdentifier;
// - the server certificate: issued directly by that CA, SAN DNS:*.<tunnel-domain>,
//   AuthorityKeyIdentifier = the CA's SubjectKeyIdentifier, ExtendedKeyUsage serverAuth,
//   BasicConstraints CA:FALSE, KeyUsage digitalSignature (+ keyEncipherment for RSA keys).
// Both start five minutes in the past, so a peer whose clock runs a little behind accepts them.

import type { KeyObject } from 'node:crypto';
import { childrenOf, isTag, readSingle } from '../pki/der.js';
import * as der from '../pki/der-writer.js';
import {
  buildCertificate,
  encodeName,
  extensions,
  KEY_USAGE,
  keyIdentifier,
  OID,
  randomSerial,
  wholeSeconds,
} from './x509-builder.js';

const CA_COMMON_NAME = 'MCP Tunnel CA';
export const CA_DAYS = 1825; // 5 years, as the setup tool makes it
export const SERVER_DAYS = 90; // the setup tool's; it renews 30 days before the end
const DAY_MS = 86_400_000;
const BACKDATE_MS = 5 * 60_000;
/** X.520's upper bound for a common name. */
const MAX_CN = 64;

export interface Validity {
  notBefore: Date;
  notAfter: Date;
}

export function validityFrom(now: Date, days: number): Validity {
  return {
    notBefore: wholeSeconds(new Date(now.getTime() - BACKDATE_MS)),
    notAfter: wholeSeconds(new Date(now.getTime() + days * DAY_MS)),
  };
}

export function issueCaCertificate(key: { privateKey: KeyObject; publicKey: KeyObject }, validity: Validity): Buffer {
  const name = encodeName([{ type: 'CN', value: CA_COMMON_NAME }]);
  return buildCertificate({
    serial: randomSerial(),
    issuer: name,
    subject: name,
    ...validity,
    subjectPublicKey: key.publicKey,
    signingKey: key.privateKey,
    verifyWith: key.publicKey,
    extensions: [
      extensions.basicConstraints(true, 0, true),
      extensions.keyUsage([KEY_USAGE.keyCertSign, KEY_USAGE.cRLSign], true),
      extensions.subjectKeyIdentifier(keyIdentifier(key.publicKey)),
    ],
  });
}

export interface IssuingCa {
  /** The CA certificate's DER: its subject becomes the issuer, byte for byte. */
  certificate: Buffer;
  /** Its SubjectKeyIdentifier, which the server certificate's AuthorityKeyIdentifier repeats. */
  subjectKeyId: Buffer;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function issueServerCertificate(
  ca: IssuingCa,
  serverKey: KeyObject,
  dnsNames: readonly string[],
  validity: Validity,
): Buffer {
  const [cn] = dnsNames;
  if (cn === undefined) throw new Error('a server certificate needs at least one DNS name');
  // A name too long for CN leaves the subject empty; the SAN then has to be critical (RFC 5280 §4.2.1.6).
  const subject = cn.length <= MAX_CN ? encodeName([{ type: 'CN', value: cn }]) : der.sequence();
  const usages: number[] = [KEY_USAGE.digitalSignature];
  if (serverKey.asymmetricKeyType === 'rsa') usages.push(KEY_USAGE.keyEncipherment);
  return buildCertificate({
    serial: randomSerial(),
    issuer: subjectNameDer(ca.certificate),
    subject,
    ...validity,
    subjectPublicKey: serverKey,
    signingKey: ca.privateKey,
    verifyWith: ca.publicKey,
    extensions: [
      extensions.subjectAltNameDns(dnsNames, cn.length > MAX_CN),
      extensions.authorityKeyIdentifier(ca.subjectKeyId),
      extensions.subjectKeyIdentifier(keyIdentifier(serverKey)),
      extensions.extKeyUsage([OID.serverAuth]),
      extensions.basicConstraints(false, null, false),
      extensions.keyUsage(usages, true),
    ],
  });
}

/** The subject Name of a DER certificate, exactly as encoded (tag and length included). */
function subjectNameDer(certificate: Buffer): Buffer {
  const [tbs] = childrenOf(certificate, readSingle(certificate, 'the CA certificate'));
  if (!tbs) throw new Error('the CA certificate has no tbsCertificate');
  const fields = childrenOf(certificate, tbs);
  // version [0] is optional; then serial, signature, issuer, validity, subject.
  const first = fields[0] && isTag(fields[0], 'context', 0) ? 1 : 0;
  const subject = fields[first + 4];
  if (!subject) throw new Error('the CA certificate has no subject name');
  return certificate.subarray(subject.start, subject.end);
}
