import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  DerError,
  MAX_DER_DEPTH,
  childrenOf,
  decodeBitString,
  decodeBoolean,
  decodeOctetString,
  decodeOid,
  decodeSmallInteger,
  decodeTime,
  readAuthorityKeyIdentifier,
  readBasicConstraints,
  readCertificateDer,
  readExtendedKeyUsage,
  readKeyUsage,
  readRsaPssHashOid,
  readSingle,
  readSubjectAltName,
  readSubjectKeyIdentifier,
  readTlv,
  type DerErrorCode,
  type Tlv,
} from '../../src/pki/der.js';
import { readDerHeader } from '../../src/pki/pem.js';
import { readCertificateBytes } from '../../src/probes/certificate-file.js';
import { CHECKED_IN } from '../harness/tls-fixtures.js';
import { present } from '../helpers/present.js';

// ---- a tiny DER writer for hand-built inputs ------------------------------------------------

type Part = number[] | Buffer;
const bytes = (...parts: Part[]) => Buffer.concat(parts.map((p) => Buffer.from(p)));
function lengthBytes(n: number): number[] {
  if (n < 0x80) return [n];
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
  return [0x80 | out.length, ...out];
}
const tlv = (tag: number, ...parts: Part[]) => {
  const body = bytes(...parts);
  return bytes([tag, ...lengthBytes(body.length)], body);
};
const seq = (...parts: Part[]) => tlv(0x30, ...parts);
const int = (...content: number[]) => tlv(0x02, content);
const bool = (v: boolean) => tlv(0x01, [v ? 0xff : 0x00]);
const octets = (...content: number[]) => tlv(0x04, content);
const ascii = (tag: number, s: string) => tlv(tag, Buffer.from(s, 'latin1'));
const utc = (s: string) => ascii(0x17, s);
const gen = (s: string) => ascii(0x18, s);
const hex = (h: string) => Buffer.from(h.replace(/\s+/g, ''), 'hex');

// OIDs written out by hand (not by an encoder that could share a bug with the decoder).
const OID = {
  sha256WithRSA: hex('06 09 2a 86 48 86 f7 0d 01 01 0b'), // 1.2.840.113549.1.1.11
  ecdsaSha256: hex('06 08 2a 86 48 ce 3d 04 03 02'), // 1.2.840.10045.4.3.2
  rsaPss: hex('06 09 2a 86 48 86 f7 0d 01 01 0a'), // 1.2.840.113549.1.1.10
  sha384: hex('06 09 60 86 48 01 65 03 04 02 02'), // 2.16.840.1.101.3.4.2.2
  basicConstraints: hex('06 03 55 1d 13'), // 2.5.29.19
  keyUsage: hex('06 03 55 1d 0f'), // 2.5.29.15
  serverAuth: hex('06 08 2b 06 01 05 05 07 03 01'), // 1.3.6.1.5.5.7.3.1
  clientAuth: hex('06 08 2b 06 01 05 05 07 03 02'), // 1.3.6.1.5.5.7.3.2
};

function derError(fn: () => unknown): DerError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DerError);
    return err as DerError;
  }
  throw new Error('expected a DerError, nothing was thrown');
}
const code = (fn: () => unknown): DerErrorCode => derError(fn).code;
const top = (buf: Buffer) => readSingle(buf, 'the test value');

// ---- the TLV reader --------------------------------------------------------------------------

