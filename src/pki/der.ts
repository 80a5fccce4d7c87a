// A small, strict DER reader and the few X.509 structures the certificate probe needs from it.
//
// Strict means DER as Go's crypto/x509 (the proxy's parser) reads it: definite, minimal lengths;
// primitive encodings where DER demands them; every element inside its parent. Bounded means a
// hostile file cannot make it read past the buffer, allocate by a declared length, or recurse
// without limit. Every failure is a DerError naming the byte offset and what was wrong; nothing
// here returns partial results. node:crypto still parses the certificate first (names, dates for
// display, key, signature); this module only reads what X509Certificate does not expose.

import { KEY_USAGE_BITS } from './oids.js';

export type DerErrorCode =
  | 'truncated' // an element or its header runs past the end of its parent or of the buffer
  | 'indefinite-length' // BER's 0x80 length form, which DER forbids
  | 'non-minimal' // a length or tag number written with more bytes than needed
  | 'too-long' // a length of more than 4 bytes, or a tag number of more than 4 bytes
  | 'too-deep' // nesting beyond MAX_DER_DEPTH
  | 'unexpected-tag' // an element of the wrong type where the structure needs another
  | 'bad-value' // the right type with content that is not valid for it
  | 'trailing-data'; // bytes left after the element(s) a structure holds

export class DerError extends Error {
  constructor(
    readonly code: DerErrorCode,
    message: string,
    /** Offset of the offending element, relative to the buffer handed to the reader. */
    readonly offset: number,
  ) {
    super(message);
    this.name = 'DerError';
  }
}

export type TagClass = 'universal' | 'application' | 'context' | 'private';

/** The class in the top two bits of an identifier octet. */
function classOf(id: number): TagClass {
  const top = id >> 6;
  return top === 0 ? 'universal' : top === 1 ? 'application' : top === 2 ? 'context' : 'private';
}

/** The byte at `i`; callers have checked the bound, so a miss is data that ended early. */
function byteAt(buf: Uint8Array, i: number): number {
  const b = buf[i];
  if (b === undefined) throw new DerError('truncated', `the DER data ends before byte ${i}`, i);
  return b;
}

/** One tag-length-value element: where it sits and what its identifier says. Content is [contentStart, end). */
export interface Tlv {
  cls: TagClass;
  constructed: boolean;
  number: number;
  start: number;
  contentStart: number;
  end: number;
  /** 0 for an element read at the top, parent's depth + 1 for a child. */
  depth: number;
}

/** Universal tag numbers used here. */
const UNIVERSAL = {
  BOOLEAN: 1,
  INTEGER: 2,
  BIT_STRING: 3,
  OCTET_STRING: 4,
  NULL: 5,
  OBJECT_IDENTIFIER: 6,
  SEQUENCE: 16,
  SET: 17,
  IA5String: 22,
  UTCTime: 23,
  GeneralizedTime: 24,
} as const;

/** Real certificates nest about 8 deep; anything past this is hostile or broken. */
export const MAX_DER_DEPTH = 32;

const UNIVERSAL_NAMES: Record<number, string> = {
  1: 'BOOLEAN',
  2: 'INTEGER',
  3: 'BIT STRING',
  4: 'OCTET STRING',
  5: 'NULL',
  6: 'OBJECT IDENTIFIER',
  12: 'UTF8String',
  16: 'SEQUENCE',
  17: 'SET',
  19: 'PrintableString',
  22: 'IA5String',
  23: 'UTCTime',
  24: 'GeneralizedTime',
};

/** "SEQUENCE", "[0]", "[APPLICATION 3]", "universal 31": for error messages. */
function describeTag(t: Pick<Tlv, 'cls' | 'number' | 'constructed'>): string {
  if (t.cls === 'universal') return UNIVERSAL_NAMES[t.number] ?? `universal tag ${t.number}`;
  const form = t.constructed ? 'constructed' : 'primitive';
  if (t.cls === 'context') return `[${t.number}] (${form})`;
  return `[${t.cls.toUpperCase()} ${t.number}] (${form})`;
}

/**
 * Reads the element starting at `offset`, which must end at or before `limit`. Never reads at or
 * past `limit` (nor past the buffer).
 */
