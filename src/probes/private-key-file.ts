// Reads the proxy's private key (PEM or DER) into PrivateKeyFacts: its format, whether it is
// encrypted, its public half as a fingerprint, and the file's mode and owner. The key material
// itself never leaves this module. Encryption is told from the armour or the DER outline, so
// the doctor never asks for (or waits on) a passphrase.

import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { statSync } from 'node:fs';
import type { FileFact, FileStatFacts, PrivateKeyFacts } from '../core/facts.js';
import { describeError } from '../core/errors.js';
import { derOutline, hasPemArmour, isPrivateKeyLabel, readPemBlocks } from '../pki/pem.js';
import { describePublicKey, spkiSha256 } from '../pki/public-key.js';
import { readBounded } from './bounded-file.js';
import { registerKeyMaterial } from '../redaction/register.js';

const MAX_KEY_BYTES = 1024 * 1024;

/** A passphrase that opens nothing: if a key is encrypted after all, parsing fails instead of prompting. */
const NO_PASSPHRASE = Buffer.from('mcp-tunnel-doctor-never-prompts');

type DerKeyType = 'pkcs8' | 'pkcs1' | 'sec1';

const LABEL_TYPES: Record<string, DerKeyType> = {
  'PRIVATE KEY': 'pkcs8',
  'RSA PRIVATE KEY': 'pkcs1',
  'EC PRIVATE KEY': 'sec1',
};

export interface ParsedKey {
  encrypted: boolean;
  key: KeyObject | null;
  parseError: string | null;
}

/** Parse DER key bytes of a known or unknown type; never throws, never prompts. */
export function parseDerPrivateKey(der: Buffer, type?: DerKeyType): ParsedKey {
  const outline = derOutline(der);
  // EncryptedPrivateKeyInfo: SEQUENCE { AlgorithmIdentifier (SEQUENCE), OCTET STRING }.
  if (outline && outline.children[0] === 0x30 && outline.children[1] === 0x04) {
    return { encrypted: true, key: null, parseError: null };
  }
  const types: DerKeyType[] = type ? [type] : ['pkcs8', 'pkcs1', 'sec1'];
  let lastError = '';
  for (const t of types) {
    try {
      const key = createPrivateKey({ key: der, format: 'der', type: t, passphrase: NO_PASSPHRASE });
      return { encrypted: false, key, parseError: null };
    } catch (err) {
      lastError = describeError(err);
    }
  }
  return {
    encrypted: false,
    key: null,
    parseError: `does not parse as a ${type ?? 'PKCS#8, PKCS#1 or SEC1'} private key (${lastError})`,
  };
}

export function readPrivateKeyFile(path: string, explicit: boolean): FileFact<PrivateKeyFacts> {
  const read = readBounded(path, explicit, MAX_KEY_BYTES);
  if (read.state !== 'ok') return read;
  // Every base64 line of the key file is key material, parsable or not.
  registerKeyMaterial(read.bytes.toString('latin1'), true);
  try {
    return readPrivateKeyBytes(path, read.bytes, { mode: read.mode, uid: read.uid, gid: read.gid });
  } catch (err) {
    // Every parser call is guarded; this is the last net so a probe never throws.
    return { state: 'invalid', path, problem: `could not be read as a private key (${describeError(err)})` };
  }
}

