// The one redactor. Everything a reporter emits and every log example passes through it, so a
// secret that slipped into a message, a path or an evidence value still never reaches output.

import { showControls } from './control-chars.js';
import { activeSecretRegistry, SecretRegistry } from './secret-registry.js';

const PLACEHOLDER = '[REDACTED]';

interface Pattern {
  name: string;
  re: RegExp;
  /** The capture group holding the secret itself (0: the whole match), for findSecrets. */
  secret: number;
  replace: string | ((...m: string[]) => string);
}

/** A value that looks machine-made: upper and lower case letters and digits, or a long hex string. */
export function isOpaque(value: string): boolean {
  return (/[A-Z]/.test(value) && /[a-z]/.test(value) && /[0-9]/.test(value)) || /^[0-9a-f]{32,}$/i.test(value);
}

/**
 * A piece of text that looks machine-made even after its case was changed: opaque, or a run of
 * 16 letters and digits with no word separator in it (a base64 line, upper- or lowercased); a
 * name like "abcd1234-tunnel-example" or a UUID is not.
 */
export function isMachineMade(piece: string): boolean {
  const longRun = (run: string) => run.length >= 16 && /[A-Za-z]/.test(run) && /[0-9]/.test(run);
  return isOpaque(piece) || piece.split(/[-_.]/).some(longRun);
}