export function readTlv(buf: Uint8Array, offset: number, limit: number = buf.length, depth = 0): Tlv {
  const stop = Math.min(limit, buf.length);
  if (depth > MAX_DER_DEPTH)
    throw new DerError('too-deep', `DER nesting deeper than ${MAX_DER_DEPTH} levels at byte ${offset}`, offset);
  if (offset >= stop)
    throw new DerError('truncated', `a DER element is missing at byte ${offset} (the data ends there)`, offset);
  const id = byteAt(buf, offset);
  const cls = classOf(id);
  const constructed = (id & 0x20) !== 0;
  let number = id & 0x1f;
  let at = offset + 1;
  if (number === 0x1f) {
    // High tag number form: base 128, most significant group first, at most 4 bytes here.
    number = 0;
    for (let n = 0; ; n++) {
      if (at >= stop)
        throw new DerError('truncated', `the tag of the DER element at byte ${offset} is cut off`, offset);
      const b = byteAt(buf, at++);
      if (n === 0 && b === 0x80)
        throw new DerError('non-minimal', `the tag number at byte ${offset} has a leading zero group`, offset);
      if (n === 4) throw new DerError('too-long', `the tag number at byte ${offset} is longer than 4 bytes`, offset);
      number = number * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) break;
    }
    if (number < 0x1f)
      throw new DerError('non-minimal', `the tag number ${number} at byte ${offset} uses the long form`, offset);
  }
  if (at >= stop) throw new DerError('truncated', `the DER element at byte ${offset} has no length`, offset);
  const first = byteAt(buf, at++);
  let length: number;
  if (first < 0x80) {
    length = first;
  } else if (first === 0x80) {
    throw new DerError(
      'indefinite-length',
      `the DER element at byte ${offset} has an indefinite length (BER, not DER)`,
      offset,
    );
  } else {
    const n = first & 0x7f;
    if (n > 4) throw new DerError('too-long', `the DER element at byte ${offset} declares a ${n}-byte length`, offset);
    if (at + n > stop)
      throw new DerError('truncated', `the length of the DER element at byte ${offset} is cut off`, offset);
    if (buf[at] === 0)
      throw new DerError(
        'non-minimal',
        `the length of the DER element at byte ${offset} has a leading zero byte`,
        offset,
      );
    length = 0;
    for (let k = 0; k < n; k++) length = length * 256 + byteAt(buf, at + k);
    at += n;
    if (length < 0x80)
      throw new DerError(
        'non-minimal',
        `the DER element at byte ${offset} writes the length ${length} in the long form`,
        offset,
      );
  }
  if (length > stop - at) {
    throw new DerError(
      'truncated',
      `the DER element at byte ${offset} declares ${length} bytes of content but only ${stop - at} remain`,
      offset,
    );
  }
  return { cls, constructed, number, start: offset, contentStart: at, end: at + length, depth };
}

/** The one element that `buf` must consist of exactly (no bytes before or after it). */
export function readSingle(buf: Uint8Array, what: string): Tlv {
  const tlv = readTlv(buf, 0);
  if (tlv.end !== buf.length) {
    throw new DerError(
      'trailing-data',
      `${what} is followed by ${buf.length - tlv.end} unexpected byte(s) at byte ${tlv.end}`,
      tlv.end,
    );
  }
  return tlv;
}

/** The elements inside a constructed element; together they must fill it exactly. */
export function childrenOf(buf: Uint8Array, parent: Tlv): Tlv[] {
  if (!parent.constructed) {
    throw new DerError(
      'unexpected-tag',
      `the ${describeTag(parent)} at byte ${parent.start} is primitive where a constructed element is needed`,
      parent.start,
    );
  }
  const out: Tlv[] = [];
  for (let at = parent.contentStart; at < parent.end;) {
    const child = readTlv(buf, at, parent.end, parent.depth + 1);
    out.push(child);
    at = child.end;
  }
  return out;
}

function contentOf(buf: Buffer, tlv: Tlv): Buffer {
  return buf.subarray(tlv.contentStart, tlv.end);
}

export function isTag(tlv: Tlv, cls: TagClass, number: number): boolean {
  return tlv.cls === cls && tlv.number === number;
}

