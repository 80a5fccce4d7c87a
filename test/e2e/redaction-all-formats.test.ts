// A deployment full of secrets, run through the CLI (in-process) in every format (doctor and logs,
// plain and --verbose, stdout and files): no planted secret, nor any 16-character piece of one,
// may reach stdout, stderr or a file the tool writes.

import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORMATS } from '../../src/reporters/index.js';
import { cleanEnv, FIXTURES, type Run } from '../helpers/exec.js';
import { runInProcess } from '../helpers/in-process.js';

const WINDOW = 16;
const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/** A token in cloudflared's real shape: standard base64 of {"a","t","s"}. */
function tunnelToken(): { token: string; account: string; secret: string } {
  const account = randomBytes(16).toString('hex');
  const secret = randomBytes(32).toString('base64');
  const token = Buffer.from(JSON.stringify({ a: account, t: randomUUID(), s: secret })).toString('base64');
  return { token, account, secret };
}

function jwt(): string {
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: randomBytes(6).toString('hex') }));
  const now = Math.floor(Date.now() / 1000);
  const payload = b64url(
    JSON.stringify({
      iss: 'https://issuer.example.com',
      sub: `system:serviceaccount:mcp:${randomBytes(4).toString('hex')}`,
      aud: 'https://api.anthropic.com',
      iat: now,
      exp: now + 300,
    }),
  );
  return `${header}.${payload}.${b64url(randomBytes(256))}`;
}

function apiKey(): string {
  return `sk-ant-api03-${b64url(randomBytes(60))}-${b64url(randomBytes(6))}AA`;
}

/** A PEM private key block whose body is random base64 (the redactor must not care whether it parses). */
function privateKeyPem(label = 'PRIVATE KEY'): { pem: string; body: string[] } {
  const body = randomBytes(300)
    .toString('base64')
    .match(/.{1,64}/g)!;
  return { pem: `-----BEGIN ${label}-----\n${body.join('\n')}\n-----END ${label}-----\n`, body };
}

interface Planted {
  dir: string;
  jwtFile: string;
  logFile: string;
  /** Every secret string; none of it, nor any 16-character piece, may appear in output. */
  secrets: Map<string, string>;
}

