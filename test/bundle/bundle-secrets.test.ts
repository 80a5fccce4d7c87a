// A deployment with secrets planted everywhere the bundle reads (the environment, .env, the
// Compose command line and environment, the token file, a JWT file, a YAML value, the proxy
// config, URL credentials, log lines), in original, upper and lower case: the bundle is
// extracted with the system's tar and every byte of every member (inflated too, when a member is
// gzip) is searched for any 12 characters of any planted secret, spaces and line breaks ignored.

import { createHash } from 'node:crypto';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { runInProcess } from '../helpers/in-process.js';
import { extract } from './archive.js';
import { cleanEnv } from '../helpers/exec.js';
import { CASES, copyFixture, edit, logLine, shapes, yamlBlock, type CaseName } from '../redaction/planted-corpus.js';
import { apiKey, fragmentsOf, jwt, leaks, privateKey, tunnelToken } from '../redaction/secret-shapes.js';

const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

/** The bytes as text, inflated first when gzip; Latin-1 too, so no byte is lost to decoding. */
function views(bytes: Buffer): string[] {
  const raw = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
  return [raw.toString('utf8'), raw.toString('latin1')];
}

interface Planted {
  secrets: Map<string, string>;
  env: Record<string, string>;
  args: string[];
}

/** Plants every secret shape in every place, in the given case; returns the secrets and the run's inputs. */
function plant(dir: string, root: string, c: CaseName): Planted {
  const f = CASES[c];
  const secrets = new Map<string, string>();
  const add = (name: string, ...values: string[]) => values.forEach((v, i) => secrets.set(`${name} #${i + 1}`, f(v)));

  const envToken = tunnelToken();
  add('token in the environment', envToken.token, envToken.secret, envToken.account);
  const dotenvToken = tunnelToken(true);
  add('token in .env', dotenvToken.token, dotenvToken.secret, dotenvToken.account);
  const commandToken = tunnelToken();
  add('token on the command line', commandToken.token, commandToken.secret);
  const fileToken = tunnelToken();
  add('token in data/tunnel-token', fileToken.token, fileToken.secret);
  const identity = jwt();
  add('JWT file', identity);
  const envJwt = jwt();
  add('JWT in .env', envJwt);
  const key = apiKey();
  add('API key in the Compose environment', key);
  const envKey = apiKey();
  add('API key in the environment', envKey);
  const yamlKey = privateKey('pem5');
  add('PEM key in a YAML value', ...yamlKey.body);
  const brokenKey = privateKey('pem4');
  add('key with broken armour in the proxy config', ...brokenKey.body);
  const lowerKey = privateKey('lowercase');
  add('key with a lowercase label in .env', ...lowerKey.body);
  const password = `p@ss/${createHash('sha256').update(root).digest('hex').slice(0, 14)}Q9`;
  add('URL password', password);
  // The fixture's own private key: its body must never appear either.
  const keyFile = readFileSync(join(dir, 'data', 'tls.key'), 'utf8');
  const keyLines = keyFile.split('\n').filter((l) => /^[A-Za-z0-9+/=]{16,}$/.test(l));
  keyLines.forEach((l, i) => secrets.set(`data/tls.key line ${i + 1}`, l));

  writeFileSync(
    join(dir, '.env'),
    [
      'TUNNEL_DOMAIN=abcd1234.tunnel.example.com',
      `TUNNEL_TOKEN=${f(dotenvToken.token)}`,
      `IDENTITY=${f(envJwt)}`,
      `SIGNING_KEY="${f(lowerKey.text).replace(/\n/g, '\\n')}"`,
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'data', 'tunnel-token'), `${f(fileToken.token)}\n`);
  writeFileSync(join(dir, 'identity.jwt'), `${f(identity)}\n`);
  const compose = join(dir, 'compose.yaml');
  edit(
    compose,
    'command: tunnel --no-autoupdate run --url http://localhost:8080',
    `command: ["tunnel", "--no-autoupdate", "run", "--url", "http://localhost:8080", "--token", ${JSON.stringify(f(commandToken.token))}]`,
  );
  edit(
    compose,
    'TUNNEL_DOMAIN: ${TUNNEL_DOMAIN}',
    `TUNNEL_DOMAIN: \${TUNNEL_DOMAIN}\n      UPSTREAM_API_KEY: ${f(key)}\n      TLS_PEM: ${yamlBlock(f(yamlKey.text), '        ')}`,
  );
  const config = join(dir, 'config', 'mcp-proxy.yaml');
  edit(
    config,
    '  wiki: http://172.20.1.7:3000',
    `  wiki: http://172.20.1.7:3000\n  db: https://admin:${f(password)}@db.internal:5432/app`,
  );
  writeFileSync(config, `${readFileSync(config, 'utf8')}extra_pem: ${yamlBlock(f(brokenKey.text), '  ')}\n`);

  // Log lines carrying every shape the corpus knows, and the planted ones.
  const logShapes = shapes();
  for (const s of logShapes) s.secrets.forEach((v, i) => secrets.set(`log: ${s.name} #${i + 1}`, f(v)));
  const lines = logShapes.map((s) => f(logLine(s)));
  lines.push(f(`2026-03-02T09:10:04Z ERR Provided Tunnel token is not valid. invalid token ${commandToken.token}`));
  writeFileSync(join(root, 'cloudflared.log'), `${lines.join('\n')}\n`);

  return {
    secrets,
    env: { TUNNEL_TOKEN: f(envToken.token), ANTHROPIC_API_KEY: f(envKey) },
    args: ['--dir', dir, '--jwt-file', join(dir, 'identity.jwt'), '--logs', join(root, 'cloudflared.log')],
  };
}

