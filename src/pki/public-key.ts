// A public key reduced to what the rules judge (type, RSA size, EC curve) and to a fingerprint
// that lets a certificate and a private key be compared without keeping either.

import { createHash, type KeyObject } from 'node:crypto';
import type { PublicKeyFacts } from '../core/facts.js';

const CURVE_NAMES: Record<string, string> = {
  prime256v1: 'P-256',
  secp256r1: 'P-256',
  'P-256': 'P-256',
  secp384r1: 'P-384',
  'P-384': 'P-384',
  secp521r1: 'P-521',
  'P-521': 'P-521',
};

export function describePublicKey(key: KeyObject): PublicKeyFacts {
  const details = key.asymmetricKeyDetails ?? {};
  const curve = details.namedCurve ? (CURVE_NAMES[details.namedCurve] ?? details.namedCurve) : null;
  return {
    type: key.asymmetricKeyType ?? 'unknown',
    bits: details.modulusLength ?? null,
    curve,
  };
}

/** SHA-256 of the SubjectPublicKeyInfo DER, lowercase hex. */
export function spkiSha256(key: KeyObject): string {
  const der = key.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex');
}

/** "EC P-256", "RSA 4096 bits", "ed25519": for messages and evidence. */
export function describeKeyShort(k: PublicKeyFacts): string {
  if (k.type === 'ec') return `ECDSA ${k.curve ?? 'unknown curve'}`;
  if (k.type === 'rsa' || k.type === 'rsa-pss') return `${k.type.toUpperCase()} ${k.bits ?? '?'} bits`;
  return k.type;
}