function plant(root: string): Planted {
  const dir = join(root, 'deploy');
  cpSync(join(FIXTURES, 'compose-healthy'), dir, { recursive: true });
  const secrets = new Map<string, string>();
  const add = (name: string, value: string) => secrets.set(name, value);

  const main = tunnelToken();
  const inConfig = tunnelToken();
  const inComment = tunnelToken();
  add('tunnel token', main.token);
  add('tunnel token account tag', main.account);
  add('tunnel secret', main.secret);
  add('tunnel token in config', inConfig.token);
  add('tunnel secret in config', inConfig.secret);
  add('tunnel token in a config comment', inComment.token);
  const identity = jwt();
  const jwtInConfig = jwt();
  add('identity JWT', identity);
  add('JWT in config', jwtInConfig);
  const key = apiKey();
  const keyInRoute = apiKey();
  add('API key', key);
  add('API key in a route URL', keyInRoute);
  const pastedCert = privateKeyPem();
  const pastedConfig = privateKeyPem('EC PRIVATE KEY');
  pastedCert.body.forEach((l, i) => add(`private key pasted into tls.crt, line ${i + 1}`, l));
  pastedConfig.body.forEach((l, i) => add(`private key pasted into the config, line ${i + 1}`, l));
  const realKey = readFileSync(join(dir, 'data', 'tls.key'), 'utf8')
    .split('\n')
    .filter((l) => /^[A-Za-z0-9+/=]{40,}$/.test(l));
  realKey.forEach((l, i) => add(`the real tls.key, line ${i + 1}`, l));
  const password = `Pw${randomBytes(12).toString('hex')}`;
  const logPassword = `Lp${randomBytes(12).toString('hex')}`;
  add('password in an upstream URL', password);
  add('password in a log line', logPassword);

  writeFileSync(
    join(dir, '.env'),
    `TUNNEL_DOMAIN=abcd1234.tunnel.example.com\nTUNNEL_TOKEN=${main.token}\nANTHROPIC_API_KEY=${key}\nANTHROPIC_IDENTITY_TOKEN=${identity}\n`,
  );
  writeFileSync(join(dir, 'data', 'tunnel-token'), `${main.token}\n`);
  const compose = readFileSync(join(dir, 'compose.yaml'), 'utf8')
    .replace('TUNNEL_TOKEN: ${TUNNEL_TOKEN}', `TUNNEL_TOKEN: ${main.token}`)
    .replace('ANTHROPIC_IDENTITY_TOKEN: ${ANTHROPIC_IDENTITY_TOKEN}', `ANTHROPIC_IDENTITY_TOKEN: ${identity}`);
  expect(compose).toContain(main.token);
  writeFileSync(join(dir, 'compose.yaml'), compose);
  const indent = (pem: string) =>
    pem
      .trimEnd()
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n');
  writeFileSync(
    join(dir, 'config', 'mcp-proxy.yaml'),
    `# TUNNEL_TOKEN=${inComment.token}
listen_addr: ":8080"
log_level: info
tunnel_domain: \${TUNNEL_DOMAIN}
legacy_token: ${inConfig.token}
tunnel_secret: ${inConfig.secret}
identity_assertion: ${jwtInConfig}
api_key_backup: ${key}
inline_key: |
${indent(pastedConfig.pem)}

tls:
  cert_file: /data/tls.crt
  key_file: /data/tls.key

routes:
  mcp: http://10.20.0.15:8080
  auth: http://192.168.10.4:9000
  wiki: http://172.20.1.7:3000
  search: https://10.20.0.16:8443/?key=${keyInRoute}
  db: http://admin:${password}@10.0.0.1:80
`,
  );
  writeFileSync(join(dir, 'data', 'tls.crt'), pastedCert.pem);
  const jwtFile = join(root, 'identity.jwt');
  writeFileSync(jwtFile, `${identity}\n`);

  const logFile = join(root, 'mixed.log');
  writeFileSync(
    logFile,
    [
      `2026-03-02T09:10:00Z INF Environment: TUNNEL_TOKEN=${main.token}`,
      `2026-03-02T09:10:01Z INF Starting tunnel token=${inConfig.token}`,
      '2026-03-02T09:10:02Z ERR Register tunnel error from server side error="Unauthorized: Invalid tunnel secret" connIndex=0 event=0 ip=198.41.200.13',
      `2026-03-02T09:10:03Z ERR Provided Tunnel token is not valid. token ${main.token}`,
      `mcp-proxy-1    | {"time":"2026-03-02T12:01:11.020Z","level":"ERROR","msg":"IP validation failed: 34.117.59.81 is not a private address","route":"db","upstream":"http://admin:${logPassword}@34.117.59.81:80"}`,
      `mcp-proxy-1    | {"time":"2026-03-02T12:02:00.000Z","level":"ERROR","msg":"token exchange failed","status":403,"assertion":"${identity}","api_key":"${key}"}`,
      `setup-1        | ERROR invalid_grant: assertion ${jwtInConfig} rejected`,
      `mcp-proxy-1    | 2026/03/02 13:05:00 failed to load TLS key pair: open /data/tls.key: permission denied ${keyInRoute}`,
      `mcp-proxy-1    | ERROR unexpected key material: ${pastedCert.pem.trimEnd().replace(/\n/g, '\\n')}`,
      `mcp-proxy-1    | {"level":"ERROR","msg":"tls handshake failed","error":"remote error: tls: unknown certificate authority","key":${JSON.stringify(pastedConfig.pem)}}`,
      `cloudflared-1  | 2026-03-02T12:03:00Z ERR something nobody knows about Authorization: Bearer ${identity}`,
      `cloudflared-1  | 2026-03-02T12:03:01Z ERR unrecognised failure api key ${apiKey()} password=${logPassword}`,
    ].join('\n') + '\n',
  );
  return { dir, jwtFile, logFile, secrets };
}

/** Every 16-character window of every secret, mapped to the secret's name. */
function windows(secrets: Map<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, value] of secrets) {
    if (value.length < WINDOW) throw new Error(`planted secret "${name}" is shorter than ${WINDOW} characters`);
    for (let i = 0; i + WINDOW <= value.length; i++) out.set(value.slice(i, i + WINDOW), name);
  }
  return out;
}

/** The planted secrets (by name) that a text leaks, as whole values or as 16-character pieces. */
function leaks(text: string, pieces: Map<string, string>): string[] {
  const found = new Set<string>();
  for (let i = 0; i + WINDOW <= text.length; i++) {
    const name = pieces.get(text.slice(i, i + WINDOW));
    if (name) found.add(name);
  }
  return [...found];
}

let root: string;
let planted: Planted;
let pieces: Map<string, string>;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'mcp-tunnel-secrets-'));
  planted = plant(root);
  pieces = windows(planted.secrets);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function expectNoLeak(label: string, run: Run, files: string[]): void {
  const texts: [string, string][] = [
    ['stdout', run.stdout],
    ['stderr', run.stderr],
    ...files.map((f): [string, string] => [f, readFileSync(f, 'utf8')]),
  ];
  for (const [where, text] of texts) {
    expect(leaks(text, pieces), `${label}: ${where}`).toEqual([]);
  }
}