describe('readTlv: headers', () => {
  it('short and long definite lengths', () => {
    expect(readTlv(hex('04 03 01 02 03'), 0)).toEqual({
      cls: 'universal',
      constructed: false,
      number: 4,
      start: 0,
      contentStart: 2,
      end: 5,
      depth: 0,
    });
    const long = tlv(0x04, new Array(200).fill(7));
    expect(long.subarray(0, 3)).toEqual(hex('04 81 c8'));
    expect(readTlv(long, 0)).toMatchObject({ contentStart: 3, end: 203 });
    const longer = tlv(0x04, new Array(300).fill(7));
    expect(readTlv(longer, 0)).toMatchObject({ contentStart: 4, end: 304 });
  });
  it('tag class, form and number, including the high-tag-number form', () => {
    expect(readTlv(hex('30 00'), 0)).toMatchObject({ cls: 'universal', constructed: true, number: 16 });
    expect(readTlv(hex('a3 00'), 0)).toMatchObject({ cls: 'context', constructed: true, number: 3 });
    expect(readTlv(hex('87 00'), 0)).toMatchObject({ cls: 'context', constructed: false, number: 7 });
    expect(readTlv(hex('61 00'), 0)).toMatchObject({ cls: 'application', constructed: true, number: 1 });
    expect(readTlv(hex('c2 00'), 0)).toMatchObject({ cls: 'private', constructed: false, number: 2 });
    expect(readTlv(hex('9f 1f 00'), 0)).toMatchObject({ cls: 'context', number: 31, contentStart: 3 });
    expect(readTlv(hex('9f 81 00 00'), 0)).toMatchObject({ number: 128, contentStart: 4 });
  });
  it('reads at an offset and respects a limit inside the buffer', () => {
    const buf = hex('ff ff 04 01 aa 04 01 bb');
    expect(readTlv(buf, 2)).toMatchObject({ start: 2, contentStart: 4, end: 5 });
    expect(code(() => readTlv(buf, 2, 4))).toBe('truncated');
  });
  it('indefinite length (BER) is refused', () => {
    expect(code(() => readTlv(hex('30 80 02 01 01 00 00'), 0))).toBe('indefinite-length');
    expect(code(() => readTlv(hex('24 80 04 01 aa 00 00'), 0))).toBe('indefinite-length');
  });
  it('non-minimal lengths and tag numbers are refused', () => {
    expect(code(() => readTlv(hex('04 81 05 01 02 03 04 05'), 0))).toBe('non-minimal');
    expect(code(() => readTlv(Buffer.concat([hex('04 82 00 80'), Buffer.alloc(128)]), 0))).toBe('non-minimal');
    expect(code(() => readTlv(hex('9f 05 00'), 0))).toBe('non-minimal');
    expect(code(() => readTlv(hex('9f 80 01 00'), 0))).toBe('non-minimal');
  });
  it('truncated headers and contents', () => {
    expect(code(() => readTlv(Buffer.alloc(0), 0))).toBe('truncated');
    expect(code(() => readTlv(hex('04'), 0))).toBe('truncated');
    expect(code(() => readTlv(hex('04 82 01'), 0))).toBe('truncated');
    expect(code(() => readTlv(hex('04 05 01 02'), 0))).toBe('truncated');
    expect(code(() => readTlv(hex('9f 81'), 0))).toBe('truncated');
    expect(derError(() => readTlv(hex('04 05 01 02'), 0)).message).toMatch(
      /declares 5 bytes of content but only 2 remain/,
    );
  });
  it('huge declared lengths fail without allocating or reading', () => {
    expect(code(() => readTlv(hex('04 84 ff ff ff ff 00'), 0))).toBe('truncated');
    expect(code(() => readTlv(hex('30 84 7f ff ff ff'), 0))).toBe('truncated');
    expect(code(() => readTlv(hex('04 85 01 00 00 00 00 00'), 0))).toBe('too-long');
    expect(code(() => readTlv(hex('04 ff 00'), 0))).toBe('too-long');
    expect(code(() => readTlv(hex('9f 81 81 81 81 01 00'), 0))).toBe('too-long');
  });
  it('errors carry the offset of the element', () => {
    const e = derError(() => childrenOf(hex('30 05 02 01 01 04 05'), readTlv(hex('30 05 02 01 01 04 05'), 0)));
    expect(e.code).toBe('truncated');
    expect(e.offset).toBe(5);
  });
});

