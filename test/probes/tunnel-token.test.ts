import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gatherStaticFacts } from '../../src/probes/deployment.js';
import type { TokenFacts } from '../../src/core/facts.js';
import { describeToken, type TokenCandidate } from '../../src/probes/tunnel-token.js';
import { describeTokenValue } from '../../src/model/tunnel-token.js';

// Test tokens are made here, from random parts, so no real credential sits in the repository.
const ACCOUNT = randomBytes(16).toString('hex');
const SECRET = randomBytes(32).toString('base64');
const TUNNEL = randomUUID();

export function makeToken(fields: Record<string, unknown> = { a: ACCOUNT, t: TUNNEL, s: SECRET }): string {
  return Buffer.from(JSON.stringify(fields)).toString('base64');
}

const GOOD = makeToken();
const env = (value: string | null, source = 'TUNNEL_TOKEN in the environment'): TokenCandidate => ({
  source,
  path: '$TUNNEL_TOKEN',
  value,
});

function shape(value: string | null): TokenFacts {
  const fact = describeToken([env(value)]);
  if (fact?.state !== 'ok') throw new Error(`expected an ok fact, got ${fact?.state}`);
  return fact.value;
}

function expectNoSecrets(fact: unknown, ...secrets: string[]): void {
  const text = JSON.stringify(fact);
  for (const s of secrets) expect(text.includes(s), 'a secret leaked into the facts').toBe(false);
}

