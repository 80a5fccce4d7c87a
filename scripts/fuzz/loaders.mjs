// The loaders under fuzz and the inputs they are fed, shared by `npm run fuzz` (scripts/fuzz/run.mjs,
// on the build) and the property tests in CI (test/fuzz/loaders.test.ts, on the sources). The
// implementations come from the caller, so both bind the same definitions to their own modules.
//
// Every loader must answer every input with a value (a typed fact; an `invalid` one is fine) and
// never throw; its answer must survive the runner's clone and freeze. Inputs mix random text and
// bytes with structured attacks: deep nesting, aliases, huge lines, binary, truncation, tags,
// BOM and CRLF, DER where PEM is expected, and mutations of real samples.

import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const sample = (path) => readFileSync(join(ROOT, 'fixtures', 'deployments', path));

/** Up to `max` repetitions of a piece (huge inputs stay rare: most draws are small). */
const repeated = (piece, max) =>
  fc
    .oneof(
      { weight: 20, arbitrary: fc.integer({ min: 1, max: 64 }) },
      { weight: 1, arbitrary: fc.integer({ min: 1, max }) },
    )
    .map((n) => piece.repeat(n));

/** A real sample, damaged: truncated, a byte run replaced, a piece duplicated, BOM, CRLF, NUL. */
function mutated(bytes) {
  return fc
    .tuple(
      fc.nat(bytes.length),
      fc.nat(bytes.length),
      fc.uint8Array({ maxLength: 16 }),
      fc.constantFrom('truncate', 'splice', 'duplicate', 'bom', 'crlf', 'nul', 'upper'),
    )
    .map(([a, b, junk, how]) => {
      const [i, j] = a <= b ? [a, b] : [b, a];
      switch (how) {
        case 'truncate':
          return bytes.subarray(0, i);
        case 'splice':
          return Buffer.concat([bytes.subarray(0, i), Buffer.from(junk), bytes.subarray(j)]);
        case 'duplicate':
          return Buffer.concat([bytes.subarray(0, j), bytes.subarray(i, j), bytes.subarray(i)]);
        case 'bom':
          return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]);
        case 'crlf':
          return Buffer.from(bytes.toString('latin1').replace(/\n/g, '\r\n'), 'latin1');
        case 'nul':
          return Buffer.concat([bytes.subarray(0, i), Buffer.from([0]), bytes.subarray(i)]);
        default:
          return Buffer.from(bytes.toString('latin1').toUpperCase(), 'latin1');
      }
    });
}

const randomText = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: 'grapheme-ascii', maxLength: 400 }),
);
const randomBytes = fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.from(a));
const asText = (arb) => arb.map((b) => (Buffer.isBuffer(b) ? b.toString('utf8') : b));

const yamlPieces = fc.constantFrom(
  '[',
  '{',
  '- ',
  '? ',
  ': ',
  '*a ',
  '&a ',
  '!!binary ',
  '!!set ',
  '!!omap ',
  '!foo ',
  '"',
  "'",
  '|\n',
  '>\n',
  '#',
  ',',
  '\t',
  '\n',
  '  ',
  '%YAML 1.2\n',
  '---\n',
  '...\n',
  'key: ',
  '<<: *a\n',
  '\\',
  '\u0000',
  '\ufeff',
);
const yamlText = fc.oneof(
  { weight: 4, arbitrary: fc.array(yamlPieces, { maxLength: 60 }).map((a) => a.join('')) },
  {
    weight: 2,
    arbitrary: fc.tuple(yamlPieces, fc.constantFrom(2000, 30000, 300000)).chain(([p, max]) => repeated(p, max)),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 1, max: 400 })
      .map((n) => Array.from({ length: n }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n')),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 900 }).map((n) => `a: &a [x, y]\nb: [${'*a, '.repeat(n)}]\n`) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 1, max: 12 })
      .map((n) =>
        [
          'a: &a ["x","x","x","x","x","x","x","x","x"]',
          ...Array.from(
            { length: n },
            (_, i) => `${'b'.repeat(i + 1)}: &${'b'.repeat(i + 1)} [${`*${i === 0 ? 'a' : 'b'.repeat(i)},`.repeat(9)}]`,
          ),
        ].join('\n'),
      ),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 8 }).map((v) => JSON.stringify(v)) },
  { weight: 3, arbitrary: randomText },
);