describe('bundle with secrets planted everywhere', () => {
  for (const c of Object.keys(CASES) as CaseName[]) {
    it(`holds none of them, whole or in part (${c} case)`, async () => {
      const { root, dir } = copyFixture('compose-healthy');
      roots.push(root);
      const planted = plant(dir, root, c);
      const archive = join(root, 'out', 'support.tar.gz');
      const r = await runInProcess(['bundle', '--offline', ...planted.args, '--out', archive], {
        env: cleanEnv(planted.env),
      });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(statSync(archive).mode & 0o777).toBe(0o600);

      const files = extract(archive, join(root, 'x'));
      expect([...files.keys()].sort()).toEqual(
        [
          'certificates.json',
          'deployment/.env',
          'deployment/compose.yaml',
          'deployment/mcp-proxy.yaml',
          'facts.json',
          'logs.json',
          'manifest.json',
          'report.json',
          'report.md',
          'versions.json',
        ].sort(),
      );
      // The key's public half is in the certificate too (facts.json keeps its DER as read): a
      // fragment the public certificate holds is not secret.
      const fragments = fragmentsOf(planted.secrets);
      const certificate = readFileSync(join(dir, 'data', 'tls.crt'), 'utf8')
        .toLowerCase()
        .replace(/\s+/g, '');
      for (const piece of [...fragments.keys()]) if (certificate.includes(piece)) fragments.delete(piece);
      const found = [...files].flatMap(([name, bytes]) =>
        views(bytes).flatMap((text) => leaks(text, planted.secrets, fragments).map((s) => `${s} in ${name}`)),
      );
      expect([...new Set(found)]).toEqual([]);
      // Also the archive's own bytes, inflated as one stream (headers and padding included).
      const whole = gunzipSync(readFileSync(archive)).toString('latin1');
      expect(leaks(whole, planted.secrets, fragments)).toEqual([]);

      // The logs were read and matched (the lines are there, only their secrets are not).
      const logs = JSON.parse(files.get('logs.json')!.toString('utf8'));
      expect(logs.files.linesRead).toBeGreaterThan(10);
      // The secrets were replaced by what the allowlist says, counted in the manifest.
      const dotenv = files.get('deployment/.env')!.toString('utf8');
      expect(dotenv).toContain('TUNNEL_DOMAIN=abcd1234.tunnel.example.com');
      expect(dotenv).toMatch(/TUNNEL_TOKEN=\[REDACTED\] \(secret, \d+ characters, sha256 [0-9a-f]{12}\)/);
      const manifest = JSON.parse(files.get('manifest.json')!.toString('utf8'));
      const entry = manifest.files.find((e: { name: string }) => e.name === 'deployment/compose.yaml');
      expect(entry.redacted.secretsFingerprinted).toBeGreaterThanOrEqual(3);
      // Every member is listed with its SHA-256 and size.
      for (const e of manifest.files) {
        const bytes = files.get(e.name);
        expect(bytes, e.name).toBeDefined();
        expect(createHash('sha256').update(bytes!).digest('hex')).toBe(e.sha256);
        expect(bytes!.length).toBe(e.size);
      }
      expect(manifest.files.length).toBe(files.size - 1);

      const inspected = await runInProcess(['bundle', '--inspect', archive]);
      expect(inspected.stdout).toContain('every member matches');
      expect(inspected.stdout).toContain('Secrets: none found');
      expect(inspected.code).toBe(0);
    });
  }
});
