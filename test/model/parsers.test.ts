// The pure parsers (src/model): their failure cases, without any file, socket or registry.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandOption, serviceTokenFile } from '../../src/model/compose.js';
import { dotenvAssignment, parseDotenv } from '../../src/model/dotenv.js';
import { coveringCidr } from '../../src/model/ip-policy.js';
import { describeJwt } from '../../src/model/jwt.js';
import { canonicalToken, describeTokenValue, unwrapToken } from '../../src/model/tunnel-token.js';
import { parseYamlText } from '../../src/model/yaml-document.js';
import { yamlLimitRefusal } from '../../src/model/yaml-limits.js';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64');
const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('the pure parsers import no I/O', () => {
  it.each([
    'dotenv.ts',
    'yaml-document.ts',
    'yaml-limits.ts',
    'tunnel-token.ts',
    'jwt.ts',
    'ip-policy.ts',
    'compose.ts',
    'cloudflared-metrics.ts',
    'cloudflared-version.ts',
  ])('%s', (file) => {
    const text = readFileSync(join(import.meta.dirname, '..', '..', 'src', 'model', file), 'utf8');
    const imports = [...text.matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1]);
    expect(
      imports.filter((i) =>
        /^(node:)?(fs|net|dns|dgram|tls|http|https|child_process)(\/|$)|probes\/|redaction\//.test(i ?? ''),
      ),
    ).toEqual([]);
  });
});

describe('parseDotenv', () => {
  it('skips what is not an assignment and keeps an unmatched quote as it is', () => {
    const vars = parseDotenv("# comment\n\njust words\n=no-name\n1BAD=x\nA=\"open\nB='x'\nC=v # note\nexport D = d\n");
    expect(vars).toEqual({ A: '"open', B: 'x', C: 'v', D: 'd' });
  });
  it('a lone quote is no quoted value', () => {
    expect(parseDotenv('Q="')).toEqual({ Q: '"' });
    expect(dotenvAssignment('not an assignment')).toBeNull();
  });
});

describe('parseYamlText', () => {
  it('an error has its line and column', () => {
    const fact = parseYamlText('a: 1\nb: [1, 2\n', 'x.yaml');
    expect(fact.state).toBe('invalid');
    if (fact.state !== 'invalid') return;
    expect(fact.problem).toMatch(/^is not valid YAML/);
    expect(fact.location?.line).toBeGreaterThan(0);
  });
  it('an empty text is an empty document; a duplicate key is refused with its position', () => {
    expect(parseYamlText('', 'e.yaml')).toMatchObject({ state: 'ok', value: { data: null } });
    expect(parseYamlText('a: 1\na: 2\n', 'd.yaml')).toMatchObject({
      state: 'invalid',
      location: { line: 2, column: 1 },
    });
  });
  it('the limits refuse before the parser sees the text', () => {
    expect(yamlLimitRefusal('['.repeat(100))).toMatch(/nested deeper than 64 levels/);
    expect(yamlLimitRefusal('a: 1\n')).toBeNull();
    expect(parseYamlText(`${'x'.repeat(300 * 1024)}\n`, 'big.yaml')).toMatchObject({
      state: 'invalid',
      problem: expect.stringMatching(/too large/),
    });
  });
});

describe('describeJwt', () => {
  const header = b64url({ alg: 'RS256', kid: 'k' });
  const payload = b64url({ iss: 'https://issuer.example', sub: 's' });
  it.each([
    ['', /no "\." separators/],
    ['Bearer a.b.c', /Bearer/],
    [`${header}.${payload}`, /2 dot-separated segments/],
    ['a.b.c.d.e', /encrypted JWT/],
    [`.${payload}.sig`, /header segment is empty/],
    [`${header}.${payload}=.sig`, /payload segment is not base64url|standard base64/],
    [`${header}.${b64url([1])}.sig`, /payload segment decodes to JSON that is not an object/],
    [`${header}.${Buffer.from('not json').toString('base64url')}.sig`, /does not decode to JSON/],
    ['{"other": 1}', /without a token in any of the fields/],
    ['{"value": ', /looks like JSON but does not parse/],
    [`${header}.${payload}. x`, /spaces or line breaks/],
  ])('%s is refused', (text, problem) => {
    const fact = describeJwt(text, 'id.jwt');
    expect(fact.state).toBe('invalid');
    if (fact.state === 'invalid') expect(fact.problem).toMatch(problem);
  });
  it('an unsigned token decodes, with the problem named', () => {
    expect(describeJwt(`${header}.${payload}.`, 'id.jwt')).toMatchObject({
      state: 'ok',
      value: { problem: expect.stringMatching(/unsigned/) },
    });
  });
});