/** Throws unless `tlv` has the class, number and form given; `what` names the field for the message. */
function expectTag(
  tlv: Tlv | undefined,
  cls: TagClass,
  number: number,
  constructed: boolean,
  what: string,
  parentEnd = 0,
): Tlv {
  const wanted = describeTag({ cls, number, constructed });
  if (!tlv) throw new DerError('truncated', `${what} (${wanted}) is missing`, parentEnd);
  if (tlv.cls !== cls || tlv.number !== number || tlv.constructed !== constructed) {
    const found =
      describeTag(tlv) +
      (tlv.cls === 'universal' && tlv.constructed !== constructed
        ? tlv.constructed
          ? ' (constructed)'
          : ' (primitive)'
        : '');
    throw new DerError('unexpected-tag', `${what} should be ${wanted} but byte ${tlv.start} holds ${found}`, tlv.start);
  }
  return tlv;
}

function expectUniversal(tlv: Tlv | undefined, number: number, what: string, parentEnd = 0): Tlv {
  const constructed = number === UNIVERSAL.SEQUENCE || number === UNIVERSAL.SET;
  return expectTag(tlv, 'universal', number, constructed, what, parentEnd);
}

function badValue(tlv: Tlv, message: string): DerError {
  return new DerError('bad-value', `${message} (byte ${tlv.start})`, tlv.start);
}

// ---------------------------------------------------------------------------------------------
// Primitive decoders. Each takes an element already read and checks its tag itself.

/** OBJECT IDENTIFIER -> "1.2.840.113549.1.1.11". Arcs of any size (UUID arcs under 2.25 exceed 2^53). */
export function decodeOid(buf: Uint8Array, tlv: Tlv, what = 'an OBJECT IDENTIFIER'): string {
  expectUniversal(tlv, UNIVERSAL.OBJECT_IDENTIFIER, what);
  if (tlv.end === tlv.contentStart) throw badValue(tlv, `${what} is empty`);
  const arcs: string[] = [];
  let value = 0n;
  let fresh = true;
  for (let i = tlv.contentStart; i < tlv.end; i++) {
    const b = byteAt(buf, i);
    if (fresh && b === 0x80) throw badValue(tlv, `${what} has a sub-identifier with a leading zero group`);
    fresh = false;
    value = (value << 7n) | BigInt(b & 0x7f);
    if ((b & 0x80) !== 0) continue;
    if (arcs.length === 0) {
      // The first sub-identifier carries two arcs: 40 * first + second, with first in 0..2.
      const top = value < 40n ? 0n : value < 80n ? 1n : 2n;
      arcs.push(top.toString(), (value - 40n * top).toString());
    } else {
      arcs.push(value.toString());
    }
    value = 0n;
    fresh = true;
  }
  if (!fresh) throw badValue(tlv, `${what} ends in the middle of a sub-identifier`);
  return arcs.join('.');
}

/** BOOLEAN: one byte, 0x00 or 0xFF in DER. */
export function decodeBoolean(buf: Uint8Array, tlv: Tlv, what = 'a BOOLEAN'): boolean {
  expectUniversal(tlv, UNIVERSAL.BOOLEAN, what);
  if (tlv.end - tlv.contentStart !== 1)
    throw badValue(tlv, `${what} is ${tlv.end - tlv.contentStart} bytes long instead of 1`);
  const b = byteAt(buf, tlv.contentStart);
  if (b !== 0x00 && b !== 0xff)
    throw badValue(tlv, `${what} holds 0x${b.toString(16).padStart(2, '0')}, not 0x00 or 0xFF`);
  return b === 0xff;
}

/** A small INTEGER (up to 6 content bytes, so exact in a JS number), minimally encoded, signed. */
export function decodeSmallInteger(buf: Uint8Array, tlv: Tlv, what = 'an INTEGER'): number {
  expectUniversal(tlv, UNIVERSAL.INTEGER, what);
  const len = tlv.end - tlv.contentStart;
  if (len === 0) throw badValue(tlv, `${what} is empty`);
  if (len > 6) throw badValue(tlv, `${what} is too large (${len} bytes)`);
  const b0 = byteAt(buf, tlv.contentStart);
  if (len > 1) {
    const b1 = byteAt(buf, tlv.contentStart + 1);
    if ((b0 === 0x00 && b1 < 0x80) || (b0 === 0xff && b1 >= 0x80))
      throw badValue(tlv, `${what} is not minimally encoded`);
  }
  let value = 0;
  for (let i = tlv.contentStart; i < tlv.end; i++) value = value * 256 + byteAt(buf, i);
  return b0 & 0x80 ? value - 2 ** (8 * len) : value;
}

