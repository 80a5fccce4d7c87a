// Reduces a tunnel token value to its shape. Pure: the token (and the secret and account tag
// inside it) is never kept: TokenFacts holds lengths, types, flags and the tunnel UUID only. The
// places a token is found are read by probes/tunnel-token.ts and probes/deployment.ts.
//
// What cloudflared accepts (cloudflared-facts.md, "Tunnel token"): standard base64 with padding
// (Go's base64.StdEncoding, which skips CR and LF but nothing else) of a JSON object
// {"a": string, "t": UUID string, "s": standard base64 string, "e"?: string}. This decodes
// URL-safe and unpadded base64 too, but only to tell the operator what the value would have been:
// `base64` stays false for them, because cloudflared refuses them.

import { createHash } from 'node:crypto';
import type { TokenFacts } from '../core/facts.js';
import { jsonNestsDeeper } from '../core/json-nesting.js';
import { UUID_FORMS } from './token-shapes.js';

/** Told each secret found inside a value (the probe registers them for redaction). */
export type SecretSink = (secret: string) => void;

export type TokenValueShape = Omit<TokenFacts, 'source' | 'location' | 'alsoIn'>;

/**
 * The value without the wrapping people paste with it: surrounding space, a "TUNNEL_TOKEN=" (or
 * "export TUNNEL_TOKEN=") in front, and one pair of quotes.
 */