describe('childrenOf: structure and bounds', () => {
  it('lists the children of a constructed element', () => {
    const buf = seq(int(1), seq(octets(0xaa)), bool(true));
    const kids = childrenOf(buf, top(buf));
    expect(kids.map((k) => [k.number, k.depth])).toEqual([
      [2, 1],
      [16, 1],
      [1, 1],
    ]);
    expect(childrenOf(buf, present(kids[1]))[0]).toMatchObject({ number: 4, depth: 2 });
    expect(childrenOf(hex('30 00'), readTlv(hex('30 00'), 0))).toEqual([]);
  });
  it('a child may not run past its parent, even when the buffer has more bytes', () => {
    const buf = hex('30 03 04 03 aa bb cc');
    const parent = readTlv(buf, 0);
    expect(code(() => childrenOf(buf, parent))).toBe('truncated');
  });
  it('a primitive element has no children', () => {
    expect(code(() => childrenOf(hex('04 01 aa'), readTlv(hex('04 01 aa'), 0)))).toBe('unexpected-tag');
  });
  it('nesting deeper than MAX_DER_DEPTH is refused; up to it is fine', () => {
    const nest = (levels: number) => {
      let b: Buffer = int(1);
      for (let i = 0; i < levels; i++) b = seq(b);
      return b;
    };
    const walk = (buf: Buffer, t: Tlv): number =>
      t.constructed ? 1 + Math.max(0, ...childrenOf(buf, t).map((c) => walk(buf, c))) : 0;
    const ok = nest(MAX_DER_DEPTH);
    expect(walk(ok, top(ok))).toBe(MAX_DER_DEPTH);
    const deep = nest(MAX_DER_DEPTH + 1);
    expect(code(() => walk(deep, top(deep)))).toBe('too-deep');
    const hostile = nest(5000);
    expect(code(() => walk(hostile, top(hostile)))).toBe('too-deep');
  });
  it('readSingle refuses bytes after the element', () => {
    expect(code(() => readSingle(hex('04 01 aa 00'), 'x'))).toBe('trailing-data');
    expect(code(() => readSingle(hex('04 01 aa 04 00'), 'x'))).toBe('trailing-data');
  });
  it('never reads outside the buffer: every read index is checked on mangled input', () => {
    const cert = new X509Certificate(readFileSync(`${CHECKED_IN}/tls.crt`)).raw;
    let seed = 20240601;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const guarded = (b: Buffer) =>
      new Proxy(b, {
        get(target, prop) {
          if (typeof prop === 'string' && /^-?\d+$/.test(prop) && (Number(prop) < 0 || Number(prop) >= target.length)) {
            throw new RangeError(`read at ${prop} outside a ${target.length}-byte buffer`);
          }
          return Reflect.get(target, prop, target);
        },
      });
    const walkAll = (buf: Buffer, t: Tlv): void => {
      if (t.constructed) for (const c of childrenOf(buf, t)) walkAll(buf, c);
    };
    expect(() => guarded(Buffer.alloc(2))[2]).toThrow(RangeError);
    for (let i = 0; i < 3000; i++) {
      let b = Buffer.from(cert);
      if (i % 3 === 0) b = b.subarray(0, rnd(b.length));
      for (let k = 0; k < 1 + rnd(4); k++) if (b.length) b[rnd(b.length)] = rnd(256);
      const g = guarded(b);
      try {
        walkAll(g, readTlv(g, 0));
      } catch (err) {
        if (!(err instanceof DerError)) throw err;
      }
    }
  });
});

// ---- primitive decoders ------------------------------------------------------------------------

describe('decodeOid', () => {
  const oid = (b: Buffer) => decodeOid(b, top(b));
  it('decodes to dotted strings', () => {
    expect(oid(OID.sha256WithRSA)).toBe('1.2.840.113549.1.1.11');
    expect(oid(OID.basicConstraints)).toBe('2.5.29.19');
    expect(oid(OID.serverAuth)).toBe('1.3.6.1.5.5.7.3.1');
    expect(oid(hex('06 01 00'))).toBe('0.0');
    expect(oid(hex('06 01 27'))).toBe('0.39');
    expect(oid(hex('06 01 28'))).toBe('1.0');
    expect(oid(hex('06 01 50'))).toBe('2.0');
    expect(oid(hex('06 03 88 37 03'))).toBe('2.999.3'); // first sub-identifier 1079 spans two bytes
  });
  it('keeps arcs larger than 2^53 exact (UUID arcs under 2.25)', () => {
    // 2.25.329800735698586629295641978511506172918 (a UUID as an integer)
    const b = hex('06 14 69 83 f8 97 b9 a6 bf 85 eb bd d5 ef 9e ee ea 8a 88 96 ca 76');
    expect(oid(b)).toMatch(/^2\.25\.\d{30,}$/);
    const big = BigInt(present(oid(b).split('.')[2]));
    expect(big > 2n ** 64n).toBe(true);
  });
  it('refuses empty, non-minimal, unterminated and mis-tagged values', () => {
    expect(code(() => oid(hex('06 00')))).toBe('bad-value');
    expect(code(() => oid(hex('06 03 55 80 1d')))).toBe('bad-value');
    expect(code(() => oid(hex('06 02 55 9d')))).toBe('bad-value');
    expect(code(() => oid(hex('04 03 55 1d 13')))).toBe('unexpected-tag');
    expect(code(() => oid(hex('26 03 55 1d 13')))).toBe('unexpected-tag');
  });
});

