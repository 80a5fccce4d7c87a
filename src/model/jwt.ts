// Decodes an identity JWT (the text of a --jwt-file) into its header and claims. Pure: the raw
// token and its signature are never kept: the facts hold the decoded header, the decoded payload,
// the size and the number of segments.
//
// Accepted contents: the compact JWT itself (what a Kubernetes projected token or a cloud
// metadata endpoint gives), or a JSON object that carries it in `value` (GitHub Actions' OIDC
// endpoint), `token`, `id_token` or `access_token`, because people save those responses as
// they are. The setup job itself needs the bare JWT; `wrappedIn` records the unwrapping.

import type { FileFact, JwtFacts } from '../core/facts.js';
import { jsonNestsDeeper, MAX_JSON_DEPTH } from '../core/json-nesting.js';

const WRAPPER_FIELDS = ['value', 'token', 'id_token', 'access_token', 'jwt'] as const;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function decodePart(
  part: string,
  name: string,
): { ok: true; value: Record<string, unknown> } | { ok: false; problem: string } {
  if (part === '') return { ok: false, problem: `its ${name} segment is empty` };
  if (/[+/=]/.test(part) && /^[A-Za-z0-9+/]+=*$/.test(part)) {
    return {
      ok: false,
      problem: `its ${name} segment uses standard base64 ('+', '/' or '=' padding); a JWT uses base64url without padding`,
    };
  }
  if (!/^[A-Za-z0-9_-]+$/.test(part))
    return {
      ok: false,
      problem: `its ${name} segment is not base64url (it contains characters outside A-Z a-z 0-9 - _)`,
    };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(part, 'base64url'));
  } catch {
    return { ok: false, problem: `its ${name} segment does not decode to UTF-8 text` };
  }
  if (jsonNestsDeeper(text)) {
    return { ok: false, problem: `its ${name} segment nests JSON deeper than ${MAX_JSON_DEPTH} levels; refused` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, problem: `its ${name} segment does not decode to JSON` };
  }
  if (!isPlainObject(value)) return { ok: false, problem: `its ${name} segment decodes to JSON that is not an object` };
  return { ok: true, value };
}

/** Decode a compact JWT already in memory (the file reader is probes/jwt-file.ts). */
export function describeJwt(text: string, path: string, wrappedIn: string | null = null): FileFact<JwtFacts> {
  let token = text.trim();
  if (/^bearer\s+/i.test(token)) {
    return {
      state: 'invalid',
      path,
      problem: 'starts with "Bearer ": save only the token itself, without the Authorization scheme',
    };
  }
  if (wrappedIn === null && token.startsWith('{')) {
    if (jsonNestsDeeper(token)) {
      return { state: 'invalid', path, problem: `is JSON nested deeper than ${MAX_JSON_DEPTH} levels; refused` };
    }
    let obj: unknown;
    try {
      obj = JSON.parse(token);
    } catch {
      return {
        state: 'invalid',
        path,
        problem: 'looks like JSON but does not parse; save the bare JWT (header.payload.signature)',
      };
    }
    const field = isPlainObject(obj) ? WRAPPER_FIELDS.find((f) => typeof obj[f] === 'string') : undefined;
    if (!field || !isPlainObject(obj)) {
      return {
        state: 'invalid',
        path,
        problem: `is a JSON document without a token in any of the fields ${WRAPPER_FIELDS.join(', ')}; save the bare JWT (header.payload.signature)`,
      };
    }
    return describeJwt(obj[field] as string, path, `the JSON field "${field}"`);
  }
  if (wrappedIn === null && token.length >= 2 && /^(["']).*\1$/s.test(token)) {
    token = token.slice(1, -1).trim();
    wrappedIn = 'quotes';
  }
  if (/\s/.test(token))
    return {
      state: 'invalid',
      path,
      problem: 'contains spaces or line breaks inside the token; a JWT is one unbroken line',
    };
  const sizeBytes = Buffer.byteLength(token, 'utf8');
  const parts = token.split('.');
  const segments = parts.length;
  if (segments === 1)
    return { state: 'invalid', path, problem: 'is not a JWT (no "." separators; a JWT is header.payload.signature)' };
  if (segments === 5)
    return {
      state: 'invalid',
      path,
      problem: 'is an encrypted JWT (JWE, five segments); the exchange needs a signed JWT (JWS, three segments)',
    };
  if (segments !== 3)
    return {
      state: 'invalid',
      path,
      problem: `has ${segments} dot-separated segments; a signed JWT has exactly three (header.payload.signature)`,
    };
  const [headerPart = '', payloadPart = '', signaturePart = ''] = parts;
  const header = decodePart(headerPart, 'header');
  if (!header.ok) return { state: 'invalid', path, problem: header.problem };
  const payload = decodePart(payloadPart, 'payload');
  if (!payload.ok) return { state: 'invalid', path, problem: payload.problem };
  const problem =
    signaturePart === '' ? 'its signature segment is empty: the token is unsigned and the exchange refuses it' : null;
  return {
    state: 'ok',
    path,
    value: { sizeBytes, segments, header: header.value, payload: payload.value, problem, wrappedIn },
  };
}
