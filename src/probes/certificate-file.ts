// Reads a certificate file (PEM, one block or a bundle, or DER) into CertificateFileFacts.
// node:crypto's X509Certificate gives names, fingerprints and the public key; the extensions it
// does not expose (criticality, key identifiers, KeyUsage bits, EKU OIDs, the signature
// algorithm) and the validity instants are read from the DER by src/pki/der.ts. Private-key
// material found in the file is noted (containsPrivateKey) and dropped.

import { X509Certificate } from 'node:crypto';
import type { CertificateFacts, CertificateFileFacts, FileFact } from '../core/facts.js';
import { describeError } from '../core/errors.js';
import { EXTENDED_KEY_USAGES, HASH_ALGORITHMS, SIGNATURE_ALGORITHMS } from '../pki/oids.js';
import {
  EXTENSION_OIDS,
  readAuthorityKeyIdentifier,
  readBasicConstraints,
  readCertificateDer,
  readExtendedKeyUsage,
  readKeyUsage,
  readRsaPssHashOid,
  readSubjectAltName,
  readSubjectKeyIdentifier,
  type AlgorithmIdentifierDer,
  type CertificateDer,
  type DerExtension,
} from '../pki/der.js';
import { derOutline, hasPemArmour, isPrivateKeyLabel, readPemBlocks } from '../pki/pem.js';
import { registerKeyMaterial } from '../redaction/register.js';
import { describePublicKey, spkiSha256 } from '../pki/public-key.js';
import { readBounded } from './bounded-file.js';
import { parseDerPrivateKey } from './private-key-file.js';

/** Generous: the CA's 8 kB rule is judged by the check from sizeBytes, not by refusing to read. */
const MAX_CERT_FILE_BYTES = 1024 * 1024;

export function readCertificateFile(path: string, explicit: boolean): FileFact<CertificateFileFacts> {
  const read = readBounded(path, explicit, MAX_CERT_FILE_BYTES);
  if (read.state !== 'ok') return read;
  try {
    return readCertificateBytes(path, read.bytes);
  } catch (err) {
    // Every parser call below is guarded; this is the last net so a probe never throws.
    return { state: 'invalid', path, problem: `could not be read as a certificate (${describeError(err)})` };
  }
}

export function readCertificateBytes(path: string, bytes: Buffer): FileFact<CertificateFileFacts> {
  if (bytes.length === 0 || bytes.toString('latin1').trim() === '')
    return { state: 'invalid', path, problem: 'is empty' };
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return { state: 'invalid', path, problem: 'is UTF-16 encoded; save it as plain ASCII PEM' };
  }
  const sizeBytes = bytes.length;
  // A private key pasted into a certificate file is a secret read (any armour).
  registerKeyMaterial(bytes.toString('latin1'), false);

  if (hasPemArmour(bytes)) {
    const blocks = readPemBlocks(bytes);
    const certificates: CertificateFacts[] = [];
    const unparsable: string[] = [];
    let containsPrivateKey = false;
    blocks.forEach((block, i) => {
      const where = blocks.length > 1 ? `block ${i + 1} (${block.label})` : `the ${block.label} block`;
      if (isPrivateKeyLabel(block.label)) {
        containsPrivateKey = true;
        return;
      }
      if (block.label !== 'CERTIFICATE') {
        if (block.problem) unparsable.push(`${where} ${block.problem}`);
        return;
      }
      if (block.problem || !block.der) {
        unparsable.push(`${where} ${block.problem ?? 'is empty'}`);
        return;
      }
      const parsed = describeCertificate(block.der);
      if ('problem' in parsed) unparsable.push(`${where} ${parsed.problem}`);
      else certificates.push(parsed.facts);
    });
    // A file with no certificate at all is 'invalid', unless it holds a private key: that case
    // stays 'ok' (with no certificates) so the checks can name the key material precisely.
    if (certificates.length === 0 && !containsPrivateKey) {
      const labels = blocks.map((b) => b.label);
      const problem =
        unparsable.length > 0
          ? `holds no usable certificate: ${unparsable.join('; ')}`
          : `holds no CERTIFICATE block (its PEM blocks: ${labels.join(', ')})`;
      return { state: 'invalid', path, problem };
    }
    return {
      state: 'ok',
      path,
      value: {
        encoding: 'pem',
        sizeBytes,
        pemLabels: blocks.map((b) => b.label),
        certificates,
        unparsable,
        containsPrivateKey,
      },
    };
  }

  if (bytes[0] !== 0x30) {
    const text = isText(bytes);
    return {
      state: 'invalid',
      path,
      problem: text
        ? 'holds no PEM block ("-----BEGIN CERTIFICATE-----") and is not DER'
        : 'is binary data that is neither PEM nor a DER certificate',
    };
  }
  const parsed = describeCertificate(bytes);
  if (!('problem' in parsed)) {
    return {
      state: 'ok',
      path,
      value: {
        encoding: 'der',
        sizeBytes,
        pemLabels: [],
        certificates: [parsed.facts],
        unparsable: [],
        containsPrivateKey: false,
      },
    };
  }
  const outline = derOutline(bytes);
  if (outline && outline.children[0] !== 0x30) {
    // Not a certificate's outline; a DER private key is worth naming (and is dropped at once).
    const key = parseDerPrivateKey(bytes);
    if (key.encrypted || key.key) {
      return {
        state: 'ok',
        path,
        value: {
          encoding: 'der',
          sizeBytes,
          pemLabels: [],
          certificates: [],
          unparsable: ['the file is a DER private key, not a certificate'],
          containsPrivateKey: true,
        },
      };
    }
  }
  return {
    state: 'invalid',
    path,
    problem: `is binary data that ${parsed.problem.replace('an X.509 certificate', 'a DER certificate')}`,
  };
}

