// Loads the CA's private key for signing (and an existing server key for --keep-key): PEM in
// PKCS#8, SEC1 or PKCS#1, or DER. Never prompts for a passphrase: an encrypted key is reported,
// not opened. The parsing is the private-key probe's, so `certs` and the doctor agree on what a
// key file is.

import type { KeyObject } from 'node:crypto';
import { describeError } from '../core/errors.js';
import { hasPemArmour, isPrivateKeyLabel, readPemBlocks } from '../pki/pem.js';
import { readBounded } from '../probes/bounded-file.js';
import { parseDerPrivateKey } from '../probes/private-key-file.js';

export type LoadedKey = { ok: true; key: KeyObject; mode: number } | { ok: false; missing: boolean; problem: string };

const PEM_TYPES: Record<string, 'pkcs8' | 'pkcs1' | 'sec1'> = {
  'PRIVATE KEY': 'pkcs8',
  'RSA PRIVATE KEY': 'pkcs1',
  'EC PRIVATE KEY': 'sec1',
};

export function loadPrivateKey(path: string): LoadedKey {
  const read = readBounded(path, true, 1024 * 1024);
  if (read.state === 'missing') return { ok: false, missing: true, problem: `${path}: no such file` };
  if (read.state === 'unreadable') return { ok: false, missing: false, problem: `${path}: ${read.problem}` };
  try {
    let der: Buffer | null = read.bytes;
    let type: 'pkcs8' | 'pkcs1' | 'sec1' | undefined;
    if (hasPemArmour(read.bytes)) {
      const block = readPemBlocks(read.bytes).find((b) => isPrivateKeyLabel(b.label));
      if (!block) return { ok: false, missing: false, problem: `${path} holds no PRIVATE KEY block` };
      if (block.label === 'ENCRYPTED PRIVATE KEY' || /ENCRYPTED/i.test(block.headers['Proc-Type'] ?? '')) {
        return {
          ok: false,
          missing: false,
          problem: `${path} is encrypted; write it unencrypted first (openssl pkey -in ${path} -out ${path}.plain), or keep it elsewhere and sign by hand`,
        };
      }
      if (block.problem || !block.der)
        return {
          ok: false,
          missing: false,
          problem: `${path}: the ${block.label} block ${block.problem ?? 'is empty'}`,
        };
      type = PEM_TYPES[block.label];
      if (!type)
        return {
          ok: false,
          missing: false,
          problem: `${path} holds a "${block.label}" block; PKCS#8, PKCS#1 or SEC1 keys are needed`,
        };
      der = block.der;
    }
    const parsed = parseDerPrivateKey(der, type);
    if (parsed.encrypted)
      return { ok: false, missing: false, problem: `${path} is an encrypted key; write it unencrypted first` };
    if (!parsed.key)
      return {
        ok: false,
        missing: false,
        problem: `${path} ${parsed.parseError ?? 'does not parse as a private key'}`,
      };
    return { ok: true, key: parsed.key, mode: read.mode & 0o777 };
  } catch (err) {
    return { ok: false, missing: false, problem: `${path} cannot be read as a private key (${describeError(err)})` };
  }
}
