// The key and signature rules shared by the CA and the server certificate: RSA of 2048 bits or
// more, or ECDSA on P-256, P-384 or P-521; a signature hash of SHA-256 or stronger.
//
// Ed25519 and Ed448 are strong, but the rules name the accepted key types (RSA 2048+ or ECDSA
// P-256+) and these are not among them: a failure, with its own messageId so the text can say
// why a strong key is refused. An EdDSA signature has no separate hash, so it raises no
// signature finding; the key-type finding on the signer covers it.

import type { CertificateFacts, PublicKeyFacts } from '../core/facts.js';
import { describeKeyShort } from './public-key.js';

/** A broken rule; the severity of each messageId is declared by the checks that report it. */
export interface StrengthProblem {
  messageId: 'weak-key' | 'key-type-not-listed' | 'weak-signature' | 'unknown-signature';
  /** Completes "The CA's ..." / "The server certificate's ...": names the value and the rule. */
  detail: string;
  evidence: Record<string, unknown>;
}

const GOOD_CURVES = ['P-256', 'P-384', 'P-521'];
const GOOD_HASHES = ['sha256', 'sha384', 'sha512'];

function keyProblem(key: PublicKeyFacts): StrengthProblem | null {
  const evidence = { key: describeKeyShort(key) };
  if (key.type === 'rsa' || key.type === 'rsa-pss') {
    if (key.bits !== null && key.bits >= 2048) return null;
    return {
      messageId: 'weak-key',
      detail: `key is RSA ${key.bits ?? '?'} bits; at least 2048 bits are required`,
      evidence,
    };
  }
  if (key.type === 'ec') {
    if (key.curve && GOOD_CURVES.includes(key.curve)) return null;
    return {
      messageId: 'weak-key',
      detail: `key is on curve ${key.curve ?? 'unknown'}; only P-256, P-384 and P-521 are accepted`,
      evidence,
    };
  }
  if (key.type === 'ed25519' || key.type === 'ed448') {
    return {
      messageId: 'key-type-not-listed',
      detail: `key is ${key.type}, which the rules do not accept (they name RSA 2048+ and ECDSA P-256+ only), however strong it is`,
      evidence,
    };
  }
  return {
    messageId: 'weak-key',
    detail: `key type ${key.type} is not accepted; use ECDSA P-256 or RSA 2048+`,
    evidence,
  };
}

function signatureProblem(sig: CertificateFacts['signatureAlgorithm']): StrengthProblem | null {
  const evidence = { signatureAlgorithm: sig.name, hash: sig.hash };
  if (sig.hash && GOOD_HASHES.includes(sig.hash)) return null;
  if (sig.name === 'Ed25519' || sig.name === 'Ed448') return null;
  if (sig.hash) {
    return {
      messageId: 'weak-signature',
      detail: `signature is ${sig.name} (${sig.hash.toUpperCase()}); SHA-256 or stronger is required`,
      evidence,
    };
  }
  return {
    messageId: 'unknown-signature',
    detail: `signature algorithm ${sig.name} (${sig.oid}) is not one the doctor can judge; SHA-256 or stronger is required`,
    evidence,
  };
}

export function strengthProblems(cert: CertificateFacts): StrengthProblem[] {
  return [keyProblem(cert.publicKey), signatureProblem(cert.signatureAlgorithm)].filter(
    (p): p is StrengthProblem => p !== null,
  );
}