export function readPrivateKeyBytes(
  path: string,
  bytes: Buffer,
  stat: { mode: number; uid: number; gid: number },
): FileFact<PrivateKeyFacts> {
  if (bytes.length === 0 || bytes.toString('latin1').trim() === '')
    return { state: 'invalid', path, problem: 'is empty' };
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return { state: 'invalid', path, problem: 'is UTF-16 encoded; save it as plain ASCII PEM' };
  }

  if (hasPemArmour(bytes)) {
    const blocks = readPemBlocks(bytes);
    const pemLabels = blocks.map((b) => b.label);
    const keyBlock = blocks.find((b) => isPrivateKeyLabel(b.label));
    if (!keyBlock) {
      const what = pemLabels.includes('CERTIFICATE')
        ? 'a certificate, not a private key (are tls.crt and tls.key swapped?)'
        : pemLabels.includes('PUBLIC KEY')
          ? 'a public key, not the private key'
          : `no private key (its PEM blocks: ${pemLabels.join(', ') || 'none'})`;
      return { state: 'invalid', path, problem: `holds ${what}` };
    }
    const base = { encoding: 'pem' as const, pemLabels, ...stat };
    const encrypted =
      keyBlock.label === 'ENCRYPTED PRIVATE KEY' || /ENCRYPTED/i.test(keyBlock.headers['Proc-Type'] ?? '');
    if (encrypted) return ok(path, { ...base, encrypted: true, parseError: null, publicKey: null, spkiSha256: null });
    if (keyBlock.problem || !keyBlock.der) {
      return ok(path, {
        ...base,
        encrypted: false,
        parseError: `the ${keyBlock.label} block ${keyBlock.problem ?? 'is empty'}`,
        publicKey: null,
        spkiSha256: null,
      });
    }
    const type = LABEL_TYPES[keyBlock.label];
    if (!type) {
      const why =
        keyBlock.label === 'OPENSSH PRIVATE KEY'
          ? 'is an OpenSSH key; the proxy needs PKCS#8, PKCS#1 or SEC1 PEM (convert it with: openssl pkey -in <file> -out tls.key)'
          : `is a "${keyBlock.label}" block; the proxy loads only PKCS#8 ("PRIVATE KEY"), PKCS#1 ("RSA PRIVATE KEY") and SEC1 ("EC PRIVATE KEY") keys`;
      return ok(path, { ...base, encrypted: false, parseError: why, publicKey: null, spkiSha256: null });
    }
    return ok(path, { ...base, ...keyFacts(parseDerPrivateKey(keyBlock.der, type)) });
  }

  if (bytes[0] !== 0x30) {
    const binary = bytes.includes(0) || !isPrintable(bytes);
    return {
      state: 'invalid',
      path,
      problem: binary
        ? 'is binary data that is neither PEM nor a DER private key'
        : 'holds no PEM block ("-----BEGIN PRIVATE KEY-----") and is not DER',
    };
  }
  const outline = derOutline(bytes);
  if (outline && outline.children[0] === 0x30 && outline.children[1] === 0x30) {
    return {
      state: 'invalid',
      path,
      problem: 'is a DER certificate, not a private key (are tls.crt and tls.key swapped?)',
    };
  }
  return ok(path, { encoding: 'der', pemLabels: [], ...stat, ...keyFacts(parseDerPrivateKey(bytes)) });
}

function keyFacts(parsed: ParsedKey): Pick<PrivateKeyFacts, 'encrypted' | 'parseError' | 'publicKey' | 'spkiSha256'> {
  if (!parsed.key)
    return { encrypted: parsed.encrypted, parseError: parsed.parseError, publicKey: null, spkiSha256: null };
  try {
    const pub = createPublicKey(parsed.key);
    return { encrypted: false, parseError: null, publicKey: describePublicKey(pub), spkiSha256: spkiSha256(pub) };
  } catch (err) {
    return {
      encrypted: false,
      parseError: `its public half cannot be derived (${describeError(err)})`,
      publicKey: null,
      spkiSha256: null,
    };
  }
}

function ok(path: string, value: PrivateKeyFacts): FileFact<PrivateKeyFacts> {
  return { state: 'ok', path, value };
}

function isPrintable(bytes: Buffer): boolean {
  for (const b of bytes) if (b < 0x09 || (b > 0x0d && b < 0x20) || b === 0x7f) return false;
  return true;
}

/**
 * Mode and owner of the key file, from stat alone. Used when the doctor itself may not read the
 * key (a 0600 key owned by 65532 is correct, yet unreadable to an ordinary user running the
 * doctor): whether UID 65532 can read it is still decidable.
 */
export function statPrivateKeyFile(path: string): FileStatFacts | undefined {
  try {
    const st = statSync(path);
    if (!st.isFile()) return undefined;
    return { path, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
  } catch {
    return undefined;
  }
}