/** One JSON-ish text: random JSON, deep arrays, extreme numbers. */
const jsonText = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 20000 }).map((n) => `{"a":${'['.repeat(n)}${']'.repeat(n)}}`) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('1e308', '-1e308', '5e-324', '-0', '18446744073709551616', 'null', '"x"', '[]', '{}')
      .map((n) => `{"iat":${n},"exp":${n},"nbf":${n},"iss":"x","aud":"y","sub":"z"}`),
  },
  { weight: 1, arbitrary: randomText },
);
const b64url = (s) => Buffer.from(s).toString('base64url');
const jwtText = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(jsonText, jsonText, fc.string({ unit: 'grapheme-ascii', maxLength: 40 }))
      .map(([h, p, s]) => `${b64url(h)}.${b64url(p)}.${b64url(s)}`),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(jsonText, jsonText)
      .map(([h, p]) => JSON.stringify({ value: `${b64url(h)}.${b64url(p)}.c2ln` })),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(jsonText, fc.constantFrom('base64', 'base64url'))
      .map(([p, enc]) => `${Buffer.from('{"alg":"RS256"}').toString(enc)}.${Buffer.from(p).toString(enc)}.=/+`),
  },
  {
    weight: 1,
    arbitrary: fc
      .array(fc.constantFrom('.', 'eyJ', 'Bearer ', '"', ' ', '\n', '{', 'a'), { maxLength: 40 })
      .map((a) => a.join('')),
  },
  { weight: 1, arbitrary: randomText },
);

const tokenText = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .record({ a: fc.string(), t: fc.oneof(fc.uuid(), fc.string()), s: fc.string(), e: fc.option(fc.string()) })
      .map((o) => Buffer.from(JSON.stringify(o)).toString('base64')),
  },
  { weight: 1, arbitrary: jsonText.map((j) => Buffer.from(j).toString('base64')) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(jsonText, fc.constantFrom('base64', 'base64url', 'hex'))
      .map(([j, enc]) => Buffer.from(j).toString(enc)),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.constantFrom('TUNNEL_TOKEN=', 'export TUNNEL_TOKEN="', "'", ''),
        fc.base64String({ maxLength: 300 }),
        fc.constantFrom('', '"', '\n', '\r\n', ' x'),
      )
      .map((a) => a.join('')),
  },
  { weight: 1, arbitrary: asText(mutated(sample('compose-healthy/data/tunnel-token'))) },
  { weight: 1, arbitrary: randomText },
);

const certPem = sample('compose-healthy/data/tls.crt');
const certDer = Buffer.from(certPem.toString('latin1').replace(/-----[^-]+-----|\s/g, ''), 'base64');
const keyPem = sample('compose-healthy/data/tls.key');
const keyDer = Buffer.from(keyPem.toString('latin1').replace(/-----[^-]+-----|\s/g, ''), 'base64');
const armour = (label, body, dashes = 5) =>
  Buffer.from(
    `${'-'.repeat(dashes)}BEGIN ${label}${'-'.repeat(dashes)}\n${body.toString('base64').replace(/(.{64})/g, '$1\n')}\n${'-'.repeat(dashes)}END ${label}${'-'.repeat(dashes)}\n`,
  );
/** DER that nests `n` constructed SEQUENCEs (indefinite and definite lengths), or claims a huge length. */
const deepDer = fc
  .tuple(fc.integer({ min: 1, max: 5000 }), fc.boolean())
  .map(([n, indefinite]) =>
    indefinite
      ? Buffer.concat([Buffer.alloc(2 * n, Buffer.from([0x30, 0x80])), Buffer.alloc(2 * n)])
      : Buffer.from([0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, ...Array(n % 64).fill(0x30)]),
  );
const pemInputs = (pem, der, label) =>
  fc.oneof(
    { weight: 3, arbitrary: mutated(pem) },
    { weight: 3, arbitrary: mutated(der) },
    { weight: 1, arbitrary: fc.constant(der) },
    { weight: 1, arbitrary: deepDer },
    { weight: 1, arbitrary: deepDer.map((d) => armour(label, d)) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.constantFrom('CERTIFICATE', 'PRIVATE KEY', 'EC PRIVATE KEY', 'RSA PRIVATE KEY', 'certificate', 'X'),
          fc.constantFrom(4, 5, 6),
          mutated(der),
        )
        .map(([l, d, body]) => armour(l, body, d)),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.integer({ min: 1, max: 200 })).map(([n]) => Buffer.concat(Array(n).fill(pem))),
    },
    { weight: 1, arbitrary: randomBytes },
  );