function isText(bytes: Buffer): boolean {
  for (const b of bytes) if (b < 0x09 || (b > 0x0d && b < 0x20) || b === 0x7f) return false;
  return true;
}

/** One DER certificate to CertificateFacts, or the parser's complaint. */
export function describeCertificate(der: Buffer): { facts: CertificateFacts } | { problem: string } {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(der);
  } catch (err) {
    return { problem: `does not parse as an X.509 certificate (${describeError(err)})` };
  }
  let cert: CertificateDer;
  try {
    // x509.raw is exactly the certificate: OpenSSL ignores bytes after it, and so does this.
    cert = readCertificateDer(x509.raw);
  } catch (err) {
    return { problem: `has a structure that cannot be read (${describeError(err)})` };
  }
  let extensions: ExtensionFacts;
  try {
    extensions = readExtensionFacts(cert.extensions);
  } catch (err) {
    return { problem: `has an extension that cannot be read (${describeError(err)})` };
  }
  try {
    const publicKey = x509.publicKey;
    let selfSigned = false;
    if (x509.subject === x509.issuer) {
      try {
        selfSigned = x509.verify(publicKey);
      } catch {
        selfSigned = false;
      }
    }
    return {
      facts: {
        subject: oneLine(x509.subject),
        issuer: oneLine(x509.issuer),
        serialNumber: x509.serialNumber.toLowerCase(),
        notBefore: cert.notBefore.toISOString(),
        notAfter: cert.notAfter.toISOString(),
        fingerprint256: x509.fingerprint256.replace(/:/g, '').toLowerCase(),
        derBase64: x509.raw.toString('base64'),
        ...extensions,
        signatureAlgorithm: signatureAlgorithm(cert.signatureAlgorithm),
        publicKey: describePublicKey(publicKey),
        spkiSha256: spkiSha256(publicKey),
        selfSigned,
      },
    };
  } catch (err) {
    return { problem: `has a public key that cannot be read (${describeError(err)})` };
  }
}

type ExtensionFacts = Pick<
  CertificateFacts,
  'basicConstraints' | 'subjectKeyId' | 'authorityKeyId' | 'keyUsage' | 'extKeyUsage' | 'sanDns' | 'sanIp'
>;

/** The extensions the checks judge; the first of a repeated extension counts (RFC 5280 forbids repeats). */
function readExtensionFacts(extensions: DerExtension[]): ExtensionFacts {
  const ext = (oid: string) => extensions.find((e) => e.oid === oid);
  // Each decoder's DerError already names its structure; the extension's name tells which one failed.
  const read = <T>(name: string, e: DerExtension, decode: (value: Buffer) => T): T => {
    try {
      return decode(e.value);
    } catch (err) {
      throw new Error(`${name}: ${describeError(err)}`);
    }
  };
  const bc = ext(EXTENSION_OIDS.basicConstraints);
  const ski = ext(EXTENSION_OIDS.subjectKeyIdentifier);
  const aki = ext(EXTENSION_OIDS.authorityKeyIdentifier);
  const ku = ext(EXTENSION_OIDS.keyUsage);
  const eku = ext(EXTENSION_OIDS.extKeyUsage);
  const san = ext(EXTENSION_OIDS.subjectAltName);
  const akiId = aki ? read('authorityKeyIdentifier', aki, readAuthorityKeyIdentifier) : null;
  const names = san ? read('subjectAltName', san, readSubjectAltName) : { dns: [], ip: [] };
  return {
    basicConstraints: bc ? { critical: bc.critical, ...read('basicConstraints', bc, readBasicConstraints) } : null,
    subjectKeyId: ski ? read('subjectKeyIdentifier', ski, readSubjectKeyIdentifier).toString('hex') : null,
    authorityKeyId: akiId ? akiId.toString('hex') : null,
    keyUsage: ku ? { critical: ku.critical, usages: read('keyUsage', ku, readKeyUsage) } : null,
    extKeyUsage: eku
      ? read('extendedKeyUsage', eku, readExtendedKeyUsage).map((oid) => EXTENDED_KEY_USAGES[oid] ?? oid)
      : null,
    sanDns: names.dns,
    sanIp: names.ip,
  };
}

/** "CN=Test CA\nO=Example" -> "CN=Test CA, O=Example". An empty Name (node gives undefined) is "". */
function oneLine(name: string | undefined): string {
  return (name ?? '').split('\n').filter(Boolean).join(', ');
}

function signatureAlgorithm(alg: AlgorithmIdentifierDer): CertificateFacts['signatureAlgorithm'] {
  const known = SIGNATURE_ALGORITHMS[alg.oid];
  if (!known) return { oid: alg.oid, name: alg.oid, hash: null };
  if (alg.oid !== '1.2.840.113549.1.1.10') return { oid: alg.oid, ...known };
  // RSASSA-PSS: the hash is in the parameters; unreadable parameters leave it unknown.
  let hash: string | null;
  try {
    const oid = readRsaPssHashOid(alg.parameters);
    hash = HASH_ALGORITHMS[oid] ?? oid;
  } catch {
    hash = null;
  }
  return { oid: alg.oid, name: known.name, hash };
}
