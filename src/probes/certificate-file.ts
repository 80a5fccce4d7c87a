// Reads a certificate file (PEM, one block or a bundle, or DER) into CertificateFileFacts.
// node:crypto's X509Certificate gives validity, names, fingerprints and the public key; the
// extensions it does not expose (criticality, key identifiers, KeyUsage bits, EKU OIDs, the
// signature algorithm) are read from the DER with @peculiar/asn1-x509. Private-key material found
// in the file is noted (containsPrivateKey) and dropped.

import { X509Certificate } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
} from '@peculiar/asn1-x509';
import type { CertificateFacts, CertificateFileFacts, FileFact } from '../core/facts.js';
import { describeError } from '../core/errors.js';
import { EXTENDED_KEY_USAGES, HASH_ALGORITHMS, KEY_USAGE_BITS, SIGNATURE_ALGORITHMS } from '../pki/oids.js';
import { derOutline, hasPemArmour, isPrivateKeyLabel, readDerHeader, readPemBlocks } from '../pki/pem.js';
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
  if (bytes.length === 0 || bytes.toString('latin1').trim() === '') return { state: 'invalid', path, problem: 'is empty' };
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return { state: 'invalid', path, problem: 'is UTF-16 encoded; save it as plain ASCII PEM' };
  }
  const sizeBytes = bytes.length;

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
      const problem = unparsable.length > 0
        ? `holds no usable certificate: ${unparsable.join('; ')}`
        : `holds no CERTIFICATE block (its PEM blocks: ${labels.join(', ')})`;
      return { state: 'invalid', path, problem };
    }
    return {
      state: 'ok',
      path,
      value: { encoding: 'pem', sizeBytes, pemLabels: blocks.map((b) => b.label), certificates, unparsable, containsPrivateKey },
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
    return { state: 'ok', path, value: { encoding: 'der', sizeBytes, pemLabels: [], certificates: [parsed.facts], unparsable: [], containsPrivateKey: false } };
  }
  const outline = derOutline(bytes);
  if (outline && outline.children[0] !== 0x30) {
    // Not a certificate's outline; a DER private key is worth naming (and is dropped at once).
    const key = parseDerPrivateKey(bytes);
    if (key.encrypted || key.key) {
      return { state: 'ok', path, value: { encoding: 'der', sizeBytes, pemLabels: [], certificates: [], unparsable: ['the file is a DER private key, not a certificate'], containsPrivateKey: true } };
    }
  }
  return { state: 'invalid', path, problem: `is binary data that ${parsed.problem.replace('an X.509 certificate', 'a DER certificate')}` };
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
  let asn: Certificate;
  try {
    asn = AsnConvert.parse(der, Certificate);
  } catch (err) {
    return { problem: `has a structure that cannot be read (${describeError(err)})` };
  }
  try {
    const tbs = asn.tbsCertificate;
    const ext = (oid: string) => tbs.extensions?.find((e) => e.extnID === oid);
    const value = (oid: string) => {
      const e = ext(oid);
      return e ? Buffer.from(e.extnValue.buffer) : null;
    };

    const bcExt = ext(id_ce_basicConstraints);
    let basicConstraints: CertificateFacts['basicConstraints'] = null;
    if (bcExt) {
      const bc = AsnConvert.parse(Buffer.from(bcExt.extnValue.buffer), BasicConstraints);
      basicConstraints = { critical: bcExt.critical, ca: bc.cA, pathLength: bc.pathLenConstraint ?? null };
    }
    const skiDer = value(id_ce_subjectKeyIdentifier);
    const subjectKeyId = skiDer ? hex(AsnConvert.parse(skiDer, SubjectKeyIdentifier).buffer) : null;
    const akiDer = value(id_ce_authorityKeyIdentifier);
    const akiId = akiDer ? AsnConvert.parse(akiDer, AuthorityKeyIdentifier).keyIdentifier : undefined;
    const authorityKeyId = akiId ? hex(akiId.buffer) : null;
    const kuExt = ext(id_ce_keyUsage);
    const keyUsage = kuExt ? { critical: kuExt.critical, usages: keyUsageNames(Buffer.from(kuExt.extnValue.buffer)) } : null;
    const ekuDer = value(id_ce_extKeyUsage);
    const extKeyUsage = ekuDer ? Array.from(AsnConvert.parse(ekuDer, ExtendedKeyUsage)).map((oid) => EXTENDED_KEY_USAGES[oid] ?? oid) : null;
    const sanDer = value(id_ce_subjectAltName);
    const sanDns: string[] = [];
    const sanIp: string[] = [];
    if (sanDer) {
      for (const name of AsnConvert.parse(sanDer, SubjectAlternativeName)) {
        if (name.dNSName !== undefined) sanDns.push(name.dNSName);
        if (name.iPAddress !== undefined) sanIp.push(name.iPAddress);
      }
    }

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
        notBefore: tbs.validity.notBefore.getTime().toISOString(),
        notAfter: tbs.validity.notAfter.getTime().toISOString(),
        fingerprint256: x509.fingerprint256.replace(/:/g, '').toLowerCase(),
        derBase64: x509.raw.toString('base64'),
        basicConstraints,
        subjectKeyId,
        authorityKeyId,
        keyUsage,
        extKeyUsage,
        sanDns,
        sanIp,
        signatureAlgorithm: signatureAlgorithm(asn.signatureAlgorithm),
        publicKey: describePublicKey(publicKey),
        spkiSha256: spkiSha256(publicKey),
        selfSigned,
      },
    };
  } catch (err) {
    return { problem: `has an extension that cannot be read (${describeError(err)})` };
  }
}

