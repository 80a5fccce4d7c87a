// Builds X.509 v3 certificates (RFC 5280) from parts, without OpenSSL: the TBSCertificate is
// written with the DER writer and signed with node:crypto. Only what `certs` issues is covered:
// EC (P-256/P-384/P-521), RSA and Ed25519 signers, names of CN/O attributes, and the extensions
// the MCP tunnel rules name. Every certificate is parsed back and its signature verified before
// it is returned, so a bug here fails loudly instead of leaving a broken file behind.

import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import { childrenOf, decodeBitString, readSingle } from '../pki/der.js';
import * as der from '../pki/der-writer.js';

export type KeySpec = { type: 'ec'; curve: 'P-256' | 'P-384' } | { type: 'rsa'; bits: 2048 | 3072 | 4096 };

export const OID = {
  commonName: '2.5.4.3',
  organizationName: '2.5.4.10',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
  ecdsaWithSha512: '1.2.840.10045.4.3.4',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  ed25519: '1.3.101.112',
} as const;

/** KeyUsage bit numbers (RFC 5280 §4.2.1.3). */
export const KEY_USAGE = { digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5, cRLSign: 6 } as const;

/**
 * A new key pair, as key objects of their own. The pair comes out of the generator as DER and is
 * read back: a key object handed out by generateKeyPairSync shares its lock with the generation
 * job, and on Node 20 a garbage collection that finalises the job while that key's details are
 * being read (asymmetricKeyDetails) deadlocks the process (seen: `certs init` hanging in futex).
 */
export function generateKeyPair(spec: KeySpec): { privateKey: KeyObject; publicKey: KeyObject } {
  const publicKeyEncoding = { type: 'spki', format: 'der' } as const;
  const privateKeyEncoding = { type: 'pkcs8', format: 'der' } as const;
  const pair =
    spec.type === 'ec'
      ? generateKeyPairSync('ec', { namedCurve: spec.curve, publicKeyEncoding, privateKeyEncoding })
      : generateKeyPairSync('rsa', {
          modulusLength: spec.bits,
          publicExponent: 0x10001,
          publicKeyEncoding,
          privateKeyEncoding,
        });
  return {
    privateKey: createPrivateKey({ key: pair.privateKey, format: 'der', type: 'pkcs8' }),
    publicKey: createPublicKey({ key: pair.publicKey, format: 'der', type: 'spki' }),
  };
}

/** The SubjectPublicKeyInfo DER of a public (or private) key. */
function spkiDer(key: KeyObject): Buffer {
  return key.export({ type: 'spki', format: 'der' });
}

/** SubjectKeyIdentifier, RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING's bits. */
export function keyIdentifier(key: KeyObject): Buffer {
  const spki = spkiDer(key);
  const [, publicKey] = childrenOf(spki, readSingle(spki, 'SubjectPublicKeyInfo'));
  if (!publicKey) throw new Error('SubjectPublicKeyInfo has no subjectPublicKey');
  return createHash('sha1')
    .update(decodeBitString(spki, publicKey, 'subjectPublicKey').bytes)
    .digest();
}

/** 16 random bytes with the top bit clear: positive, at most 20 octets, and never zero. */
export function randomSerial(): Buffer {
  for (;;) {
    const serial = randomBytes(16);
    serial.writeUInt8(serial.readUInt8(0) & 0x7f, 0);
    if (serial.some((b) => b !== 0)) return serial;
  }
}

export interface NameAttribute {
  type: 'CN' | 'O';
  value: string;
}

/** Name ::= SEQUENCE OF RelativeDistinguishedName; one attribute per RDN, in the order given. */
export function encodeName(attributes: readonly NameAttribute[]): Buffer {
  return der.sequence(
    ...attributes.map((a) => {
      const type = a.type === 'CN' ? OID.commonName : OID.organizationName;
      // PrintableString when it can hold the value (what OpenSSL writes too), else UTF8String.
      const value = der.isPrintableString(a.value) ? der.printableString(a.value) : der.utf8String(a.value);
      return der.setOf(der.sequence(der.oid(type), value));
    }),
  );
}

export interface Extension {
  oid: string;
  critical: boolean;
  /** The DER of the extension's own structure (what extnValue's OCTET STRING holds). */
  value: Buffer;
}