describe('decodeBoolean, decodeSmallInteger, decodeOctetString', () => {
  it('BOOLEAN is 0x00 or 0xFF, one byte', () => {
    expect(decodeBoolean(hex('01 01 ff'), top(hex('01 01 ff')))).toBe(true);
    expect(decodeBoolean(hex('01 01 00'), top(hex('01 01 00')))).toBe(false);
    expect(code(() => decodeBoolean(hex('01 01 01'), top(hex('01 01 01'))))).toBe('bad-value');
    expect(code(() => decodeBoolean(hex('01 02 ff ff'), top(hex('01 02 ff ff'))))).toBe('bad-value');
    expect(code(() => decodeBoolean(hex('01 00'), top(hex('01 00'))))).toBe('bad-value');
    expect(code(() => decodeBoolean(hex('02 01 ff'), top(hex('02 01 ff'))))).toBe('unexpected-tag');
  });
  it('INTEGER: small, signed, minimally encoded', () => {
    const n = (b: Buffer) => decodeSmallInteger(b, top(b));
    expect(n(hex('02 01 00'))).toBe(0);
    expect(n(hex('02 01 7f'))).toBe(127);
    expect(n(hex('02 02 00 80'))).toBe(128);
    expect(n(hex('02 02 01 2c'))).toBe(300);
    expect(n(hex('02 01 ff'))).toBe(-1);
    expect(n(hex('02 02 ff 7f'))).toBe(-129);
    expect(n(hex('02 06 7f ff ff ff ff ff'))).toBe(2 ** 47 - 1);
    expect(code(() => n(hex('02 00')))).toBe('bad-value');
    expect(code(() => n(hex('02 02 00 7f')))).toBe('bad-value');
    expect(code(() => n(hex('02 02 ff 80')))).toBe('bad-value');
    expect(code(() => n(hex('02 07 01 00 00 00 00 00 00')))).toBe('bad-value');
  });
  it('OCTET STRING is primitive', () => {
    expect(decodeOctetString(hex('04 02 ab cd'), top(hex('04 02 ab cd')))).toEqual(hex('ab cd'));
    expect(decodeOctetString(hex('04 00'), top(hex('04 00')))).toEqual(Buffer.alloc(0));
    expect(code(() => decodeOctetString(hex('24 04 04 02 ab cd'), top(hex('24 04 04 02 ab cd'))))).toBe(
      'unexpected-tag',
    );
  });
});

describe('decodeBitString', () => {
  const bits = (b: Buffer) => decodeBitString(b, top(b));
  it('reads the unused-bits count and the bits', () => {
    expect(bits(hex('03 02 05 a0'))).toEqual({ bytes: hex('a0'), unusedBits: 5, bitLength: 3 });
    expect(bits(hex('03 03 07 80 80'))).toMatchObject({ unusedBits: 7, bitLength: 9 });
    expect(bits(hex('03 01 00'))).toMatchObject({ bitLength: 0 });
  });
  it('refuses bad unused-bit counts, set padding bits and the constructed form', () => {
    expect(code(() => bits(hex('03 00')))).toBe('bad-value');
    expect(code(() => bits(hex('03 02 08 00')))).toBe('bad-value');
    expect(code(() => bits(hex('03 01 03')))).toBe('bad-value');
    expect(code(() => bits(hex('03 02 05 a1')))).toBe('bad-value');
    expect(code(() => bits(hex('23 04 03 02 05 a0')))).toBe('unexpected-tag');
  });
});

describe('decodeTime', () => {
  const time = (b: Buffer) => decodeTime(b, top(b)).toISOString();
  it('UTCTime with the RFC 5280 century rule, GeneralizedTime with optional fractions', () => {
    expect(time(utc('250102030405Z'))).toBe('2025-01-02T03:04:05.000Z');
    expect(time(utc('500101000000Z'))).toBe('1950-01-01T00:00:00.000Z');
    expect(time(utc('491231235959Z'))).toBe('2049-12-31T23:59:59.000Z');
    expect(time(gen('20500101000000Z'))).toBe('2050-01-01T00:00:00.000Z');
    expect(time(gen('99991231235959Z'))).toBe('9999-12-31T23:59:59.000Z');
    expect(time(gen('20240229120000.5Z'))).toBe('2024-02-29T12:00:00.500Z');
  });
  it('refuses other shapes and impossible dates', () => {
    for (const bad of [
      utc('2501020304Z'),
      utc('250102030405+0100'),
      utc('250102030405'),
      utc('251302030405Z'),
      utc('250230000000Z'),
      utc('250102250000Z'),
      gen('20250102030405'),
      gen('2025010203Z'),
      gen('20230229000000Z'),
      utc('25010203040\u00005Z'),
    ]) {
      expect(code(() => time(bad))).toBe('bad-value');
    }
    expect(code(() => time(octets(0x32)))).toBe('unexpected-tag');
  });
});

