// A small DER encoder: just the universal types an X.509 certificate is built from, plus
// context-specific tags. Every function returns the complete element (tag, length, content) as
// a Buffer, so structures are written by nesting calls. Lengths are always definite and
// minimal, as DER requires; SET OF contents are sorted; BOOLEAN TRUE is 0xff. The reader that
// checks all of this on the way in is der.ts; the two are kept apart on purpose.

const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OBJECT_IDENTIFIER: 0x06,
  UTF8String: 0x0c,
  PrintableString: 0x13,
  IA5String: 0x16,
  UTCTime: 0x17,
  GeneralizedTime: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** The definite length octets: short form below 128, else 0x80|n followed by n big-endian bytes. */
function encodeLength(length: number): Buffer {
  if (!Number.isSafeInteger(length) || length < 0)
    throw new RangeError(`DER length ${length} is not a non-negative integer`);
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One element from an identifier octet and its content. Only low tag numbers (< 31) are needed here. */
export function element(identifier: number, content: Uint8Array): Buffer {
  if (!Number.isInteger(identifier) || identifier < 0 || identifier > 0xff || (identifier & 0x1f) === 0x1f) {
    throw new RangeError(`identifier octet 0x${identifier.toString(16)} is not a low-tag-number identifier`);
  }
  return Buffer.concat([Buffer.from([identifier]), encodeLength(content.length), content]);
}

export function sequence(...items: Uint8Array[]): Buffer {
  return element(TAG.SEQUENCE, Buffer.concat(items));
}

/** SET OF: DER orders the encoded members as byte strings (X.690 §11.6). */
export function setOf(...items: Uint8Array[]): Buffer {
  const sorted = items.map((i) => Buffer.from(i)).sort(Buffer.compare);
  return element(TAG.SET, Buffer.concat(sorted));
}

export function boolean(value: boolean): Buffer {
  return element(TAG.BOOLEAN, Buffer.from([value ? 0xff : 0x00]));
}

export function nullValue(): Buffer {
  return element(TAG.NULL, Buffer.alloc(0));
}

/**
 * INTEGER. A number or bigint may be negative (two's complement); a Buffer is read as an unsigned
 * big-endian magnitude (a serial number, say). The content is always the minimal encoding.
 */
export function integer(value: number | bigint | Uint8Array): Buffer {
  if (value instanceof Uint8Array) {
    let start = 0;
    while (start < value.length - 1 && value[start] === 0) start++;
    const magnitude = value.length === 0 ? Buffer.from([0]) : Buffer.from(value.subarray(start));
    // A set top bit would read as negative: a leading zero octet keeps it positive.
    return element(
      TAG.INTEGER,
      magnitude.readUInt8(0) & 0x80 ? Buffer.concat([Buffer.from([0]), magnitude]) : magnitude,
    );
  }
  if (typeof value === 'number' && !Number.isSafeInteger(value))
    throw new RangeError(`INTEGER ${value} is not a safe integer`);
  let n = BigInt(value);
  const bytes: number[] = [];
  // Emit low bytes until what is left is pure sign extension of the top byte written.
  for (;;) {
    const byte = Number(n & 0xffn);
    bytes.unshift(byte);
    n >>= 8n;
    if ((n === 0n && (byte & 0x80) === 0) || (n === -1n && (byte & 0x80) !== 0)) break;
  }
  return element(TAG.INTEGER, Buffer.from(bytes));
}

/** OBJECT IDENTIFIER from dotted form; arcs of any size (base 128, most significant group first). */
export function oid(dotted: string): Buffer {
  if (!/^\d+(\.\d+)+$/.test(dotted)) throw new RangeError(`"${dotted}" is not a dotted object identifier`);
  const arcs = dotted.split('.').map((a) => BigInt(a));
  const [first = 0n, second = 0n] = arcs; // the pattern above guarantees both
  if (first > 2n || (first < 2n && second > 39n))
    throw new RangeError(`"${dotted}" has an invalid first or second arc`);
  const out: number[] = [];
  for (const arc of [first * 40n + second, ...arcs.slice(2)]) {
    const groups: number[] = [Number(arc & 0x7fn)];
    for (let rest = arc >> 7n; rest > 0n; rest >>= 7n) groups.unshift(Number(rest & 0x7fn) | 0x80);
    out.push(...groups);
  }
  return element(TAG.OBJECT_IDENTIFIER, Buffer.from(out));
}

/** BIT STRING of whole bytes (a public key, a signature), or with `unusedBits` (0..7) in the last byte. */
export function bitString(bytes: Uint8Array, unusedBits = 0): Buffer {
  if (!Number.isInteger(unusedBits) || unusedBits < 0 || unusedBits > 7 || (bytes.length === 0 && unusedBits !== 0)) {
    throw new RangeError(`a BIT STRING cannot have ${unusedBits} unused bits here`);
  }
  if (unusedBits > 0 && ((bytes[bytes.length - 1] ?? 0) & ((1 << unusedBits) - 1)) !== 0) {
    throw new RangeError('the unused bits of a DER BIT STRING must be zero');
  }
  return element(TAG.BIT_STRING, Buffer.concat([Buffer.from([unusedBits]), bytes]));
}

/**
 * A named BIT STRING (KeyUsage and friends) from the numbers of the bits that are set, bit 0 being
 * the most significant bit of the first byte. DER drops trailing zero bits (X.690 §11.2.2).
 */
export function namedBits(bits: readonly number[]): Buffer {
  if (bits.some((b) => !Number.isInteger(b) || b < 0))
    throw new RangeError(`bit numbers must be non-negative integers: ${bits.join(', ')}`);
  if (bits.length === 0) return bitString(Buffer.alloc(0));
  const highest = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const b of bits) bytes.writeUInt8(bytes.readUInt8(Math.floor(b / 8)) | (0x80 >> (b % 8)), Math.floor(b / 8));
  return bitString(bytes, 7 - (highest % 8));
}