describe('describeToken', () => {
  it('returns undefined when no place holds a token', () => {
    expect(describeToken([])).toBeUndefined();
  });

  it('decodes a good token to its shape, keeping only the tunnel UUID', () => {
    const fact = describeToken([{ ...env(GOOD), location: { file: 'compose.yaml', line: 7, column: 9 } }]);
    expect(fact?.state).toBe('ok');
    if (fact?.state !== 'ok') return;
    const t = fact.value;
    expect(t).toMatchObject({
      source: 'TUNNEL_TOKEN in the environment',
      length: GOOD.length,
      base64: true,
      base64Variant: 'standard',
      json: true,
      jsonType: 'object',
      placeholder: false,
      quoted: false,
      envPrefix: false,
      whitespace: 'none',
      looksLike: null,
      accountTag: { present: true, nonEmpty: true, type: 'string' },
      tunnelId: { present: true, value: TUNNEL, type: 'string' },
      secret: { present: true, nonEmpty: true, base64: true, type: 'string' },
      endpoint: { present: false, value: null, type: 'absent' },
      location: { file: 'compose.yaml', line: 7, column: 9 },
    });
    expect(t.keys.sort()).toEqual(['a', 's', 't']);
    expectNoSecrets(fact, GOOD, SECRET, ACCOUNT);
  });

  it('propagates missing and unreadable, keeping explicit', () => {
    expect(
      describeToken([
        { source: '--token-file x', path: '/x', value: null, readProblem: { state: 'missing', explicit: true } },
      ]),
    ).toEqual({ state: 'missing', path: '/x', explicit: true });
    expect(
      describeToken([
        {
          source: 'data/tunnel-token',
          path: '/d',
          value: null,
          readProblem: { state: 'unreadable', problem: 'permission denied', explicit: false },
        },
      ]),
    ).toEqual({
      state: 'unreadable',
      path: '/d',
      explicit: false,
      problem: 'permission denied',
    });
  });

  it('turns a file with bad content into invalid, and an empty file into an empty placeholder', () => {
    expect(
      describeToken([
        {
          source: 'f',
          path: '/f',
          value: '',
          readProblem: { state: 'unreadable', problem: 'is binary (it contains NUL bytes), not text', explicit: true },
        },
      ]),
    ).toMatchObject({ state: 'invalid', path: '/f' });
    const empty = describeToken([
      {
        source: 'f',
        path: '/f',
        value: '',
        readProblem: { state: 'unreadable', problem: 'is empty', explicit: false },
      },
    ]);
    expect(empty).toMatchObject({ state: 'ok', value: { placeholder: true, placeholderKind: 'empty' } });
  });

  it.each([
    ['${TUNNEL_TOKEN}', 'variable', '${TUNNEL_TOKEN}'],
    ['${TUNNEL_TOKEN:?set it}', 'variable', '${TUNNEL_TOKEN}'],
    ['$TUNNEL_TOKEN', 'variable', '$TUNNEL_TOKEN'],
    ['<token>', 'template', '<token>'],
    ['{{ .Values.token }}', 'template', '{{ .Values.token }}'],
    ['changeme', 'word', 'changeme'],
    ['your-token-here', 'word', 'your-token-here'],
    ['YOUR_TUNNEL_TOKEN', 'word', 'YOUR_TUNNEL_TOKEN'],
    ['xxxxxxxx', 'word', 'xxxxxxxx'],
    ['', 'empty', null],
  ])('recognizes the placeholder %j', (value, kind, text) => {
    const t = shape(value);
    expect(t.placeholder).toBe(true);
    expect(t.placeholderKind).toBe(kind);
    expect(t.placeholderText).toBe(text);
  });

  it('treats a value passed through from an unset variable as an unset placeholder', () => {
    expect(shape(null)).toMatchObject({ placeholder: true, placeholderKind: 'unset', length: 0 });
  });

  it('flags quotes, a TUNNEL_TOKEN= prefix and spaces, and still decodes what is inside', () => {
    for (const [value, flags] of [
      [`"${GOOD}"`, { quoted: true }],
      [`'${GOOD}'`, { quoted: true }],
      [`TUNNEL_TOKEN=${GOOD}`, { envPrefix: true }],
      [`export TUNNEL_TOKEN="${GOOD}"`, { envPrefix: true, quoted: true }],
      [`${GOOD.slice(0, 40)} ${GOOD.slice(40)}`, { whitespace: 'spaces' }],
      [` ${GOOD}`, { whitespace: 'spaces' }],
    ] as const) {
      const t = shape(value);
      expect(t, value).toMatchObject({ ...flags, base64: true, json: true, tunnelId: { value: TUNNEL } });
      expectNoSecrets(t, GOOD, SECRET, ACCOUNT);
    }
  });

  it('accepts line breaks inside, as Go base64 skips them', () => {
    const t = shape(`${GOOD.slice(0, 60)}\n${GOOD.slice(60)}\n`);
    expect(t).toMatchObject({ whitespace: 'line-breaks', base64: true, json: true, tunnelId: { value: TUNNEL } });
  });

  it('decodes URL-safe and unpadded base64 only to diagnose: base64 stays false', () => {
    // A JSON whose base64 has '+' or '/' and padding, so both variants differ from the original:
    // the padding comes from the length (pad "x" until it is not a multiple of 3), the '+' from a '>' or '?'.
    let std = '';
    for (let pad = 0; pad < 3 && !std.endsWith('='); pad++)
      std = makeToken({ a: ACCOUNT, t: TUNNEL, s: SECRET, x: '>>>???'.padEnd(6 + pad, 'x') });
    expect(std.endsWith('=') && /[+/]/.test(std), std).toBe(true);
    const urlSafe = std.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    expect(shape(urlSafe)).toMatchObject({
      base64: false,
      base64Variant: 'url-safe',
      json: true,
      tunnelId: { value: TUNNEL },
    });
    const unpadded = std.replace(/=+$/, '');
    expect(shape(unpadded)).toMatchObject({
      base64: false,
      base64Variant: 'unpadded',
      json: true,
      tunnelId: { value: TUNNEL },
    });
  });

  it('says what a wrong credential looks like', () => {
    const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const jwt = `${b64url({ alg: 'RS256', typ: 'JWT' })}.${b64url({ sub: 'x' })}.${randomBytes(32).toString('base64url')}`;
    expect(shape(jwt).looksLike).toBe('jwt');
    expect(shape(`sk-ant-api03-${randomBytes(24).toString('base64url')}`).looksLike).toBe('api-key');
    const creds = shape(JSON.stringify({ AccountTag: ACCOUNT, TunnelSecret: SECRET, TunnelID: TUNNEL }));
    expect(creds).toMatchObject({ looksLike: 'credentials-json', base64: false });
    expectNoSecrets(creds, SECRET, ACCOUNT);
    const raw = shape(JSON.stringify({ a: ACCOUNT, t: TUNNEL, s: SECRET }, null, 1));
    expect(raw).toMatchObject({
      looksLike: 'token-json',
      base64: false,
      json: true,
      whitespace: 'none',
      tunnelId: { value: TUNNEL },
    });
    expectNoSecrets(raw, SECRET, ACCOUNT);
  });

  it('tells not-base64, not-JSON and not-an-object apart', () => {
    expect(shape('eyJhIjoi!!!broken')).toMatchObject({ base64: false, base64Variant: null, json: false });
    expect(shape(Buffer.from('hello, not json').toString('base64'))).toMatchObject({ base64: true, json: false });
    expect(shape(makeToken([1, 2] as unknown as Record<string, unknown>))).toMatchObject({
      base64: true,
      json: true,
      jsonType: 'array',
    });
    expect(shape(GOOD.slice(0, GOOD.length - 5))).toMatchObject({ base64: false });
  });

  it('reports field presence and types without keeping values', () => {
    expect(shape(makeToken({ a: '', t: TUNNEL, s: '' }))).toMatchObject({
      accountTag: { present: true, nonEmpty: false },
      secret: { present: true, nonEmpty: false },
    });
    expect(shape(makeToken({ t: TUNNEL }))).toMatchObject({
      accountTag: { present: false, type: 'absent' },
      secret: { present: false, type: 'absent' },
    });
    expect(shape(makeToken({ a: ACCOUNT, t: TUNNEL, s: 'not base64!' })).secret).toMatchObject({
      nonEmpty: true,
      base64: false,
    });
    expect(shape(makeToken({ a: 42, t: TUNNEL, s: SECRET })).accountTag.type).toBe('number');
    // A secret pasted into "t" must not be kept as if it were the tunnel ID.
    const swapped = shape(makeToken({ a: ACCOUNT, t: SECRET, s: TUNNEL }));
    expect(swapped.tunnelId).toEqual({ present: true, value: null, type: 'string' });
    expectNoSecrets(swapped, SECRET, ACCOUNT);
    expect(shape(makeToken({ a: ACCOUNT, t: TUNNEL, s: SECRET, e: 'fed' })).endpoint).toEqual({
      present: true,
      value: 'fed',
      type: 'string',
    });
    expect(shape(makeToken({ a: ACCOUNT, t: TUNNEL, s: SECRET, e: 7 })).endpoint).toEqual({
      present: true,
      value: null,
      type: 'number',
    });
  });

  it('compares the other copies without storing them', () => {
    const other = makeToken({ a: ACCOUNT, t: randomUUID(), s: randomBytes(32).toString('base64') });
    const fact = describeToken([
      env(GOOD),
      env(`"${GOOD}"`, 'TUNNEL_TOKEN in /d/.env'),
      env(other, '/d/data/tunnel-token'),
      {
        source: 'the token file /data/t',
        path: '/d/data/t',
        value: null,
        readProblem: { state: 'missing', explicit: false },
      },
    ]);
    expect(fact?.state === 'ok' && fact.value.alsoIn).toEqual([
      { source: 'TUNNEL_TOKEN in /d/.env', same: true },
      { source: '/d/data/tunnel-token', same: false },
    ]);
    expectNoSecrets(fact, GOOD, other);
  });

  it('describeTokenValue never throws on odd input', () => {
    for (const v of ['=', '====', 'a', '{', '{"a":', '\u0000', '.', '..', '🙂', 'e30=', 'bnVsbA=='])
      expect(() => describeTokenValue(v)).not.toThrow();
    expect(describeTokenValue('bnVsbA==')).toMatchObject({ base64: true, json: true, jsonType: 'null' });
  });
});