export interface BitString {
  /** The content bytes after the unused-bits count. */
  bytes: Buffer;
  unusedBits: number;
  bitLength: number;
}

/** BIT STRING, primitive (DER), with its unused-bits count in 0..7 and those bits zero. */
export function decodeBitString(buf: Buffer, tlv: Tlv, what = 'a BIT STRING'): BitString {
  expectUniversal(tlv, UNIVERSAL.BIT_STRING, what);
  if (tlv.end === tlv.contentStart) throw badValue(tlv, `${what} is empty (no unused-bits byte)`);
  const unusedBits = byteAt(buf, tlv.contentStart);
  const bytes = buf.subarray(tlv.contentStart + 1, tlv.end);
  if (unusedBits > 7) throw badValue(tlv, `${what} declares ${unusedBits} unused bits (at most 7)`);
  if (bytes.length === 0 && unusedBits !== 0)
    throw badValue(tlv, `${what} has no bits but declares ${unusedBits} unused`);
  if (bytes.length > 0 && (byteAt(bytes, bytes.length - 1) & ((1 << unusedBits) - 1)) !== 0) {
    throw badValue(tlv, `${what} has unused bits that are not zero`);
  }
  return { bytes, unusedBits, bitLength: bytes.length * 8 - unusedBits };
}

/** OCTET STRING, primitive (DER): its content. */
export function decodeOctetString(buf: Buffer, tlv: Tlv, what = 'an OCTET STRING'): Buffer {
  expectUniversal(tlv, UNIVERSAL.OCTET_STRING, what);
  return contentOf(buf, tlv);
}

const TIME = {
  utc: /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/,
  generalized: /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d+))?Z$/,
};

/** UTCTime (YYMMDDHHMMSSZ, years 1950-2049 as RFC 5280 says) or GeneralizedTime (YYYYMMDDHHMMSS[.f]Z). */
export function decodeTime(buf: Buffer, tlv: Tlv, what = 'a time'): Date {
  const utc = isTag(tlv, 'universal', UNIVERSAL.UTCTime);
  expectUniversal(tlv, utc ? UNIVERSAL.UTCTime : UNIVERSAL.GeneralizedTime, what);
  const text = contentOf(buf, tlv).toString('latin1');
  const m = (utc ? TIME.utc : TIME.generalized).exec(text);
  if (!m)
    throw badValue(
      tlv,
      `${what} "${printable(text)}" is not a ${utc ? 'UTCTime (YYMMDDHHMMSSZ)' : 'GeneralizedTime (YYYYMMDDHHMMSSZ)'}`,
    );
  let year = Number(m[1]);
  if (utc) year += year < 50 ? 2000 : 1900;
  const [month, day, hour, minute, second] = [m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const millis = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  const t = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  const d = new Date(t);
  // Date.UTC rolls "month 13" or "February 30" over; a round trip catches that.
  if (
    d.getUTCFullYear() !== year ||
    d.getUTCMonth() !== month - 1 ||
    d.getUTCDate() !== day ||
    d.getUTCHours() !== hour ||
    d.getUTCMinutes() !== minute ||
    d.getUTCSeconds() !== second
  ) {
    throw badValue(tlv, `${what} "${printable(text)}" is not a real date and time`);
  }
  return d;
}

function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 40);
}

// ---------------------------------------------------------------------------------------------
// X.509 (RFC 5280): the certificate's outline and the extensions the doctor judges.

export const EXTENSION_OIDS = {
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
} as const;

export interface DerExtension {
  oid: string;
  /** critical BOOLEAN DEFAULT FALSE. */
  critical: boolean;
  /** The extnValue OCTET STRING's content: the DER of the extension's own structure. */
  value: Buffer;
}

export interface AlgorithmIdentifierDer {
  oid: string;
  /** The parameters element, tag and length included, or null when absent. */
  parameters: Buffer | null;
}