export const extensions = {
  basicConstraints(ca: boolean, pathLength: number | null, critical: boolean): Extension {
    // cA DEFAULT FALSE is left out when false, as DER wants.
    const parts = ca ? [der.boolean(true), ...(pathLength === null ? [] : [der.integer(pathLength)])] : [];
    return { oid: OID.basicConstraints, critical, value: der.sequence(...parts) };
  },
  keyUsage(bits: readonly number[], critical: boolean): Extension {
    return { oid: OID.keyUsage, critical, value: der.namedBits(bits) };
  },
  subjectKeyIdentifier(id: Buffer): Extension {
    return { oid: OID.subjectKeyIdentifier, critical: false, value: der.octetString(id) };
  },
  /** AuthorityKeyIdentifier with the keyIdentifier [0] only. */
  authorityKeyIdentifier(id: Buffer): Extension {
    return { oid: OID.authorityKeyIdentifier, critical: false, value: der.sequence(der.implicitPrimitive(0, id)) };
  },
  extKeyUsage(oids: readonly string[]): Extension {
    return { oid: OID.extKeyUsage, critical: false, value: der.sequence(...oids.map((o) => der.oid(o))) };
  },
  /** dNSName [2] IA5String entries. Critical when the subject is empty (RFC 5280 §4.2.1.6). */
  subjectAltNameDns(names: readonly string[], critical: boolean): Extension {
    return {
      oid: OID.subjectAltName,
      critical,
      value: der.sequence(...names.map((n) => der.implicitPrimitive(2, Buffer.from(n, 'ascii')))),
    };
  },
};

function encodeExtension(e: Extension): Buffer {
  // critical DEFAULT FALSE: written only when true.
  return der.sequence(der.oid(e.oid), ...(e.critical ? [der.boolean(true)] : []), der.octetString(e.value));
}

interface Signer {
  algorithm: Buffer; // AlgorithmIdentifier DER
  hash: string | null; // for crypto.sign; null for EdDSA
  name: string;
}

/** The signature algorithm a CA key signs with: SHA-256 for P-256 and RSA, the curve's own size above. */
function signerFor(key: KeyObject): Signer {
  const type = key.asymmetricKeyType;
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    const pick: [string, string, string] | null =
      curve === 'secp384r1'
        ? ['sha384', OID.ecdsaWithSha384, 'ecdsa-with-SHA384']
        : curve === 'secp521r1'
          ? ['sha512', OID.ecdsaWithSha512, 'ecdsa-with-SHA512']
          : curve === 'prime256v1'
            ? ['sha256', OID.ecdsaWithSha256, 'ecdsa-with-SHA256']
            : null;
    if (!pick)
      throw new Error(`the CA key is on curve ${curve ?? 'unknown'}; certs signs with P-256, P-384 or P-521 keys`);
    // ECDSA's AlgorithmIdentifier has no parameters (RFC 5758 §3.2).
    return { algorithm: der.sequence(der.oid(pick[1])), hash: pick[0], name: pick[2] };
  }
  if (type === 'rsa') {
    // PKCS#1 v1.5 signature OIDs carry an explicit NULL (RFC 4055 §5).
    return {
      algorithm: der.sequence(der.oid(OID.sha256WithRsa), der.nullValue()),
      hash: 'sha256',
      name: 'sha256WithRSAEncryption',
    };
  }
  if (type === 'ed25519') return { algorithm: der.sequence(der.oid(OID.ed25519)), hash: null, name: 'Ed25519' };
  throw new Error(`the CA key is a ${type ?? 'unknown'} key; certs signs with EC, RSA or Ed25519 keys`);
}

export interface CertificateSpec {
  serial: Buffer;
  /** Name DER. For an issued certificate, the issuer's subject exactly as its certificate holds it. */
  issuer: Buffer;
  subject: Buffer;
  notBefore: Date;
  notAfter: Date;
  subjectPublicKey: KeyObject;
  extensions: readonly Extension[];
  signingKey: KeyObject;
  /** The public key that must verify the result (the issuer's; the subject's own for a self-signed CA). */
  verifyWith: KeyObject;
}

/** Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }, as DER. */
export function buildCertificate(spec: CertificateSpec): Buffer {
  if (!(spec.notAfter.getTime() > spec.notBefore.getTime())) throw new Error('notAfter must be later than notBefore');
  const signer = signerFor(spec.signingKey);
  const tbs = der.sequence(
    der.explicit(0, der.integer(2)), // v3
    der.integer(spec.serial),
    signer.algorithm,
    spec.issuer,
    der.sequence(der.x509Time(spec.notBefore), der.x509Time(spec.notAfter)),
    spec.subject,
    spkiDer(spec.subjectPublicKey),
    ...(spec.extensions.length > 0 ? [der.explicit(3, der.sequence(...spec.extensions.map(encodeExtension)))] : []),
  );
  // ECDSA signatures come out as the DER Ecdsa-Sig-Value X.509 wants.
  const signature = sign(signer.hash, tbs, { key: spec.signingKey, dsaEncoding: 'der' });
  const certificate = der.sequence(tbs, signer.algorithm, der.bitString(signature));

  const parsed = new X509Certificate(certificate);
  if (!parsed.verify(spec.verifyWith))
    throw new Error("the certificate just built does not verify with its issuer's key");
  return certificate;
}

/** Seconds precision: X.509 times carry no fractions, so what is written is what is read back. */
export function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}