function hex(buf: ArrayBuffer): string {
  return Buffer.from(buf).toString('hex');
}

/** "CN=Test CA\nO=Example" -> "CN=Test CA, O=Example". */
function oneLine(name: string): string {
  return name.split('\n').filter(Boolean).join(', ');
}

/** KeyUsage is a BIT STRING; bit 0 (digitalSignature) is the most significant bit of the first byte. */
function keyUsageNames(extnValue: Buffer): string[] {
  const h = readDerHeader(extnValue, 0);
  if (!h || h.tag !== 0x03 || h.length < 1) return [];
  const bits = extnValue.subarray(h.contentStart + 1, h.contentStart + h.length);
  return KEY_USAGE_BITS.filter((_, i) => (i >> 3) < bits.length && (bits[i >> 3] & (0x80 >> (i & 7))) !== 0);
}

function signatureAlgorithm(alg: AlgorithmIdentifier): CertificateFacts['signatureAlgorithm'] {
  const known = SIGNATURE_ALGORITHMS[alg.algorithm];
  if (!known) return { oid: alg.algorithm, name: alg.algorithm, hash: null };
  if (alg.algorithm !== '1.2.840.113549.1.1.10') return { oid: alg.algorithm, ...known };
  return { oid: alg.algorithm, name: known.name, hash: pssHash(alg.parameters) };
}

/** RSASSA-PSS-params: SEQUENCE { [0] hashAlgorithm DEFAULT sha1, ... }. */
function pssHash(params: ArrayBuffer | null | undefined): string | null {
  if (!params) return 'sha1';
  const buf = Buffer.from(params);
  const seq = readDerHeader(buf, 0);
  if (!seq || seq.tag !== 0x30) return null;
  if (seq.length === 0) return 'sha1';
  const first = readDerHeader(buf, seq.contentStart);
  if (!first) return null;
  if (first.tag !== 0xa0) return 'sha1';
  try {
    const inner = AsnConvert.parse(buf.subarray(first.contentStart, first.contentStart + first.length), AlgorithmIdentifier);
    return HASH_ALGORITHMS[inner.algorithm] ?? inner.algorithm;
  } catch {
    return null;
  }
}