export interface CertificateDer {
  notBefore: Date;
  notAfter: Date;
  /** In the order of the certificate; empty for a v1 certificate. */
  extensions: DerExtension[];
  /** The outer signatureAlgorithm (the one the signature was made with). */
  signatureAlgorithm: AlgorithmIdentifierDer;
}

/**
 * Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }
 * TBSCertificate ::= SEQUENCE { version [0] EXPLICIT DEFAULT v1, serialNumber, signature, issuer,
 *   validity, subject, subjectPublicKeyInfo, issuerUniqueID [1] OPTIONAL,
 *   subjectUniqueID [2] OPTIONAL, extensions [3] EXPLICIT OPTIONAL }
 * `der` must be exactly one certificate.
 */
export function readCertificateDer(der: Buffer): CertificateDer {
  const cert = expectUniversal(readSingle(der, 'the certificate'), UNIVERSAL.SEQUENCE, 'the certificate');
  const [tbsElement, sigAlg, sigValue, ...extra] = childrenOf(der, cert);
  const tbs = expectUniversal(tbsElement, UNIVERSAL.SEQUENCE, 'tbsCertificate', cert.end);
  const signatureAlgorithm = readAlgorithmIdentifier(
    der,
    expectUniversal(sigAlg, UNIVERSAL.SEQUENCE, 'signatureAlgorithm', cert.end),
  );
  decodeBitString(der, expectUniversal(sigValue, UNIVERSAL.BIT_STRING, 'signatureValue', cert.end), 'signatureValue');
  const [unexpected] = extra;
  if (unexpected)
    throw new DerError(
      'trailing-data',
      `the certificate has an unexpected element at byte ${unexpected.start}`,
      unexpected.start,
    );

  const fields = childrenOf(der, tbs);
  let i = 0;
  if (fields[0] && isTag(fields[0], 'context', 0)) {
    const version = expectTag(fields[0], 'context', 0, true, 'version');
    const [number, ...more] = childrenOf(der, version);
    if (!number || more.length > 0) throw badValue(version, 'version should hold exactly one INTEGER');
    decodeSmallInteger(der, number, 'version');
    i = 1;
  }
  const field = (what: string, number: number) => expectUniversal(fields[i++], number, what, tbs.end);
  field('serialNumber', UNIVERSAL.INTEGER);
  field('signature', UNIVERSAL.SEQUENCE);
  field('issuer', UNIVERSAL.SEQUENCE);
  const validity = field('validity', UNIVERSAL.SEQUENCE);
  field('subject', UNIVERSAL.SEQUENCE);
  field('subjectPublicKeyInfo', UNIVERSAL.SEQUENCE);

  const times = childrenOf(der, validity);
  const [start, end] = times;
  if (!start || !end || times.length !== 2)
    throw badValue(validity, `validity should hold 2 times, not ${times.length}`);
  const notBefore = decodeTime(der, start, 'notBefore');
  const notAfter = decodeTime(der, end, 'notAfter');

  let extensions: DerExtension[] = [];
  let last = 0;
  for (const f of fields.slice(i)) {
    if (f.cls !== 'context' || f.number <= last || f.number > 3) {
      throw new DerError(
        'unexpected-tag',
        `tbsCertificate has an unexpected ${describeTag(f)} at byte ${f.start}`,
        f.start,
      );
    }
    last = f.number;
    if (f.number === 3) {
      const wrapper = expectTag(f, 'context', 3, true, 'extensions');
      const [sequence, ...more] = childrenOf(der, wrapper);
      if (!sequence || more.length > 0) throw badValue(wrapper, 'extensions [3] should hold exactly one SEQUENCE');
      extensions = readExtensions(der, expectUniversal(sequence, UNIVERSAL.SEQUENCE, 'extensions'));
    }
  }
  return { notBefore, notAfter, extensions, signatureAlgorithm };
}