// ---- X.509 extensions ----------------------------------------------------------------------------

describe('extension decoders', () => {
  it('BasicConstraints: cA DEFAULT FALSE, optional pathLenConstraint', () => {
    expect(readBasicConstraints(seq())).toEqual({ ca: false, pathLength: null });
    expect(readBasicConstraints(seq(bool(true)))).toEqual({ ca: true, pathLength: null });
    expect(readBasicConstraints(seq(bool(true), int(0)))).toEqual({ ca: true, pathLength: 0 });
    expect(readBasicConstraints(seq(bool(true), int(0x01, 0x2c)))).toEqual({ ca: true, pathLength: 300 });
    expect(readBasicConstraints(seq(int(3)))).toEqual({ ca: false, pathLength: 3 });
    expect(readBasicConstraints(seq(bool(false)))).toEqual({ ca: false, pathLength: null });
    expect(code(() => readBasicConstraints(seq(int(1), bool(true))))).toBe('trailing-data'); // cA after pathLen: out of order
    expect(code(() => readBasicConstraints(seq(bool(true), int(0xff))))).toBe('bad-value');
    expect(code(() => readBasicConstraints(tlv(0x31, bool(true))))).toBe('unexpected-tag');
    expect(code(() => readBasicConstraints(bytes(seq(bool(true)), [0])))).toBe('trailing-data');
    expect(code(() => readBasicConstraints(seq(bool(true), int(0), int(1))))).toBe('trailing-data');
    expect(code(() => readBasicConstraints(hex('30 03 01 01')))).toBe('truncated');
  });
  it('SubjectKeyIdentifier and AuthorityKeyIdentifier keyIdentifier [0]', () => {
    expect(readSubjectKeyIdentifier(octets(0xab, 0xcd)).toString('hex')).toBe('abcd');
    expect(code(() => readSubjectKeyIdentifier(seq(octets(1))))).toBe('unexpected-tag');
    expect(readAuthorityKeyIdentifier(seq(tlv(0x80, [0x12, 0x34])))?.toString('hex')).toBe('1234');
    const dirName = tlv(0xa4, seq());
    expect(
      readAuthorityKeyIdentifier(seq(tlv(0x80, [0x12]), tlv(0xa1, dirName), tlv(0x82, [0x05])))?.toString('hex'),
    ).toBe('12');
    expect(readAuthorityKeyIdentifier(seq(tlv(0xa1, dirName), tlv(0x82, [0x05])))).toBeNull();
    expect(readAuthorityKeyIdentifier(seq())).toBeNull();
    expect(code(() => readAuthorityKeyIdentifier(seq(tlv(0xa0, octets(1)))))).toBe('unexpected-tag'); // [0] must be primitive (IMPLICIT)
    expect(code(() => readAuthorityKeyIdentifier(seq(tlv(0x82, [5]), tlv(0x80, [1]))))).toBe('unexpected-tag'); // out of order
    expect(code(() => readAuthorityKeyIdentifier(seq(octets(1))))).toBe('unexpected-tag'); // EXPLICIT-looking universal
  });
  it('KeyUsage: bit 0 is the most significant bit of the first byte', () => {
    expect(readKeyUsage(hex('03 02 05 a0'))).toEqual(['digitalSignature', 'keyEncipherment']);
    expect(readKeyUsage(hex('03 02 01 06'))).toEqual(['keyCertSign', 'cRLSign']);
    expect(readKeyUsage(hex('03 02 07 80'))).toEqual(['digitalSignature']);
    expect(readKeyUsage(hex('03 03 07 80 80'))).toEqual(['digitalSignature', 'decipherOnly']);
    expect(readKeyUsage(hex('03 03 07 ff 80'))).toEqual([
      'digitalSignature',
      'nonRepudiation',
      'keyEncipherment',
      'dataEncipherment',
      'keyAgreement',
      'keyCertSign',
      'cRLSign',
      'encipherOnly',
      'decipherOnly',
    ]);
    expect(readKeyUsage(hex('03 02 00 04'))).toEqual(['keyCertSign']); // unused count 0 is not minimal, but read as written
    expect(readKeyUsage(hex('03 01 00'))).toEqual([]);
    expect(code(() => readKeyUsage(hex('02 01 05')))).toBe('unexpected-tag');
    expect(code(() => readKeyUsage(hex('03 03 05 a0')))).toBe('truncated');
  });
  it('ExtendedKeyUsage: SEQUENCE OF OID, in order', () => {
    expect(readExtendedKeyUsage(seq(OID.serverAuth, OID.clientAuth))).toEqual([
      '1.3.6.1.5.5.7.3.1',
      '1.3.6.1.5.5.7.3.2',
    ]);
    expect(code(() => readExtendedKeyUsage(seq(OID.serverAuth, octets(1))))).toBe('unexpected-tag');
    expect(code(() => readExtendedKeyUsage(OID.serverAuth))).toBe('unexpected-tag');
  });
  it('SubjectAltName: dNSName [2] and iPAddress [7]; other GeneralNames are skipped', () => {
    const san = seq(
      ascii(0x82, '*.abcd1234.tunnel.example.com'),
      ascii(0x81, 'ops@example.com'),
      tlv(0x87, [10, 0, 0, 1]),
      ascii(0x86, 'https://example.com/'),
      tlv(0xa4, seq()),
      tlv(0x87, hex('0000 0000 0000 0000 0000 0000 0000 0001')),
      tlv(0x87, hex('fe80 0000 0000 0000 0000 0000 0000 0000')),
      tlv(0x87, hex('2001 0db8 0000 0000 0001 0000 0000 0001')),
      tlv(0x87, hex('0001 0000 0000 0002 0000 0000 0000 0003')),
      tlv(0x87, hex('2001 0db8 0001 0002 0003 0004 0005 0006')),
      tlv(0x87, hex('2001 0db8 0000 0002 0003 0004 0005 0006')),
      tlv(0x87, Buffer.alloc(16)),
      tlv(0x88, hex('55 1d 13')),
      tlv(0xa0, OID.serverAuth, tlv(0xa0, ascii(0x0c, 'x'))),
      ascii(0x82, 'b.example.com'),
    );
    expect(readSubjectAltName(san)).toEqual({
      dns: ['*.abcd1234.tunnel.example.com', 'b.example.com'],
      ip: [
        '10.0.0.1',
        '::1',
        'fe80::',
        '2001:db8::1:0:0:1',
        '1:0:0:2::3',
        '2001:db8:1:2:3:4:5:6',
        '2001:db8:0:2:3:4:5:6',
        '::',
      ],
    });
  });
  it('SubjectAltName: refuses bad entries', () => {
    expect(code(() => readSubjectAltName(seq(tlv(0x87, [10, 0, 0]))))).toBe('bad-value');
    expect(code(() => readSubjectAltName(seq(tlv(0x87, [255, 255, 255, 0, 10, 0, 0, 0]))))).toBe('bad-value');
    expect(code(() => readSubjectAltName(seq(ascii(0x16, 'a.example.com'))))).toBe('unexpected-tag');
    expect(code(() => readSubjectAltName(seq(tlv(0xa2, ascii(0x16, 'a')))))).toBe('unexpected-tag');
    expect(code(() => readSubjectAltName(seq(ascii(0x89, 'x'))))).toBe('unexpected-tag');
    expect(code(() => readSubjectAltName(seq(tlv(0x84, [0x30, 0x00]))))).toBe('unexpected-tag');
    expect(code(() => readSubjectAltName(hex('30 05 82 07 61 62')))).toBe('truncated');
  });
  it('RSASSA-PSS parameters: the hash, SHA-1 by default', () => {
    const sha384 = seq(OID.sha384, hex('05 00'));
    expect(readRsaPssHashOid(null)).toBe('1.3.14.3.2.26');
    expect(readRsaPssHashOid(seq())).toBe('1.3.14.3.2.26');
    expect(readRsaPssHashOid(seq(tlv(0xa2, int(32))))).toBe('1.3.14.3.2.26');
    expect(readRsaPssHashOid(seq(tlv(0xa0, sha384), tlv(0xa2, int(48))))).toBe('2.16.840.1.101.3.4.2.2');
    expect(readRsaPssHashOid(seq(tlv(0xa0, seq(OID.sha384))))).toBe('2.16.840.1.101.3.4.2.2');
    expect(code(() => readRsaPssHashOid(hex('05 00')))).toBe('unexpected-tag');
    expect(code(() => readRsaPssHashOid(seq(tlv(0xa0, sha384, sha384))))).toBe('bad-value');
    expect(code(() => readRsaPssHashOid(seq(tlv(0x80, [1]))))).toBe('unexpected-tag');
  });
});