describe('no secret survives any format', () => {
  it('the planted deployment really holds the secrets, and the doctor reads them', async () => {
    const config = readFileSync(join(planted.dir, 'config', 'mcp-proxy.yaml'), 'utf8');
    expect(leaks(config, pieces).length).toBeGreaterThan(5);
    // The checks do see the planted values: the URL with a password is judged, the pasted key is found in tls.crt.
    const r = await runInProcess(
      ['doctor', '--offline', '--dir', planted.dir, '--jwt-file', planted.jwtFile, '--json'],
      { env: cleanEnv() },
    );
    const report = JSON.parse(r.stdout);
    const status = Object.fromEntries(report.results.map((x: { id: string; status: string }) => [x.id, x.status]));
    expect(status['proxy-config']).not.toBe('pass');
    expect(status['server-certificate']).not.toBe('pass');
  });

  const variants: string[][] = [[], ['--verbose']];
  for (const format of FORMATS) {
    for (const extra of variants) {
      it(`doctor --format ${format} ${extra.join(' ')} (stdout and a file)`, async () => {
        const file = join(root, `doctor-${format}${extra.length ? '-verbose' : ''}.out`);
        const env = cleanEnv({
          TUNNEL_TOKEN: tunnelTokenFromEnv(),
          ANTHROPIC_API_KEY: planted.secrets.get('API key')!,
        });
        const toStdout = await runInProcess(
          ['doctor', '--offline', '--dir', planted.dir, '--jwt-file', planted.jwtFile, '--format', format, ...extra],
          { env },
        );
        expect(toStdout.code, toStdout.stderr).toBe(1);
        // The secret-bearing findings are there, with the secrets replaced (not merely left out);
        // openmetrics carries IDs and numbers only, never a finding's text.
        if (format !== 'openmetrics') expect(toStdout.stdout).toContain('[REDACTED]');
        expectNoLeak(`doctor ${format} ${extra.join(' ')}`, toStdout, []);
        const toFile = await runInProcess(
          [
            'doctor',
            '--offline',
            '--dir',
            planted.dir,
            '--jwt-file',
            planted.jwtFile,
            '--format',
            format,
            '--output',
            file,
            ...extra,
          ],
          { env },
        );
        expect(toFile.code, toFile.stderr).toBe(1);
        expect(toFile.stdout).toBe('');
        expectNoLeak(`doctor ${format} ${extra.join(' ')} > file`, toFile, [file]);
      });

      it(`logs --format ${format} ${extra.join(' ')} (file input, stdin, and an output file)`, async () => {
        const file = join(root, `logs-${format}${extra.length ? '-verbose' : ''}.out`);
        const fromFile = await runInProcess([
          'logs',
          planted.logFile,
          '--format',
          format,
          '--output',
          `${file}`,
          ...extra,
        ]);
        expect(fromFile.code, fromFile.stderr).toBe(1);
        expectNoLeak(`logs ${format} ${extra.join(' ')}`, fromFile, [file]);
        const fromStdin = await runInProcess(['logs', '--format', format, ...extra], {
          input: readFileSync(planted.logFile, 'utf8'),
        });
        expect(fromStdin.code, fromStdin.stderr).toBe(1);
        if (format !== 'openmetrics') expect(fromStdin.stdout).toContain('[REDACTED]');
        expectNoLeak(`logs ${format} ${extra.join(' ')} from stdin`, fromStdin, []);
      });
    }
  }

  it('all formats at once, every file from one run', async () => {
    const files = FORMATS.map((f) => join(root, `all.${f}`));
    const r = await runInProcess([
      'doctor',
      '--offline',
      '--verbose',
      '--dir',
      planted.dir,
      '--jwt-file',
      planted.jwtFile,
      '--format',
      FORMATS.join(','),
      '--output',
      files.join(','),
    ]);
    expect(r.code, r.stderr).toBe(1);
    expectNoLeak('doctor, all formats', r, files);
    // --follow on stdin ends with the input; human streams its findings, the rest come at the end.
    const l = await runInProcess(
      ['logs', '--follow', '--verbose', '--format', FORMATS.join(','), '--output', ['-', ...files.slice(1)].join(',')],
      { input: readFileSync(planted.logFile, 'utf8') },
    );
    expect(l.code, l.stderr).toBe(1);
    expectNoLeak('logs --follow, all formats', l, files.slice(1));
    // Nothing but the reports was left in the directory (no temporary files).
    expect(readdirSync(root).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('the leak detector itself finds a leak (it can fail)', () => {
    const token = planted.secrets.get('tunnel token')!;
    expect(leaks(`prefix ${token.slice(20, 40)} suffix`, pieces)).toEqual(['tunnel token']);
    expect(leaks('nothing secret here, only [REDACTED] and -----BEGIN PRIVATE KEY-----', pieces)).toEqual([]);
  });
});

function tunnelTokenFromEnv(): string {
  return planted.secrets.get('tunnel token')!;
}