// Case-insensitive where the shape allows. Some patterns start at a word boundary (so a long run
// of base64 is scanned once, not from every position): every caller redacts before it escapes,
// because escaping a control character ("\x01eyJ...") would remove that boundary. Repeats that
// could backtrack are bounded, so a hostile line costs linear time.
const PATTERNS: Pattern[] = [
  // Private keys in any PEM-like armour (3 to 6 dashes, any case, any label with PRIVATE KEY),
  // complete or cut off, also inside JSON strings (escaped newlines) or folded onto one line. A
  // mention of the header in a sentence is kept: it has no line break after it and no long
  // base64 run.
  {
    name: 'private-key',
    re: /(-{3,6})BEGIN ([A-Z0-9 ]*PRIVATE KEY)-{3,6}((?:\r?\n|\\r\\n|\\n| )(?:[A-Za-z0-9+/=\s:,.-]|\\[rn])*?)(?:-{3,6}END \2-{3,6}|(?=[^A-Za-z0-9+/=\s:,.\\-]|$))/gi,
    secret: 3,
    replace: (match, _dashes, label, body) => {
      const bare = body.replace(/\\[rn]/g, ' ');
      const onNewLine = /^(\r?\n|\\[rn])/.test(body);
      const keyLike = onNewLine ? (bare.match(/[A-Za-z0-9+/]/g)?.length ?? 0) >= 8 : /[A-Za-z0-9+/]{16,}/.test(bare);
      return keyLike ? `-----BEGIN ${label}----- ${PLACEHOLDER} -----END ${label}-----` : match;
    },
  },
  // Anthropic-style API keys and admin keys.
  { name: 'api-key', re: /sk-ant-[A-Za-z0-9_-]{8,}/gi, secret: 0, replace: `sk-ant-${PLACEHOLDER}` },
  // JWTs: three base64url segments, the first one decoding to a JSON header ("eyJ").
  {
    name: 'jwt',
    re: /(?<![A-Za-z0-9_-])[eE][yY][jJ][A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g,
    secret: 0,
    replace: `${PLACEHOLDER}(jwt)`,
  },
  // Credentials in URLs: scheme://user:password@host. The password may hold @ and / (the last @
  // before the path's ? or # ends it); a user name that is a token is masked too.
  {
    name: 'url-password',
    re: /\b([a-z][a-z0-9+.-]{0,31}:\/\/[^\s:/@"'<>`]{0,256}):([^\s?#"'<>`]{1,256})@/gi,
    secret: 2,
    replace: `$1:${PLACEHOLDER}@`,
  },
  {
    name: 'url-user-token',
    re: /\b([a-z][a-z0-9+.-]{0,31}:\/\/)([A-Za-z0-9._~%+=-]{20,1024})@/gi,
    secret: 2,
    replace: `$1${PLACEHOLDER}@`,
  },
  // key=value or key: value where the key names a secret (token, secret, password, api key,
  // credentials, cookie, session, authorization); a ${VAR} reference is not a value, nor is "::"
  // a separator (a workflow command's "title=tunnel-token::message"). Prose is not an
  // assignment either: after "key: " a word of letters that more words follow is kept
  // ("tunnel-token: Tunnel token is present", "TUNNEL_TOKEN: standard base64 of a JSON object").
  {
    name: 'secret-assignment',
    re: /\b((?:[A-Za-z_]*(?:TOKEN|SECRET|PASSWORD|PASSWD|API_KEY|APIKEY|ACCESS_KEY|PRIVATE_KEY|CREDENTIALS?)[A-Za-z_]*|token|secret|password|passphrase|assertion|client_secret|authorization|x-api-key|api[- ]key|credentials?|cookie|set-cookie|session)["']?\s*(?:=|:(?!:))\s*["']?)((?:Bearer|Basic)\s+)?(?!\$\{|\$[A-Za-z_])([^\s"',;}]{6,})/gi,
    secret: 3,
    replace: (match, prefix, scheme, value, offset, whole) => {
      const prose =
        !scheme &&
        /^[A-Za-z]+$/.test(value) &&
        /:\s+$/.test(prefix) &&
        /^[ \t]+[A-Za-z]/.test(whole.slice(Number(offset) + match.length));
      return prose ? match : `${prefix}${scheme ?? ''}${PLACEHOLDER}`;
    },
  },
  // A cloudflared tunnel token, or any base64 of a JSON object ({" -> eyJ): {"a":"..." is
  // eyJhIjoi, {"a": "..." (spaces, also valid) is eyJhIjog.
  {
    name: 'tunnel-token',
    re: /(?<![A-Za-z0-9+/_-])[eE][yY][jJ][A-Za-z0-9+/_-]{17,}={0,2}/g,
    secret: 0,
    replace: `${PLACEHOLDER}(tunnel-token)`,
  },
  // --token <value> on a command line.
  { name: 'token-flag', re: /(--token(?:=|\s+))(\S{6,})/g, secret: 2, replace: `$1${PLACEHOLDER}` },
  // A machine-made value right after a word naming a secret: "invalid token 3f2a...", "bearer AbC1...".
  {
    name: 'named-secret',
    re: /\b(token|secret|password|passphrase|api[-_ ]?key|credentials?|bearer)(\s+)([A-Za-z0-9+/=_.~-]{20,})/gi,
    secret: 3,
    replace: (match, word, space, value) => (isOpaque(value) ? `${word}${space}${PLACEHOLDER}` : match),
  },
];

function applyPattern(p: Pattern, match: RegExpMatchArray, whole: string): string {
  if (typeof p.replace !== 'function') return PLACEHOLDER;
  return p.replace(...(match as unknown as string[]), String(match.index ?? 0), whole);
}

/**
 * The secret values the patterns find in a text (a token in a file meant for a domain, a
 * password in a URL, a key body), for registering them: once registered they are masked by
 * value too, whatever is later done to them (cut, lowercased, quoted).
 */
export function findSecrets(text: string): string[] {
  const found: string[] = [];
  for (const p of PATTERNS) {
    for (const m of text.matchAll(p.re)) {
      const secret = m[p.secret];
      if (secret && applyPattern(p, m, text) !== m[0]) found.push(secret);
    }
  }
  return found;
}

/**
 * Replace every secret in a text: the values registered in this run (any case, across line
 * breaks), then every secret-looking shape. Idempotent.
 */
export function redact(text: string, extraSecrets: readonly string[] = []): string {
  let out = activeSecretRegistry()?.mask(text) ?? text;
  if (extraSecrets.length > 0) {
    const extra = new SecretRegistry();
    for (const secret of extraSecrets) extra.add(secret);
    out = extra.mask(out);
  }
  for (const p of PATTERNS) out = out.replace(p.re, p.replace as never);
  return out;
}

/**
 * The same redaction applied to every string inside a JSON-like value (keys too), returning a
 * copy. Reporters that escape text (XML, workflow commands) get their input through this, so no
 * escaping can hide a secret from the patterns above.
 */
export function redactValue<T>(value: T): T {
  return mapStrings(value, (s) => redact(s));
}

/**
 * Every string of a report (keys too) redacted, then its control characters made visible, as one
 * copy, before any reporter runs: escaping (XML, JSON, workflow commands) and colour come after,
 * so neither can hide a secret from the redactor nor let input steer the terminal. Every
 * reporter gets its report through this, so a new one is covered the day it is added.
 */
export function sanitiseValue<T>(value: T): T {
  return mapStrings(value, (s) => showControls(redact(s)));
}

function mapStrings<T>(value: T, f: (s: string) => string, depth = 0): T {
  if (typeof value === 'string') return f(value) as T;
  if (depth > 256) return value;
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, f, depth + 1)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[f(k)] = mapStrings(v, f, depth + 1);
    return out as T;
  }
  return value;
}