// ---- the certificate outline ------------------------------------------------------------------

/** A certificate-shaped skeleton: names and key are empty SEQUENCEs (the outline reader does not look inside them). */
function skeleton(
  opts: {
    version?: Buffer | null;
    times?: Buffer[];
    extensions?: Buffer | null;
    afterSpki?: Buffer[];
    sigAlg?: Buffer;
    extra?: Buffer[];
  } = {},
): Buffer {
  const version = opts.version === undefined ? tlv(0xa0, int(2)) : opts.version;
  const tbs = seq(
    ...(version ? [version] : []),
    int(0x01, 0x23),
    seq(OID.ecdsaSha256),
    seq(),
    seq(...(opts.times ?? [utc('250101000000Z'), gen('20550101000000Z')])),
    seq(),
    seq(),
    ...(opts.afterSpki ?? []),
    ...(opts.extensions ? [tlv(0xa3, opts.extensions)] : []),
  );
  return seq(tbs, opts.sigAlg ?? seq(OID.ecdsaSha256), tlv(0x03, [0x00, 0x01]), ...(opts.extra ?? []));
}
const ext = (oid: Buffer, value: Buffer, critical?: boolean) =>
  seq(oid, ...(critical === undefined ? [] : [bool(critical)]), tlv(0x04, value));