/** Extension ::= SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING } */
function readExtensions(der: Buffer, seq: Tlv): DerExtension[] {
  return childrenOf(der, seq).map((e) => {
    expectUniversal(e, UNIVERSAL.SEQUENCE, 'an extension');
    const parts = childrenOf(der, e);
    const oid = decodeOid(der, expectUniversal(parts[0], UNIVERSAL.OBJECT_IDENTIFIER, 'extnID', e.end), 'extnID');
    let k = 1;
    // DER omits a FALSE default, but an explicit FALSE is common enough in the wild (and Go and
    // OpenSSL read it), so it is accepted.
    const flag = parts[k];
    const critical =
      flag && isTag(flag, 'universal', UNIVERSAL.BOOLEAN) ? decodeBoolean(der, flag, `critical of ${oid}`) : false;
    if (flag && isTag(flag, 'universal', UNIVERSAL.BOOLEAN)) k++;
    const value = decodeOctetString(
      der,
      expectUniversal(parts[k++], UNIVERSAL.OCTET_STRING, `extnValue of ${oid}`, e.end),
      `extnValue of ${oid}`,
    );
    const unexpected = parts[k];
    if (unexpected)
      throw new DerError(
        'trailing-data',
        `extension ${oid} has an unexpected element at byte ${unexpected.start}`,
        unexpected.start,
      );
    return { oid, critical, value };
  });
}

/** AlgorithmIdentifier ::= SEQUENCE { algorithm OID, parameters ANY OPTIONAL } */
function readAlgorithmIdentifier(der: Buffer, seq: Tlv): AlgorithmIdentifierDer {
  const parts = childrenOf(der, seq);
  const oid = decodeOid(
    der,
    expectUniversal(parts[0], UNIVERSAL.OBJECT_IDENTIFIER, 'an algorithm', seq.end),
    'an algorithm',
  );
  const [, parameters, unexpected] = parts;
  if (unexpected)
    throw new DerError(
      'trailing-data',
      `an AlgorithmIdentifier has an unexpected element at byte ${unexpected.start}`,
      unexpected.start,
    );
  return { oid, parameters: parameters ? der.subarray(parameters.start, parameters.end) : null };
}

const SHA1_OID = '1.3.14.3.2.26';

/**
 * RSASSA-PSS-params ::= SEQUENCE { hashAlgorithm [0] EXPLICIT AlgorithmIdentifier DEFAULT sha1,
 *   maskGenAlgorithm [1] ..., saltLength [2] ..., trailerField [3] ... }: the hash's OID.
 * Absent parameters, or parameters without [0], mean SHA-1.
 */
export function readRsaPssHashOid(parameters: Buffer | null): string {
  if (!parameters) return SHA1_OID;
  const seq = expectUniversal(
    readSingle(parameters, 'the RSASSA-PSS parameters'),
    UNIVERSAL.SEQUENCE,
    'the RSASSA-PSS parameters',
  );
  const first = childrenOf(parameters, seq)[0];
  if (!first || !isTag(first, 'context', 0)) return SHA1_OID;
  const [algorithm, ...more] = childrenOf(parameters, expectTag(first, 'context', 0, true, 'hashAlgorithm'));
  if (!algorithm || more.length > 0)
    throw badValue(first, 'hashAlgorithm [0] should hold exactly one AlgorithmIdentifier');
  return readAlgorithmIdentifier(parameters, expectUniversal(algorithm, UNIVERSAL.SEQUENCE, 'hashAlgorithm')).oid;
}

/** BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER (0..MAX) OPTIONAL } */
export function readBasicConstraints(value: Buffer): { ca: boolean; pathLength: number | null } {
  const seq = expectUniversal(readSingle(value, 'BasicConstraints'), UNIVERSAL.SEQUENCE, 'BasicConstraints');
  const parts = childrenOf(value, seq);
  let k = 0;
  const flag = parts[k];
  const ca = flag && isTag(flag, 'universal', UNIVERSAL.BOOLEAN) ? decodeBoolean(value, flag, 'cA') : false;
  if (flag && isTag(flag, 'universal', UNIVERSAL.BOOLEAN)) k++;
  let pathLength: number | null = null;
  const t = parts[k];
  if (t) {
    k++;
    pathLength = decodeSmallInteger(value, t, 'pathLenConstraint');
    if (pathLength < 0) throw badValue(t, `pathLenConstraint is negative (${pathLength})`);
  }
  const unexpected = parts[k];
  if (unexpected)
    throw new DerError(
      'trailing-data',
      `BasicConstraints has an unexpected element at byte ${unexpected.start}`,
      unexpected.start,
    );
  return { ca, pathLength };
}