const dotenvText = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .array(
        fc
          .tuple(
            fc.constantFrom('', 'export ', '#', ' '),
            fc.string({ unit: 'grapheme-ascii', maxLength: 20 }),
            fc.constantFrom('=', ' = ', ':', ''),
            fc.string({ maxLength: 60 }),
            fc.constantFrom('\n', '\r\n', ''),
          )
          .map((a) => a.join('')),
        { maxLength: 40 },
      )
      .map((a) => a.join('')),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom('A=', 'B="', "C='x", 'D=x # c', '\n', '\r\n').chain((p) => repeated(p, 200000)),
  },
  { weight: 1, arbitrary: randomText },
);

const logLine = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        fc.constantFrom(
          '',
          'proxy-1  | ',
          'cloudflared-1  | ',
          'Nov 25 10:00:00 host cloudflared[1]: ',
          '2026-11-25T10:00:00Z ',
          'stderr: ',
          '\u001b[31m',
        ),
        fc.constantFrom('ERR ', 'INF ', 'level=error msg=', '{"level":"error","msg":', 'panic: ', ''),
        fc.string({ maxLength: 120 }),
      )
      .map((a) => a.join('')),
  },
  { weight: 1, arbitrary: jsonText },
  {
    weight: 1,
    arbitrary: fc.jsonValue({ maxDepth: 5 }).map((v) => JSON.stringify({ level: 'error', time: v, msg: v, error: v })),
  },
  { weight: 1, arbitrary: fc.constantFrom('a', '=', '"', '\\', ' ', '{', '\t').chain((p) => repeated(p, 64 * 1024)) },
  { weight: 1, arbitrary: randomText },
);

/**
 * The loaders, bound to implementations `m`: { parseYamlText, readProxyConfig, composeServices,
 * serviceEnvironment, commandArgs, volumeMounts, parseDotenv, readCertificateBytes,
 * readPrivateKeyBytes, describeJwt, describeTokenValue, parseLine, cloneFacts, deepFreeze }.
 */
export function defineLoaders(m) {
  const yamlData = (text) => {
    const f = m.parseYamlText(text, 'fuzz.yaml');
    return f.state === 'ok' ? f.value.data : undefined;
  };
  const settle = (value) => m.deepFreeze(m.cloneFacts(value));
  const toText = (input) => (Buffer.isBuffer(input) ? input.toString('utf8') : input);
  return [
    {
      name: 'proxy YAML',
      inputs: fc.oneof(
        { weight: 5, arbitrary: yamlText },
        { weight: 2, arbitrary: asText(mutated(sample('compose-healthy/config/mcp-proxy.yaml'))) },
      ),
      run: (text) =>
        settle([
          m.parseYamlText(text, 'mcp-proxy.yaml'),
          m.readProxyConfig(yamlData(text), { TUNNEL_DOMAIN: 'x.example' }),
        ]),
    },
    {
      name: 'Compose',
      inputs: fc.oneof(
        { weight: 4, arbitrary: yamlText },
        { weight: 3, arbitrary: asText(mutated(sample('compose-healthy/compose.yaml'))) },
      ),
      run: (text) => {
        const f = m.parseYamlText(text, 'compose.yaml');
        const services = f.state === 'ok' ? m.composeServices(f.value.data) : [];
        return settle([f, services.map((s) => [m.serviceEnvironment(s), m.commandArgs(s), m.volumeMounts(s)])]);
      },
    },
    {
      name: 'Helm values',
      inputs: fc.oneof(
        { weight: 4, arbitrary: yamlText },
        { weight: 3, arbitrary: asText(mutated(sample('helm-healthy/values.yaml'))) },
      ),
      run: (text) => settle(m.parseYamlText(text, 'values.yaml')),
    },
    { name: '.env', inputs: dotenvText, run: (text) => settle(m.parseDotenv(text)) },
    {
      name: 'PEM/DER certificate',
      inputs: pemInputs(certPem, certDer, 'CERTIFICATE'),
      run: (bytes) => settle(m.readCertificateBytes('tls.crt', bytes)),
    },
    {
      name: 'PEM/DER private key',
      inputs: pemInputs(keyPem, keyDer, 'PRIVATE KEY'),
      run: (bytes) => settle(m.readPrivateKeyBytes('tls.key', bytes, { mode: 0o600, uid: 0, gid: 0 })),
    },
    { name: 'JWT', inputs: jwtText, run: (text) => settle(m.describeJwt(toText(text), 'token.jwt')) },
    { name: 'tunnel token', inputs: tokenText, run: (text) => settle(m.describeTokenValue(toText(text))) },
    { name: 'log line', inputs: logLine, run: (text) => settle(m.parseLine(toText(text))) },
  ];
}