describe('readCertificateDer', () => {
  it('reads validity, extensions (critical DEFAULT FALSE) and the outer signature algorithm', () => {
    const bc = seq(bool(true));
    const ku = hex('03 02 01 06');
    const c = readCertificateDer(
      skeleton({
        extensions: seq(
          ext(OID.basicConstraints, bc, true),
          ext(OID.keyUsage, ku),
          ext(OID.serverAuth, octets(), false),
        ),
      }),
    );
    expect(c.notBefore.toISOString()).toBe('2025-01-01T00:00:00.000Z');
    expect(c.notAfter.toISOString()).toBe('2055-01-01T00:00:00.000Z');
    expect(c.extensions.map((e) => [e.oid, e.critical, e.value.toString('hex')])).toEqual([
      ['2.5.29.19', true, bc.toString('hex')],
      ['2.5.29.15', false, ku.toString('hex')],
      ['1.3.6.1.5.5.7.3.1', false, octets().toString('hex')],
    ]);
    expect(c.signatureAlgorithm).toEqual({ oid: '1.2.840.10045.4.3.2', parameters: null });
  });
  it('keeps the signature algorithm parameters as DER', () => {
    const params = seq(tlv(0xa0, seq(OID.sha384)));
    const c = readCertificateDer(skeleton({ sigAlg: seq(OID.rsaPss, params) }));
    expect(c.signatureAlgorithm.oid).toBe('1.2.840.113549.1.1.10');
    expect(c.signatureAlgorithm.parameters).toEqual(params);
    expect(readRsaPssHashOid(c.signatureAlgorithm.parameters)).toBe('2.16.840.1.101.3.4.2.2');
  });
  it('v1 (no version, no extensions) and unique IDs before the extensions', () => {
    expect(readCertificateDer(skeleton({ version: null })).extensions).toEqual([]);
    const c = readCertificateDer(
      skeleton({
        afterSpki: [tlv(0x81, [0x00]), tlv(0x82, [0x00])],
        extensions: seq(ext(OID.keyUsage, hex('03 02 07 80'))),
      }),
    );
    expect(c.extensions).toHaveLength(1);
  });
  it('refuses broken outlines with a typed error', () => {
    const good = skeleton({ extensions: seq(ext(OID.keyUsage, hex('03 02 07 80'))) });
    expect(code(() => readCertificateDer(good.subarray(0, good.length - 1)))).toBe('truncated');
    expect(code(() => readCertificateDer(bytes(good, [0])))).toBe('trailing-data');
    expect(code(() => readCertificateDer(skeleton({ extra: [int(1)] })))).toBe('trailing-data');
    expect(code(() => readCertificateDer(skeleton({ version: tlv(0x80, [2]) })))).toBe('unexpected-tag');
    expect(code(() => readCertificateDer(skeleton({ times: [utc('250101000000Z')] })))).toBe('bad-value');
    expect(code(() => readCertificateDer(skeleton({ times: [utc('250101000000Z'), octets(1)] })))).toBe(
      'unexpected-tag',
    );
    expect(code(() => readCertificateDer(skeleton({ afterSpki: [tlv(0x82, [0]), tlv(0x81, [0])] })))).toBe(
      'unexpected-tag',
    );
    expect(code(() => readCertificateDer(skeleton({ afterSpki: [int(5)] })))).toBe('unexpected-tag');
    expect(code(() => readCertificateDer(skeleton({ extensions: seq(seq(OID.keyUsage, hex('03 02 07 80'))) })))).toBe(
      'unexpected-tag',
    );
    expect(
      code(() => readCertificateDer(skeleton({ extensions: seq(seq(OID.keyUsage, tlv(0x04, []), tlv(0x04, []))) }))),
    ).toBe('trailing-data');
    expect(
      code(() =>
        readCertificateDer(skeleton({ extensions: seq(seq(OID.keyUsage, tlv(0x01, [0x01]), tlv(0x04, []))) })),
      ),
    ).toBe('bad-value');
    expect(code(() => readCertificateDer(skeleton({ extensions: bytes(seq(), seq()) })))).toBe('bad-value');
    expect(code(() => readCertificateDer(hex('30 80 00 00')))).toBe('indefinite-length');
    expect(code(() => readCertificateDer(hex('31 00')))).toBe('unexpected-tag');
  });
  it('reads the checked-in certificates', () => {
    const ca = readCertificateDer(new X509Certificate(readFileSync(`${CHECKED_IN}/ca.crt`)).raw);
    expect(ca.extensions.map((e) => `${e.oid}${e.critical ? '!' : ''}`).sort()).toEqual([
      '2.5.29.14',
      '2.5.29.15!',
      '2.5.29.19!',
    ]);
    const tls = readCertificateDer(new X509Certificate(readFileSync(`${CHECKED_IN}/tls.crt`)).raw);
    expect(tls.extensions.map((e) => e.oid).sort()).toEqual([
      '2.5.29.14',
      '2.5.29.15',
      '2.5.29.17',
      '2.5.29.19',
      '2.5.29.35',
      '2.5.29.37',
    ]);
    expect(tls.notAfter.getTime()).toBeGreaterThan(tls.notBefore.getTime());
  });
});