describe('token candidates of a Compose deployment (through gatherStaticFacts)', () => {
  const root = mkdtempSync(join(tmpdir(), 'mcp-tunnel-token-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  function deployment(cloudflared: string, files: Record<string, string>, env: Record<string, string> = {}) {
    const dir = join(root, `d${n++}`);
    mkdirSync(join(dir, 'data'), { recursive: true });
    writeFileSync(
      join(dir, 'compose.yaml'),
      `services:\n  mcp-proxy:\n    image: mcp-proxy\n    volumes:\n      - ./data:/data:ro\n  cloudflared:\n    image: cloudflare/cloudflared\n${cloudflared}`,
    );
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const facts = gatherStaticFacts({ dir, dirExplicit: true, values: [], offline: true, env, now: new Date() });
    if (facts.token?.state !== 'ok') throw new Error(`token fact is ${facts.token?.state}`);
    return { dir, token: facts.token.value };
  }
  const other = makeToken({ a: ACCOUNT, t: randomUUID(), s: randomBytes(32).toString('base64') });

  it('leads with the service environment, expanded from .env, and finds the other copies', () => {
    const { dir, token } = deployment('    environment:\n      TUNNEL_TOKEN: ${TUNNEL_TOKEN}\n', {
      '.env': `TUNNEL_TOKEN=${GOOD}\n`,
      'data/tunnel-token': `${GOOD}\n`,
    });
    expect(token.source).toBe(`TUNNEL_TOKEN of the cloudflared service in ${join(dir, 'compose.yaml')}`);
    expect(token.location).toMatchObject({ file: join(dir, 'compose.yaml'), line: 9 });
    expect(token.tunnelId.value).toBe(TUNNEL);
    expect(token.alsoIn).toEqual([
      { source: `TUNNEL_TOKEN in ${join(dir, '.env')}`, same: true },
      { source: join(dir, 'data/tunnel-token'), same: true },
    ]);
    expectNoSecrets(token, GOOD, SECRET, ACCOUNT);
  });

  it('lets the shell win over .env, as Compose does, and reports the stale copy', () => {
    const { token } = deployment(
      '    environment:\n      - TUNNEL_TOKEN=${TUNNEL_TOKEN}\n',
      { '.env': `TUNNEL_TOKEN=${other}\n` },
      { TUNNEL_TOKEN: GOOD },
    );
    expect(token.tunnelId.value).toBe(TUNNEL);
    expect(token.alsoIn.map((a) => a.same)).toEqual([true, false]);
  });

  it('keeps an unset ${TUNNEL_TOKEN} as an unexpanded placeholder', () => {
    const { token } = deployment('    environment:\n      TUNNEL_TOKEN: ${TUNNEL_TOKEN}\n', {
      'data/tunnel-token': GOOD,
    });
    expect(token).toMatchObject({ placeholder: true, placeholderKind: 'variable', placeholderText: '${TUNNEL_TOKEN}' });
    expect(token.alsoIn).toEqual([{ source: expect.stringContaining('tunnel-token'), same: false }]);
  });

  it('takes --token from the command before TUNNEL_TOKEN', () => {
    const { token } = deployment(
      '    command: tunnel run --token ${CF_TOKEN} --url http://localhost:8080\n    environment:\n      TUNNEL_TOKEN: ${TUNNEL_TOKEN}\n',
      { '.env': `CF_TOKEN=${GOOD}\nTUNNEL_TOKEN=${other}\n` },
    );
    expect(token.source).toMatch(/^--token in the command of the cloudflared service/);
    expect(token.tunnelId.value).toBe(TUNNEL);
    expect(token.alsoIn[0]).toEqual({
      source: expect.stringMatching(/^TUNNEL_TOKEN of the cloudflared service/),
      same: false,
    });
  });

  it('reads the token file the service names under /data', () => {
    const { token } = deployment(
      '    command: tunnel run --token-file /data/tunnel-token --url http://localhost:8080\n',
      { 'data/tunnel-token': `"${GOOD}"\n` },
    );
    expect(token).toMatchObject({
      source: 'the token file /data/tunnel-token of the cloudflared service',
      quoted: true,
      tunnelId: { value: TUNNEL },
    });
  });
});