describe('the tunnel token decoder', () => {
  const token = { a: 'account-tag', t: '6ff42ae2-765d-4adf-8112-31c55c1551ef', s: b64('s3cr3t-bytes-32') };
  it('tells the secrets inside to the sink it is given, and keeps none of them', () => {
    const told: string[] = [];
    const shape = describeTokenValue(b64(token), (s) => told.push(s));
    expect(told.sort()).toEqual([token.a, token.s].sort());
    expect(JSON.stringify(shape)).not.toContain(token.a);
    expect(JSON.stringify(shape)).not.toContain(token.s);
  });
  it.each([
    ['', 'empty'],
    ['${TUNNEL_TOKEN}', 'variable'],
    ['<your token>', 'template'],
    ['changeme', 'word'],
  ])('%j is a placeholder (%s)', (raw, kind) => {
    expect(describeTokenValue(raw)).toMatchObject({ placeholder: true, placeholderKind: kind });
  });
  it('not base64, base64 of no JSON, and JSON that is no object', () => {
    expect(describeTokenValue('!!!not-base64!!!')).toMatchObject({ base64: false, json: false });
    expect(describeTokenValue(Buffer.from('plain words').toString('base64'))).toMatchObject({
      base64: true,
      json: false,
    });
    expect(describeTokenValue(b64([1, 2]))).toMatchObject({ base64: true, json: true, jsonType: 'array', keys: [] });
  });
  it('one unwrapping for the shape and the comparison of copies', () => {
    expect(unwrapToken(' export TUNNEL_TOKEN="abc" ')).toEqual({ text: 'abc', envPrefix: true, quoted: true });
    expect(canonicalToken("TUNNEL_TOKEN='ab\ncd'")).toBe(canonicalToken('abcd'));
  });
});

describe('the token file a cloudflared service names', () => {
  const service = (spec: Record<string, unknown>) => ({ name: 'cloudflared', spec });
  it('from --token-file (either spelling), else TUNNEL_TOKEN_FILE; an option without a value gives ""', () => {
    expect(serviceTokenFile(service({ command: 'tunnel run --token-file /data/t' }))).toBe('/data/t');
    expect(serviceTokenFile(service({ command: ['tunnel', 'run', '--token-file=/run/secrets/t'] }))).toBe(
      '/run/secrets/t',
    );
    expect(serviceTokenFile(service({ environment: { TUNNEL_TOKEN_FILE: '/data/x' } }))).toBe('/data/x');
    expect(serviceTokenFile(service({ command: 'tunnel run' }))).toBeNull();
    expect(commandOption(['tunnel', 'run', '--token'], '--token')).toEqual({ value: '', index: 3 });
    expect(commandOption(['--token=a=b'], '--token')).toEqual({ value: 'a=b', index: 0 });
    expect(commandOption(['--tokenish'], '--token')).toBeNull();
  });
});

describe('coveringCidr', () => {
  it('the smallest CIDR over the IPv4 addresses; null without any', () => {
    expect(coveringCidr(['10.1.2.3'])).toEqual({ network: '10.1.2.3', prefix: 32 });
    expect(coveringCidr(['100.64.0.1', '100.127.255.1'])).toEqual({ network: '100.64.0.0', prefix: 10 });
    expect(coveringCidr(['1.2.3.4', '200.2.3.4'])).toEqual({ network: '0.0.0.0', prefix: 0 });
    expect(coveringCidr(['::1', 'not-an-ip', '010.0.0.1'])).toBeNull();
  });
});