describe('pem.ts readDerHeader shares the reader', () => {
  it('returns the header, or null where readTlv refuses', () => {
    expect(readDerHeader(hex('30 03 02 01 05'), 0)).toEqual({ tag: 0x30, contentStart: 2, length: 3 });
    expect(readDerHeader(hex('30 80 00 00'), 0)).toBeNull();
    expect(readDerHeader(hex('30 84 ff ff ff ff'), 0)).toBeNull();
    expect(readDerHeader(hex('04 81 05 01 02 03 04 05'), 0)).toBeNull();
  });
});

describe('the certificate probe on damaged DER: invalid or unparsable with a message, never a throw', () => {
  const raw = new X509Certificate(readFileSync(`${CHECKED_IN}/tls.crt`)).raw;
  /** A copy of the certificate with one byte of an extension's value changed. */
  function damageExtension(oid: string, index: number, value: number): Buffer {
    const copy = Buffer.from(raw);
    const e = readCertificateDer(copy).extensions.find((x) => x.oid === oid)!;
    copy[e.value.byteOffset - copy.byteOffset + index] = value;
    return copy;
  }
  it('a damaged KeyUsage names the extension', () => {
    const fact = readCertificateBytes('tls.crt', damageExtension('2.5.29.15', 2, 0x09));
    expect(fact.state).toBe('invalid');
    expect(fact.state === 'invalid' && fact.problem).toMatch(
      /has an extension that cannot be read \(keyUsage: .*9 unused bits/,
    );
  });
  it('a damaged SubjectAltName inside a PEM bundle is listed as unparsable, the other block still read', () => {
    const bad = damageExtension('2.5.29.17', 2, 0x99); // the dNSName tag becomes [25]
    const pem = (der: Buffer) =>
      `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`;
    const fact = readCertificateBytes('bundle.crt', Buffer.from(pem(bad) + pem(raw)));
    expect(fact.state).toBe('ok');
    if (fact.state !== 'ok') return;
    expect(fact.value.certificates).toHaveLength(1);
    expect(fact.value.unparsable).toEqual([
      expect.stringMatching(/^block 1 \(CERTIFICATE\) has an extension that cannot be read \(subjectAltName: /),
    ]);
  });
  it('mangled certificates never make the probe throw', () => {
    let seed = 4242;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const states = new Set<string>();
    for (let i = 0; i < 1500; i++) {
      const b = Buffer.from(raw);
      for (let k = 0; k < 1 + rnd(3); k++) b[rnd(b.length)] = rnd(256);
      const fact = readCertificateBytes('x.crt', i % 5 === 0 ? b.subarray(0, rnd(b.length) + 1) : b);
      states.add(fact.state);
      if (fact.state === 'invalid') expect(fact.problem).toMatch(/^(is |holds )/);
    }
    expect(states).toEqual(new Set(['ok', 'invalid']));
  });
});