export function octetString(bytes: Uint8Array): Buffer {
  return element(TAG.OCTET_STRING, bytes);
}

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

export function isPrintableString(text: string): boolean {
  return PRINTABLE.test(text);
}

export function printableString(text: string): Buffer {
  if (!isPrintableString(text)) throw new RangeError(`"${text}" has characters a PrintableString cannot hold`);
  return element(TAG.PrintableString, Buffer.from(text, 'latin1'));
}

export function utf8String(text: string): Buffer {
  return element(TAG.UTF8String, Buffer.from(text, 'utf8'));
}

export function ia5String(text: string): Buffer {
  if (!/^[\x00-\x7f]*$/.test(text)) throw new RangeError(`"${text}" is not ASCII, which an IA5String must be`);
  return element(TAG.IA5String, Buffer.from(text, 'latin1'));
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function checkInstant(date: Date): void {
  if (Number.isNaN(date.getTime())) throw new RangeError('an invalid date cannot be encoded');
}

/** UTCTime YYMMDDHHMMSSZ: seconds always present, UTC only; RFC 5280 allows it for 1950..2049. */
export function utcTime(date: Date): Buffer {
  checkInstant(date);
  const y = date.getUTCFullYear();
  if (y < 1950 || y > 2049) throw new RangeError(`UTCTime covers 1950 to 2049, not ${y}`);
  const text = `${pad(y % 100)}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}Z`;
  return element(TAG.UTCTime, Buffer.from(text, 'latin1'));
}

/** GeneralizedTime YYYYMMDDHHMMSSZ without fractional seconds, as RFC 5280 §4.1.2.5.2 wants. */
function generalizedTime(date: Date): Buffer {
  checkInstant(date);
  const y = date.getUTCFullYear();
  if (y < 0 || y > 9999) throw new RangeError(`GeneralizedTime covers years 0 to 9999, not ${y}`);
  const text = `${pad(y, 4)}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}Z`;
  return element(TAG.GeneralizedTime, Buffer.from(text, 'latin1'));
}

/** An X.509 Time: UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 §4.1.2.5). */
export function x509Time(date: Date): Buffer {
  const y = date.getUTCFullYear();
  return y >= 1950 && y < 2050 ? utcTime(date) : generalizedTime(date);
}

/** [n] EXPLICIT: a constructed context tag wrapping complete elements. */
export function explicit(tagNumber: number, ...inner: Uint8Array[]): Buffer {
  return element(0xa0 | checkTagNumber(tagNumber), Buffer.concat(inner));
}

/** [n] IMPLICIT on a primitive type: the content octets under a context tag. */
export function implicitPrimitive(tagNumber: number, content: Uint8Array): Buffer {
  return element(0x80 | checkTagNumber(tagNumber), content);
}

/** [n] IMPLICIT on a constructed type (SEQUENCE, SET): the members under a constructed context tag. */
export function implicitConstructed(tagNumber: number, ...members: Uint8Array[]): Buffer {
  return element(0xa0 | checkTagNumber(tagNumber), Buffer.concat(members));
}

function checkTagNumber(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 30) throw new RangeError(`context tag number ${n} is outside 0..30`);
  return n;
}
