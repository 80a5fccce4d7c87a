import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readJwtFile } from '../../src/probes/jwt-file.js';

const dir = mkdtempSync(join(tmpdir(), 'mcp-tunnel-jwt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const b64url = (o: unknown) => Buffer.from(typeof o === 'string' ? o : JSON.stringify(o)).toString('base64url');
const HEADER = { alg: 'RS256', kid: 'key-1', typ: 'JWT' };
const PAYLOAD = {
  iss: 'https://issuer.example.com',
  aud: 'https://api.anthropic.com',
  sub: 'system:serviceaccount:mcp-tunnel:mcp-tunnel-setup',
  iat: 1700000000,
  exp: 1700003600,
};
const SIGNATURE = randomBytes(256).toString('base64url');
const JWT = `${b64url(HEADER)}.${b64url(PAYLOAD)}.${SIGNATURE}`;

let n = 0;
function file(content: string | Buffer): string {
  const p = join(dir, `t${n++}`);
  writeFileSync(p, content);
  return p;
}

describe('readJwtFile', () => {
  it('decodes header and payload and keeps neither the raw token nor the signature', () => {
    const fact = readJwtFile(file(`${JWT}\n`), true);
    expect(fact.state).toBe('ok');
    if (fact.state !== 'ok') return;
    expect(fact.value).toEqual({
      sizeBytes: JWT.length,
      segments: 3,
      header: HEADER,
      payload: PAYLOAD,
      problem: null,
      wrappedIn: null,
    });
    const text = JSON.stringify(fact);
    expect(text.includes(SIGNATURE)).toBe(false);
    expect(text.includes(JWT)).toBe(false);
  });

  it.each([
    ['value', JSON.stringify({ count: 1, value: JWT })],
    ['token', JSON.stringify({ token: JWT })],
    ['access_token', JSON.stringify({ access_token: JWT, token_type: 'Bearer' })],
  ])('unwraps a JSON response with the token in %s', (field, content) => {
    const fact = readJwtFile(file(content), true);
    expect(fact).toMatchObject({ state: 'ok', value: { wrappedIn: `the JSON field "${field}"`, payload: PAYLOAD } });
  });

  it('unwraps quotes and says so', () => {
    expect(readJwtFile(file(`"${JWT}"`), true)).toMatchObject({ state: 'ok', value: { wrappedIn: 'quotes' } });
  });

  it('records an oversized token as a fact, and refuses one past the read limit as invalid, not unreadable', () => {
    const big = `${b64url(HEADER)}.${b64url({ ...PAYLOAD, groups: 'g'.repeat(20000) })}.${SIGNATURE}`;
    const fact = readJwtFile(file(big), true);
    expect(fact.state === 'ok' && fact.value.sizeBytes).toBeGreaterThan(16384);
    const huge = readJwtFile(file('a'.repeat(70 * 1024)), true);
    expect(huge).toMatchObject({ state: 'invalid' });
    expect(huge.state === 'invalid' && huge.problem).toMatch(/16384 bytes/);
  });

  it('marks an unsigned token as a problem', () => {
    const fact = readJwtFile(file(`${b64url({ alg: 'none' })}.${b64url(PAYLOAD)}.`), true);
    expect(fact.state === 'ok' && fact.value.problem).toMatch(/signature segment is empty/);
  });

  it.each([
    ['not a JWT', 'hello world', /no "." separators|spaces/],
    ['two segments', `${b64url(HEADER)}.${b64url(PAYLOAD)}`, /2 dot-separated segments/],
    ['a JWE', 'a.b.c.d.e', /encrypted JWT/],
    [
      'standard base64 in a segment',
      `${Buffer.from(JSON.stringify(HEADER)).toString('base64')}.${b64url(PAYLOAD)}.${SIGNATURE}`,
      /standard base64/,
    ],
    [
      'a payload that is not JSON',
      `${b64url(HEADER)}.${b64url('not json')}.${SIGNATURE}`,
      /payload segment does not decode to JSON/,
    ],
    [
      'a header that is a JSON array',
      `${b64url([1])}.${b64url(PAYLOAD)}.${SIGNATURE}`,
      /header segment decodes to JSON that is not an object/,
    ],
    ['a Bearer prefix', `Bearer ${JWT}`, /Bearer/],
    ['JSON without a token', JSON.stringify({ foo: 'bar' }), /without a token/],
    ['broken JSON', '{"value": ', /does not parse/],
    ['a line break inside', `${JWT.slice(0, 30)}\n${JWT.slice(30)}`, /line breaks/],
    ['an empty file', '', /empty/],
    ['binary content', Buffer.from([0x00, 0x01, 0x02]), /binary/],
  ])('refuses %s as invalid', (_name, content, problem) => {
    const fact = readJwtFile(file(content), true);
    expect(fact.state).toBe('invalid');
    if (fact.state === 'invalid') expect(fact.problem).toMatch(problem);
    expect(JSON.stringify(fact).includes(SIGNATURE)).toBe(false);
  });

  it('reports a missing file and a directory without throwing', () => {
    expect(readJwtFile(join(dir, 'nope'), true)).toEqual({ state: 'missing', path: join(dir, 'nope'), explicit: true });
    const sub = join(dir, 'sub');
    mkdirSync(sub);
    expect(readJwtFile(sub, false)).toMatchObject({ state: 'unreadable', explicit: false });
  });
});
