// PEM armour and the first layer of DER, read by hand: tolerant of what people paste into files
// (CRLF, a byte-order mark, `openssl x509 -text` output around the blocks, bundles), and exact
// about what is wrong when a block is broken. Pure functions over bytes; nothing here throws.

import { readTlv } from './der.js';

export interface PemBlock {
  label: string;
  /** RFC 1421 headers inside the block (Proc-Type, DEK-Info), as written. */
  headers: Record<string, string>;
  /** The decoded body, or null when the body is not valid base64. */
  der: Buffer | null;
  /** Why the block cannot be used, as a verb phrase ("has no END line", "is not valid base64"). */
  problem: string | null;
}

const BEGIN = /-----BEGIN ([A-Z0-9][A-Z0-9 #._-]*)-----/g;

/** True when the bytes carry at least one PEM BEGIN line. */
export function hasPemArmour(bytes: Buffer): boolean {
  return bytes.toString('latin1').includes('-----BEGIN ');
}

/** Every PEM block in order; a BEGIN without its END becomes a block with a problem. */
export function readPemBlocks(bytes: Buffer): PemBlock[] {
  // latin1 maps every byte to one character, so nothing here can fail to decode; the armour and
  // base64 are ASCII, and a BOM or stray bytes outside the blocks are simply ignored.
  const text = bytes.toString('latin1');
  const blocks: PemBlock[] = [];
  BEGIN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = BEGIN.exec(text)) !== null) {
    const label = (m[1] ?? '').trim();
    const bodyStart = m.index + m[0].length;
    const endLine = `-----END ${label}-----`;
    const end = text.indexOf(endLine, bodyStart);
    const nextBegin = text.indexOf('-----BEGIN ', bodyStart);
    if (end < 0 || (nextBegin >= 0 && nextBegin < end)) {
      blocks.push({
        label,
        headers: {},
        der: null,
        problem: `has no "${endLine}" line (the file is truncated, or blocks are mixed)`,
      });
      if (nextBegin < 0) break;
      BEGIN.lastIndex = nextBegin;
      continue;
    }
    blocks.push(decodeBody(label, text.slice(bodyStart, end)));
    BEGIN.lastIndex = end + endLine.length;
  }
  return blocks;
}

function decodeBody(label: string, body: string): PemBlock {
  const headers: Record<string, string> = {};
  const lines = body.split(/\r?\n|\r/);
  const lineAt = (k: number): string => lines[k] ?? '';
  let i = 0;
  while (i < lines.length && lineAt(i).trim() === '') i++;
  // Headers ("Name: value") come first and end at a blank line.
  if (i < lines.length && /^[A-Za-z-]+:/.test(lineAt(i))) {
    while (i < lines.length && lineAt(i).trim() !== '') {
      const [, name, value] = /^([A-Za-z-]+):\s*(.*)$/.exec(lineAt(i).trim()) ?? [];
      if (name !== undefined) headers[name] = value ?? '';
      i++;
    }
  }
  const b64 = lines.slice(i).join('').replace(/\s+/g, '');
  if (b64 === '') return { label, headers, der: null, problem: 'is empty' };
  // Strict like Go's encoding/pem, which the proxy uses: padding required.
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 !== 0) {
    return { label, headers, der: null, problem: 'is not valid base64 (corrupted or edited)' };
  }
  return { label, headers, der: Buffer.from(b64, 'base64'), problem: null };
}

export function isPrivateKeyLabel(label: string): boolean {
  return label === 'PRIVATE KEY' || label.endsWith(' PRIVATE KEY');
}

/** One DER tag-length header: tag byte, where the content starts, and its length. */
export interface DerHeader {
  tag: number;
  contentStart: number;
  length: number;
}

/**
 * Reads the DER header at `offset`, or null when it is not a definite, minimal DER header whose
 * content fits the buffer (truncated or not DER). The reading itself is der.ts's readTlv.
 */
export function readDerHeader(buf: Buffer, offset: number): DerHeader | null {
  try {
    const tlv = readTlv(buf, offset);
    return { tag: buf.readUInt8(offset), contentStart: tlv.contentStart, length: tlv.end - tlv.contentStart };
  } catch {
    return null;
  }
}

/**
 * The shape of a DER structure that starts with a SEQUENCE: the tags of its first two children.
 * Enough to tell a certificate (SEQUENCE, SEQUENCE), a PKCS#8 key (INTEGER, SEQUENCE), a
 * PKCS#1 / SEC1 key (INTEGER, INTEGER or OCTET STRING) and an encrypted PKCS#8 key
 * (SEQUENCE, OCTET STRING) apart without parsing any of them.
 */
export function derOutline(buf: Buffer): { wholeFile: boolean; children: number[] } | null {
  const outer = readDerHeader(buf, 0);
  if (!outer || outer.tag !== 0x30) return null;
  const children: number[] = [];
  let at = outer.contentStart;
  const stop = outer.contentStart + outer.length;
  while (at < stop && children.length < 2) {
    const h = readDerHeader(buf, at);
    if (!h) break;
    children.push(h.tag);
    at = h.contentStart + h.length;
  }
  return { wholeFile: stop === buf.length, children };
}
