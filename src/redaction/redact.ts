// The one redactor. Everything a reporter emits and every log example passes through it, so a
// secret that slipped into a message, a path or an evidence value still never reaches output.

const PLACEHOLDER = '[REDACTED]';

const PATTERNS: { name: string; re: RegExp; replace: string | ((...m: string[]) => string) }[] = [
  // PEM private keys (any label with PRIVATE KEY), complete or cut off, also inside JSON strings
  // (escaped newlines). A mention of the header in a sentence (no line break after it) is kept.
  {
    name: 'private-key',
    re: /-----BEGIN ([A-Z0-9 ]*PRIVATE KEY)-----((?:\r?\n|\\r\\n|\\n)(?:[A-Za-z0-9+/=\s:,.-]|\\[rn])*?)(?:-----END \1-----|(?=[^A-Za-z0-9+/=\s:,.\\-]|$))/g,
    replace: (match, label, body) =>
      (body.replace(/\\[rn]/g, '').match(/[A-Za-z0-9+/]/g)?.length ?? 0) >= 8 ? `-----BEGIN ${label}----- ${PLACEHOLDER} -----END ${label}-----` : match,
  },
  // Anthropic-style API keys and admin keys.
  { name: 'api-key', re: /\bsk-ant-[A-Za-z0-9_-]{8,}/g, replace: `sk-ant-${PLACEHOLDER}` },
  // JWTs: three base64url segments, the first one decoding to a JSON header ("eyJ").
  { name: 'jwt', re: /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, replace: `${PLACEHOLDER}(jwt)` },
  // Credentials in URLs: scheme://user:password@host
  { name: 'url-password', re: /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):[^\s@/]+@/gi, replace: `$1:${PLACEHOLDER}@` },
  // key=value or key: value where the key names a secret (token, secret, password, api key,
  // authorization); a ${VAR} reference is not a value, nor is "::" a separator (a workflow
  // command's "title=tunnel-token::message"). Prose is not an assignment either: after
  // "key: " a word of letters that more words follow is kept ("tunnel-token: Tunnel token is
  // present", "TUNNEL_TOKEN: standard base64 of a JSON object").
  {
    name: 'secret-assignment',
    re: /\b((?:[A-Za-z_]*(?:TOKEN|SECRET|PASSWORD|PASSWD|API_KEY|APIKEY|ACCESS_KEY|PRIVATE_KEY)[A-Za-z_]*|token|secret|password|assertion|client_secret|authorization|x-api-key)["']?\s*(?:=|:(?!:))\s*["']?)((?:Bearer|Basic)\s+)?(?!\$\{|\$[A-Za-z_])([^\s"',;}]{6,})/gi,
    replace: (match, prefix, scheme, value, offset, whole) => {
      const prose = !scheme && /^[A-Za-z]+$/.test(value) && /:\s+$/.test(prefix) && /^[ \t]+[A-Za-z]/.test(whole.slice(Number(offset) + match.length));
      return prose ? match : `${prefix}${scheme ?? ''}${PLACEHOLDER}`;
    },
  },
  // A cloudflared tunnel token: base64 of JSON starting {"a": -> "eyJhIjoi"; also {"t": / {"s":
  { name: 'tunnel-token', re: /\beyJ[hsStTeE]Ijoi[A-Za-z0-9+/=_-]{10,}/g, replace: `${PLACEHOLDER}(tunnel-token)` },
  // --token <value> on a command line.
  { name: 'token-flag', re: /(--token(?:=|\s+))(\S{6,})/g, replace: `$1${PLACEHOLDER}` },
];

/** Replace every secret-looking value in a text. Idempotent: redacting twice changes nothing more. */
export function redact(text: string, extraSecrets: readonly string[] = []): string {
  let out = text;
  for (const secret of extraSecrets) {
    if (secret.length >= 6) out = out.split(secret).join(PLACEHOLDER);
  }
  for (const p of PATTERNS) out = out.replace(p.re, p.replace as never);
  return out;
}

export const REDACTED = PLACEHOLDER;

/**
 * The same redaction applied to every string inside a JSON-like value (keys too), returning a
 * copy. Reporters that escape text (XML, workflow commands) get their input through this, so no
 * escaping can hide a secret from the patterns above.
 */
export function redactValue<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactValue(v)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[redact(k)] = redactValue(v);
    return out as T;
  }
  return value;
}