/** SubjectKeyIdentifier ::= OCTET STRING */
export function readSubjectKeyIdentifier(value: Buffer): Buffer {
  return decodeOctetString(value, readSingle(value, 'SubjectKeyIdentifier'), 'SubjectKeyIdentifier');
}

/**
 * AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING OPTIONAL,
 *   authorityCertIssuer [1] IMPLICIT GeneralNames OPTIONAL, authorityCertSerialNumber [2] IMPLICIT INTEGER OPTIONAL }
 * The keyIdentifier, or null when the extension names the issuer by name and serial only.
 */
export function readAuthorityKeyIdentifier(value: Buffer): Buffer | null {
  const seq = expectUniversal(
    readSingle(value, 'AuthorityKeyIdentifier'),
    UNIVERSAL.SEQUENCE,
    'AuthorityKeyIdentifier',
  );
  let keyId: Buffer | null = null;
  let last = -1;
  for (const part of childrenOf(value, seq)) {
    if (part.cls !== 'context' || part.number <= last || part.number > 2 || part.constructed !== (part.number === 1)) {
      throw new DerError(
        'unexpected-tag',
        `AuthorityKeyIdentifier has an unexpected ${describeTag(part)} at byte ${part.start}`,
        part.start,
      );
    }
    last = part.number;
    if (part.number === 0) keyId = contentOf(value, part);
  }
  return keyId;
}

/** KeyUsage ::= BIT STRING, bit 0 (digitalSignature) being the most significant bit of the first byte. */
export function readKeyUsage(value: Buffer): string[] {
  const bits = decodeBitString(value, readSingle(value, 'KeyUsage'), 'KeyUsage');
  return KEY_USAGE_BITS.filter((_, i) => i < bits.bitLength && (byteAt(bits.bytes, i >> 3) & (0x80 >> (i & 7))) !== 0);
}

/** ExtKeyUsageSyntax ::= SEQUENCE SIZE (1..MAX) OF KeyPurposeId (OID): the OIDs in order. */
export function readExtendedKeyUsage(value: Buffer): string[] {
  const seq = expectUniversal(readSingle(value, 'ExtendedKeyUsage'), UNIVERSAL.SEQUENCE, 'ExtendedKeyUsage');
  return childrenOf(value, seq).map((t) => decodeOid(value, t, 'a key purpose'));
}

/**
 * GeneralNames ::= SEQUENCE OF GeneralName (a CHOICE of [0]..[8], all IMPLICIT but [4]): the
 * dNSName [2] IA5String and iPAddress [7] OCTET STRING entries; the other forms are checked for
 * their tag and skipped.
 */
export function readSubjectAltName(value: Buffer): { dns: string[]; ip: string[] } {
  const seq = expectUniversal(readSingle(value, 'SubjectAltName'), UNIVERSAL.SEQUENCE, 'SubjectAltName');
  const dns: string[] = [];
  const ip: string[] = [];
  for (const name of childrenOf(value, seq)) {
    // otherName [0], x400Address [3], directoryName [4], ediPartyName [5] are constructed; the rest primitive.
    const constructed = name.number === 0 || (name.number >= 3 && name.number <= 5);
    if (name.cls !== 'context' || name.number > 8 || name.constructed !== constructed) {
      throw new DerError(
        'unexpected-tag',
        `SubjectAltName has an entry that is not a GeneralName (${describeTag(name)}) at byte ${name.start}`,
        name.start,
      );
    }
    if (name.number === 2) dns.push(contentOf(value, name).toString('latin1'));
    if (name.number === 7) ip.push(formatIpAddress(contentOf(value, name), name));
  }
  return { dns, ip };
}

/** 4 bytes -> dotted quad; 16 bytes -> IPv6 text (lowercase, longest run of 2+ zero groups as "::"). */
function formatIpAddress(bytes: Buffer, tlv: Tlv): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  if (bytes.length !== 16) throw badValue(tlv, `an iPAddress entry is ${bytes.length} bytes long (4 or 16 expected)`);
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i));
  let bestStart = -1;
  let bestLength = 1; // a single zero group is written out, not compressed
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (g: number[]) => g.map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}
