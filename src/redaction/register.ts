// Registering secrets where they are read: the probes hand every value they read that is or
// holds a secret to these, and the run's registry masks it by value wherever it appears later
// (see secret-registry.ts). Outside a CLI run (a probe's unit test) they do nothing.

import { findSecrets, isMachineMade, isOpaque } from './redact.js';
import { activeSecretRegistry } from './secret-registry.js';

export { registerSecret } from './secret-registry.js';

/**
 * Register what a value read from input holds: the secrets its patterns find and, when `opaque`
 * is set, a value made only of machine-made pieces (a key body with no armour, a secret with no
 * telling shape) as a whole. Objects and arrays are walked, keys included.
 */
export function registerSecretsIn(value: unknown, opaque = true, depth = 0): void {
  const registry = activeSecretRegistry();
  if (!registry || depth > 64) return;
  if (typeof value === 'string') {
    if (value.length > 1024 * 1024) return;
    for (const s of findSecrets(value)) if (isPlausibleSecret(s)) registry.add(s);
    if (opaque && isBareSecret(value)) registry.add(value);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) registerSecretsIn(v, opaque, depth + 1);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      registerSecretsIn(k, opaque, depth + 1);
      if (typeof v === 'string' && isSecretName(k)) registerSecretValue(v);
      else registerSecretsIn(v, opaque, depth + 1);
    }
  }
}

/** Names whose value is a secret (TUNNEL_TOKEN, db_password, api-key, credentials); not a file name or path to one. */
const SECRET_NAME =
  /(token|secret|passw(or)?d|pass$|pwd|(^|[-_.])key$|api[-_]?key|access[-_]?key|private[-_]?key|credential|cookie|assertion|authorization)/i;
const NOT_A_SECRET_NAME = /(file|path|dir|url|uri|name|type|id|alg|size|length|header)$/i;

/** True for the name of a variable or field that holds a secret, by its name alone. */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name) && !NOT_A_SECRET_NAME.test(name);
}

const PLACEHOLDER_WORDS = /your|here|change|replace|example|placeholder|insert|paste|todo|dummy/i;

/**
 * False for what sits where a secret goes but is not one: a ${VAR} reference, a <template>, a
 * path (private_key_file: /data/tls.key, which must stay readable in every finding), a
 * placeholder ("your-token-here"), or a word too short or plain to mask by value.
 */
function isPlausibleSecret(v: string): boolean {
  const reference = /^\$\{?[A-Za-z_]/.test(v) || /^<[^<>]*>$/.test(v);
  const path = /^(~|\.{1,2})?\//.test(v) && !isOpaque(v);
  const placeholder = /^[A-Za-z_\- ]+$/.test(v) && PLACEHOLDER_WORDS.test(v);
  const masked = v.includes('[REDACTED]');
  const maskable = v.length >= 16 || (v.length >= 8 && /[A-Za-z]/.test(v) && /[^A-Za-z]/.test(v));
  return !reference && !path && !placeholder && !masked && maskable;
}

/** Register the value of a field named like a secret, unless it is a reference, a path or a placeholder. */
export function registerSecretValue(value: string): void {
  const v = value.trim().replace(/^(["'])(.*)\1$/s, '$2');
  if (isPlausibleSecret(v)) activeSecretRegistry()?.add(v);
  registerSecretsIn(v);
}

/**
 * True for a value made only of machine-made pieces (a key body with no armour, a bare secret):
 * base64-like pieces, one of them long and machine-made. A single piece that starts like a path is not.
 */
function isBareSecret(value: string): boolean {
  const pieces = value.trim().split(/\s+/);
  if (!pieces.every((p) => /^[A-Za-z0-9+/=_-]*$/.test(p))) return false;
  if (!pieces.some((p) => p.length >= 16 && isMachineMade(p))) return false;
  return pieces.length > 1 || !/^(~|\.{1,2})?\//.test(pieces[0] ?? '');
}

const KEY_BLOCK = /-{3,6}BEGIN ([A-Z0-9 ]*PRIVATE KEY)-{3,6}([\s\S]*?)(?:-{3,6}END [A-Z0-9 ]*PRIVATE KEY-{3,6}|$)/gi;

/**
 * Register private key material in a text: the base64 lines of every block labelled PRIVATE KEY
 * (any armour, any case), or with `keyFile` (the text is a key file) every base64 line at all.
 */
export function registerKeyMaterial(text: string, keyFile: boolean): void {
  const registry = activeSecretRegistry();
  if (!registry) return;
  const bodies = keyFile ? [text] : [...text.matchAll(KEY_BLOCK)].map((m) => m[2] ?? '');
  for (const body of bodies) {
    for (const line of body.split(/\r?\n|\r/)) if (/^[A-Za-z0-9+/=]{16,}$/.test(line.trim())) registry.add(line.trim());
  }
}