export function unwrapToken(raw: string): { text: string; envPrefix: boolean; quoted: boolean } {
  let text = raw.trim();
  const prefix = /^(?:export\s+)?TUNNEL_TOKEN\s*[=:]\s*/.exec(text);
  if (prefix) text = text.slice(prefix[0].length).trim();
  const quoted = text.length >= 2 && /^(["'`]).*\1$/s.test(text);
  if (quoted) text = text.slice(1, -1).trim();
  return { text, envPrefix: prefix !== null, quoted };
}

const STD_B64 = /^[A-Za-z0-9+/]*={0,2}$/;
const URL_B64 = /^[A-Za-z0-9_-]*={0,2}$/;
const JWT_SHAPE = /^[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*$/;

/** Words people leave where the token should go, compared without case, '-', '_' or spaces. */
const PLACEHOLDER_WORDS = new Set([
  'changeme',
  'replaceme',
  'yourtoken',
  'yourtokenhere',
  'yourtunneltoken',
  'yourtunneltokenhere',
  'tokenhere',
  'tunneltokenhere',
  'inserttokenhere',
  'pastetokenhere',
  'pasteyourtokenhere',
  'todo',
  'tbd',
  'fixme',
  'placeholder',
  'null',
  'none',
  'nil',
  'undefined',
  'secret',
  'token',
  'tunneltoken',
  'redacted',
  'example',
  'dummy',
  'test',
]);

function jsonType(v: unknown): string {
  if (v === undefined) return 'absent';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function tryJson(text: string): { ok: true; value: unknown } | { ok: false } {
  if (jsonNestsDeeper(text)) return { ok: false }; // no token nests; deeper would only cost stack later
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function utf8(bytes: Buffer): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** Go's base64.StdEncoding after it has skipped CR/LF: standard alphabet, padded to a multiple of 4. */
function isStdBase64(s: string): boolean {
  const t = s.replace(/[\r\n]/g, '');
  return t.length % 4 === 0 && STD_B64.test(t);
}

/** Decode the way a person would hope it works, and say which variant it was. */
function decodeBase64(s: string): { variant: 'standard' | 'url-safe' | 'unpadded'; bytes: Buffer } | null {
  if (s === '') return null;
  if (isStdBase64(s)) return { variant: 'standard', bytes: Buffer.from(s, 'base64') };
  const bare = s.replace(/=+$/, '');
  if (bare.length % 4 === 1) return null;
  if (/[-_]/.test(s) && URL_B64.test(s)) return { variant: 'url-safe', bytes: Buffer.from(bare, 'base64url') };
  if (STD_B64.test(s) && !s.includes('=')) return { variant: 'unpadded', bytes: Buffer.from(s, 'base64') };
  return null;
}

function placeholderOf(t: string): { kind: TokenFacts['placeholderKind']; text: string | null } | null {
  if (t === '') return { kind: 'empty', text: null };
  const braced = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?:[:?-][^}]*)?\}$/.exec(t);
  if (braced) return { kind: 'variable', text: `\${${braced[1]}}` };
  const bare = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(t);
  if (bare) return { kind: 'variable', text: `$${bare[1]}` };
  if (/^<[^<>]{0,60}>$/.test(t) || /^\{\{[^{}]{0,80}\}\}$/.test(t) || /^\[[^[\]]{0,60}\]$/.test(t))
    return { kind: 'template', text: t };
  const word = t.toLowerCase().replace(/[-_\s]/g, '');
  if (PLACEHOLDER_WORDS.has(word) || /^(x+|\*+|\.+|0+)$/i.test(t))
    return { kind: 'word', text: t.length <= 40 ? t : null };
  return null;
}

function emptyShape(length: number): TokenValueShape {
  return {
    length,
    base64: false,
    json: false,
    jsonType: null,
    keys: [],
    accountTag: { present: false, nonEmpty: false, type: 'absent' },
    tunnelId: { present: false, value: null, type: 'absent' },
    secret: { present: false, nonEmpty: false, base64: false, type: 'absent' },
    endpoint: { present: false, value: null, type: 'absent' },
    placeholder: false,
    placeholderKind: null,
    placeholderText: null,
    quoted: false,
    envPrefix: false,
    whitespace: 'none',
    base64Variant: null,
    looksLike: null,
  };
}

/** The fields of a decoded token object, reduced to presence and type (the UUID is kept: it is an identifier). */
function describeFields(shape: TokenValueShape, obj: Record<string, unknown>, onSecret: SecretSink): void {
  shape.keys = Object.keys(obj)
    .slice(0, 20)
    .map((k) => k.slice(0, 40));
  // The account tag and the tunnel secret inside the token are secrets of their own.
  if (typeof obj.a === 'string') onSecret(obj.a);
  if (typeof obj.s === 'string') onSecret(obj.s);
  const a = obj.a;
  shape.accountTag = { present: 'a' in obj, nonEmpty: typeof a === 'string' && a !== '', type: jsonType(a) };
  const t = obj.t;
  shape.tunnelId = {
    present: 't' in obj,
    value: typeof t === 'string' && UUID_FORMS.test(t) ? t : null,
    type: jsonType(t),
  };
  const s = obj.s;
  shape.secret = {
    present: 's' in obj,
    nonEmpty: typeof s === 'string' && s !== '',
    base64: typeof s === 'string' && isStdBase64(s),
    type: jsonType(s),
  };
  const e = obj.e;
  shape.endpoint = {
    present: 'e' in obj,
    value: typeof e === 'string' && /^[A-Za-z0-9.-]{0,32}$/.test(e) ? e : null,
    type: jsonType(e),
  };
}

/**
 * Analyse one value as cloudflared would receive it. `null` means "passed through from an unset
 * variable". `onSecret` is told the secrets found inside (the account tag and the tunnel secret).
 */
export function describeTokenValue(raw: string | null, onSecret: SecretSink = () => undefined): TokenValueShape {
  if (raw === null) return { ...emptyShape(0), placeholder: true, placeholderKind: 'unset' };
  const shape = emptyShape(raw.length);
  if (/[ \t\u00a0]/.test(raw)) shape.whitespace = 'spaces';
  else if (/[\r\n]/.test(raw)) shape.whitespace = 'line-breaks';

  const unwrapped = unwrapToken(raw);
  const t = unwrapped.text;
  shape.envPrefix = unwrapped.envPrefix;
  shape.quoted = unwrapped.quoted;
  const ph = placeholderOf(t);
  if (ph) return { ...shape, placeholder: true, placeholderKind: ph.kind, placeholderText: ph.text };

  // The decoded JSON itself, or a cloudflared credentials file, pasted instead of the token.
  if (t.startsWith('{')) {
    const parsed = tryJson(t);
    if (parsed.ok && isPlainObject(parsed.value)) {
      const obj = parsed.value;
      shape.whitespace = 'none'; // spaces inside JSON are not the problem here
      shape.json = true;
      shape.jsonType = 'object';
      if ('TunnelSecret' in obj || 'AccountTag' in obj || 'TunnelID' in obj) {
        shape.looksLike = 'credentials-json';
        shape.keys = Object.keys(obj)
          .slice(0, 20)
          .map((k) => k.slice(0, 40));
      } else {
        if ('a' in obj || 't' in obj || 's' in obj) shape.looksLike = 'token-json';
        describeFields(shape, obj, onSecret);
      }
      return shape;
    }
  }

  const cleaned = t.replace(/\s+/g, '');
  if (/^sk-ant-/.test(cleaned)) return { ...shape, looksLike: 'api-key' };
  if (JWT_SHAPE.test(cleaned)) {
    const header = utf8(Buffer.from(cleaned.split('.')[0] ?? '', 'base64url'));
    const parsed = header === null ? { ok: false as const } : tryJson(header);
    if (parsed.ok && isPlainObject(parsed.value)) return { ...shape, looksLike: 'jwt' };
  }

  const decoded = decodeBase64(cleaned);
  if (!decoded) return shape;
  shape.base64Variant = decoded.variant;
  shape.base64 = decoded.variant === 'standard';
  const text = utf8(decoded.bytes);
  const parsed = text === null ? { ok: false as const } : tryJson(text);
  if (!parsed.ok) return shape;
  shape.json = true;
  shape.jsonType = jsonType(parsed.value);
  if (isPlainObject(parsed.value)) describeFields(shape, parsed.value, onSecret);
  return shape;
}

/** The value reduced to what identifies the token, so two copies with different wrapping compare equal. */
export function canonicalToken(raw: string): string {
  return unwrapToken(raw).text.replace(/\s+/g, '');
}

/**
 * The SHA-256 (hex) of the canonical token: what the files hold and what a running container
 * holds are compared by it. Safe to keep (the token's secret is 32 random bytes), never printed.
 */
export function tokenFingerprint(raw: string): string {
  return createHash('sha256').update(canonicalToken(raw)).digest('hex');
}
