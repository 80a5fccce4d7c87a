// Secrets in every shape the tool meets, freshly random per call, and a leak detector: a text
// leaks a secret when any FRAGMENT-long piece of it appears, in any case, with line breaks and
// spaces ignored (a secret split over lines is still a leak).

import { randomBytes, randomUUID } from 'node:crypto';

export const FRAGMENT = 12;

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/** A tunnel token in cloudflared's shape; `spaces` writes its JSON with spaces ({"a": "..."}, eyJhIjog...). */
export function tunnelToken(spaces = false): { token: string; account: string; secret: string } {
  const account = randomBytes(16).toString('hex');
  const secret = randomBytes(32).toString('base64');
  const json = spaces
    ? `{"a": "${account}", "t": "${randomUUID()}", "s": "${secret}"}`
    : JSON.stringify({ a: account, t: randomUUID(), s: secret });
  return { token: Buffer.from(json).toString('base64'), account, secret };
}

export function jwt(): string {
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: randomBytes(6).toString('hex') }));
  const now = Math.floor(Date.now() / 1000);
  const payload = b64url(
    JSON.stringify({
      iss: 'https://issuer.example.com',
      sub: `system:serviceaccount:mcp:${randomBytes(6).toString('hex')}`,
      aud: 'https://api.anthropic.com',
      iat: now,
      exp: now + 300,
    }),
  );
  return `${header}.${payload}.${b64url(randomBytes(64))}`;
}

export function apiKey(): string {
  return `sk-ant-api03-${b64url(randomBytes(30))}-${b64url(randomBytes(6))}AA`;
}

/** A private key's base64 body lines (random: the redactor must not care whether it parses). */
function keyBody(): string[] {
  return randomBytes(192)
    .toString('base64')
    .match(/.{1,64}/g)!;
}

export type Armour = 'pem5' | 'pem4' | 'lowercase' | 'none';

export function privateKey(armour: Armour): { text: string; body: string[] } {
  const body = keyBody();
  const wrap = (dashes: string, label: string) =>
    `${dashes}BEGIN ${label}${dashes}\n${body.join('\n')}\n${dashes}END ${label}${dashes}`;
  const text =
    armour === 'pem5'
      ? wrap('-----', 'PRIVATE KEY')
      : armour === 'pem4'
        ? wrap('----', 'PRIVATE KEY')
        : armour === 'lowercase'
          ? wrap('-----', 'ec private key')
          : body.join('\n');
  return { text, body };
}

/** A password with "@" and "/" in it, and random enough to be found. */
export function awkwardPassword(): string {
  return `p@ss/${randomBytes(6).toString('hex')}Q9`;
}

export function opaque(prefix = ''): string {
  return `${prefix}${b64url(randomBytes(18))}Zz9`;
}

/** Every FRAGMENT-long piece of every secret, case-folded and without spaces, mapped to the secret's name. */
export function fragmentsOf(secrets: ReadonlyMap<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, value] of secrets) {
    const v = value.toLowerCase().replace(/\s+/g, '');
    if (v.length < FRAGMENT) throw new Error(`planted secret "${name}" is shorter than ${FRAGMENT} characters`);
    for (let i = 0; i + FRAGMENT <= v.length; i++) out.set(v.slice(i, i + FRAGMENT), name);
  }
  return out;
}

/** The planted secrets (by name) a text leaks: any FRAGMENT characters of one, in any case, spaces and line breaks ignored. */
export function leaks(text: string, secrets: ReadonlyMap<string, string>, fragments = fragmentsOf(secrets)): string[] {
  const views = [text.toLowerCase(), text.toLowerCase().replace(/\s+/g, '')];
  const found = new Set<string>();
  for (const [piece, name] of fragments) {
    if (!found.has(name) && views.some((v) => v.includes(piece))) found.add(name);
  }
  return [...found];
}
