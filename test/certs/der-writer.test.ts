import { describe, expect, it } from 'vitest';
import * as w from '../../src/pki/der-writer.js';
import {
  childrenOf,
  decodeBitString,
  decodeBoolean,
  decodeOid,
  decodeSmallInteger,
  decodeTime,
  readSingle,
} from '../../src/pki/der.js';

const hex = (b: Buffer) => b.toString('hex');

describe('der-writer', () => {
  it('writes minimal definite lengths, short and long form', () => {
    expect(hex(w.octetString(Buffer.alloc(0)))).toBe('0400');
    expect(hex(w.octetString(Buffer.alloc(127))).slice(0, 4)).toBe('047f');
    expect(hex(w.octetString(Buffer.alloc(128))).slice(0, 6)).toBe('048180');
    expect(hex(w.octetString(Buffer.alloc(255))).slice(0, 6)).toBe('0481ff');
    expect(hex(w.octetString(Buffer.alloc(256))).slice(0, 8)).toBe('04820100');
    expect(hex(w.octetString(Buffer.alloc(65536))).slice(0, 10)).toBe('0483010000');
    // The strict reader accepts every one of them.
    for (const n of [0, 127, 128, 255, 256, 65536])
      expect(readSingle(w.octetString(Buffer.alloc(n)), 'x').end).toBe(w.octetString(Buffer.alloc(n)).length);
  });

  it("writes INTEGERs in minimal two's complement", () => {
    expect(hex(w.integer(0))).toBe('020100');
    expect(hex(w.integer(2))).toBe('020102');
    expect(hex(w.integer(127))).toBe('02017f');
    expect(hex(w.integer(128))).toBe('02020080');
    expect(hex(w.integer(256))).toBe('02020100');
    expect(hex(w.integer(-1))).toBe('0201ff');
    expect(hex(w.integer(-128))).toBe('020180');
    expect(hex(w.integer(-129))).toBe('0202ff7f');
    expect(hex(w.integer(2n ** 64n))).toBe('0209010000000000000000');
    // Unsigned magnitudes: leading zeros dropped, a zero octet added before a set top bit.
    expect(hex(w.integer(Buffer.from([0x00, 0x00, 0x7f, 0x01])))).toBe('02027f01');
    expect(hex(w.integer(Buffer.from([0x80, 0x01])))).toBe('0203008001');
    expect(hex(w.integer(Buffer.alloc(0)))).toBe('020100');
    expect(hex(w.integer(Buffer.from([0, 0])))).toBe('020100');
    for (const n of [0, 1, 127, 128, 255, 256, 65535, -1, -128, -129, 2 ** 31]) {
      const b = w.integer(n);
      expect(decodeSmallInteger(b, readSingle(b, 'int'))).toBe(n);
    }
    expect(() => w.integer(1.5)).toThrow();
  });

  it('writes OBJECT IDENTIFIERs, big arcs included', () => {
    expect(hex(w.oid('1.2.840.10045.4.3.2'))).toBe('06082a8648ce3d040302');
    expect(hex(w.oid('2.5.29.19'))).toBe('0603551d13');
    expect(hex(w.oid('1.3.6.1.5.5.7.3.1'))).toBe('06082b06010505070301');
    const uuidArc = '2.25.329800735698586629295641978511506172918';
    const b = w.oid(uuidArc);
    expect(decodeOid(b, readSingle(b, 'oid'))).toBe(uuidArc);
    for (const bad of ['1', '3.1', '1.40', 'a.b', '1..2']) expect(() => w.oid(bad), bad).toThrow();
  });

  it('writes BOOLEAN, NULL, strings and BIT STRINGs', () => {
    expect(hex(w.boolean(true))).toBe('0101ff');
    expect(hex(w.boolean(false))).toBe('010100');
    expect(decodeBoolean(w.boolean(true), readSingle(w.boolean(true), 'b'))).toBe(true);
    expect(hex(w.nullValue())).toBe('0500');
    expect(hex(w.printableString('MCP Tunnel CA'))).toBe(`130d${Buffer.from('MCP Tunnel CA').toString('hex')}`);
    expect(() => w.printableString('*.example.com')).toThrow(); // '*' is not printable
    expect(hex(w.utf8String('é'))).toBe('0c02c3a9');
    expect(hex(w.ia5String('*.a.b'))).toBe(`1605${Buffer.from('*.a.b').toString('hex')}`);
    expect(() => w.ia5String('é')).toThrow();
    expect(hex(w.bitString(Buffer.from([1, 2])))).toBe('0303000102');
    expect(() => w.bitString(Buffer.from([0x01]), 1)).toThrow(); // unused bits must be zero
  });

  it('writes named bit strings without trailing zero bits (KeyUsage)', () => {
    // keyCertSign (5) + cRLSign (6): 0000 0110, one unused bit.
    expect(hex(w.namedBits([5, 6]))).toBe('03020106');
    // digitalSignature (0): 1000 0000, seven unused bits.
    expect(hex(w.namedBits([0]))).toBe('03020780');
    // digitalSignature + keyEncipherment (2): 1010 0000, five unused bits.
    expect(hex(w.namedBits([0, 2]))).toBe('030205a0');
    // decipherOnly (8) spills into a second byte.
    expect(hex(w.namedBits([0, 8]))).toBe('0303078080');
    expect(hex(w.namedBits([]))).toBe('030100');
    const b = w.namedBits([5, 6]);
    expect(decodeBitString(b, readSingle(b, 'ku')).bitLength).toBe(7);
  });

  it('writes UTCTime before 2050 and GeneralizedTime from 2050 on, which the reader reads back', () => {
    const t2049 = new Date('2049-12-31T23:59:59Z');
    const t2050 = new Date('2050-01-01T00:00:00Z');
    expect(w.x509Time(t2049).toString('latin1', 2)).toBe('491231235959Z');
    expect(w.x509Time(t2049)[0]).toBe(0x17);
    expect(w.x509Time(t2050).toString('latin1', 2)).toBe('20500101000000Z');
    expect(w.x509Time(t2050)[0]).toBe(0x18);
    // Milliseconds are not written (seconds precision).
    expect(w.utcTime(new Date('2026-03-04T05:06:07.890Z')).toString('latin1', 2)).toBe('260304050607Z');
    for (const d of [t2049, t2050, new Date('1999-01-02T03:04:05Z')]) {
      const b = w.x509Time(d);
      expect(decodeTime(b, readSingle(b, 't')).toISOString()).toBe(d.toISOString());
    }
    expect(() => w.utcTime(t2050)).toThrow();
    expect(() => w.x509Time(new Date('nope'))).toThrow();
  });

  it('nests SEQUENCEs, sorts SET OF, and writes context tags', () => {
    const s = w.sequence(w.integer(1), w.sequence(w.boolean(true)));
    expect(hex(s)).toBe('3008020101300301' + '01ff');
    expect(childrenOf(s, readSingle(s, 's')).length).toBe(2);
    expect(hex(w.setOf(w.integer(2), w.integer(1)))).toBe('3106020101020102');
    expect(hex(w.explicit(0, w.integer(2)))).toBe('a003020102');
    expect(hex(w.implicitPrimitive(2, Buffer.from('a')))).toBe('820161');
    expect(hex(w.implicitConstructed(1, w.integer(0)))).toBe('a103020100');
    expect(() => w.explicit(31, w.nullValue())).toThrow();
    expect(() => w.element(0x1f, Buffer.alloc(0))).toThrow();
  });
});
