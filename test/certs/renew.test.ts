import { execFileSync } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CHECKS } from '../../checks/index.js';
import { runChecks } from '../../src/core/runner.js';
import { certsInit, certsRenew, type CertsRenewOptions } from '../../src/commands/certs.js';
import { gatherStaticFacts } from '../../src/probes/deployment.js';
import { captureIO, deploymentWithoutCerts, DOMAIN, openssl, opensslGate, tempDir } from './helpers.js';

const DAY = 86_400_000;
const SCRIPT = fileURLToPath(new URL('../../fixtures/make-certs.sh', import.meta.url));
const mode = (p: string) => statSync(p).mode & 0o777;
const cert = (p: string) => new X509Certificate(readFileSync(p));
const tlsResults = (dir: string) =>
  runChecks(
    CHECKS,
    gatherStaticFacts({ dir, dirExplicit: true, values: [], offline: true, env: {}, now: new Date() }),
    { only: [], skip: [] },
  ).filter((r) => r.layer === 'tls' && r.status !== 'skip');

async function freshSet(extra: { now?: Date } = {}): Promise<string> {
  const out = tempDir();
  expect(await certsInit({ tunnelDomain: DOMAIN, out, ...extra }, captureIO())).toBe(0);
  return out;
}

async function renew(opts: CertsRenewOptions) {
  const io = captureIO();
  const code = await certsRenew(opts, io);
  return { code, out: io.out, err: io.err };
}

describe('certs renew', () => {
  it('re-signs a fresh server key with the same CA, later notAfter, and keeps .bak copies', async () => {
    const out = await freshSet();
    const f = (n: string) => join(out, n);
    const before = {
      ca: readFileSync(f('ca.crt')),
      caKey: readFileSync(f('ca.key')),
      crt: readFileSync(f('tls.crt')),
      key: readFileSync(f('tls.key')),
    };
    const r = await renew({ out, now: new Date(Date.now() + 2 * DAY) });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(f('ca.crt'))).toEqual(before.ca);
    expect(readFileSync(f('ca.key'))).toEqual(before.caKey);
    expect(readFileSync(f('tls.crt.bak'))).toEqual(before.crt);
    expect(readFileSync(f('tls.key.bak'))).toEqual(before.key);
    expect(mode(f('tls.key.bak'))).toBe(0o600);
    expect(mode(f('tls.key'))).toBe(0o644);
    expect(mode(f('tls.crt'))).toBe(0o644);
    expect(readFileSync(f('tls.key'))).not.toEqual(before.key);
    const oldLeaf = new X509Certificate(before.crt);
    const leaf = cert(f('tls.crt'));
    expect(Date.parse(leaf.validTo) - Date.parse(oldLeaf.validTo)).toBeGreaterThanOrEqual(2 * DAY - 1000);
    expect(leaf.serialNumber).not.toBe(oldLeaf.serialNumber);
    expect(leaf.subjectAltName).toBe(`DNS:*.${DOMAIN}`);
    expect(leaf.checkIssued(cert(f('ca.crt')))).toBe(true);
    expect(leaf.checkPrivateKey(createPrivateKey(readFileSync(f('tls.key'))))).toBe(true);
    expect(r.out).toContain('tls.crt.bak');
    expect(r.out).toContain('Restart the proxy');
    expect(r.out).not.toContain('PRIVATE KEY-----');
  });

  it('the renewed set passes the doctor again, and openssl verifies it', async () => {
    const dir = deploymentWithoutCerts();
    const data = join(dir, 'data');
    expect(await certsInit({ tunnelDomain: DOMAIN, out: data }, captureIO())).toBe(0);
    expect((await renew({ out: data, days: 60 })).code).toBe(0);
    const results = tlsResults(dir);
    expect(results.map((x) => x.id)).toEqual(
      expect.arrayContaining([
        'ca-certificate',
        'ca-registration',
        'server-certificate',
        'certificate-san',
        'certificate-expiry',
        'private-key',
      ]),
    );
    for (const x of results) expect({ id: x.id, status: x.status }).toEqual({ id: x.id, status: 'pass' });
    const days = (Date.parse(cert(join(data, 'tls.crt')).validTo) - Date.now()) / DAY;
    expect(days).toBeGreaterThan(59.9);
    expect(days).toBeLessThan(60.1);
    if (!opensslGate.skip) {
      expect(openssl(['verify', '-x509_strict', '-CAfile', join(data, 'ca.crt'), join(data, 'tls.crt')]).status).toBe(
        0,
      );
      expect(openssl(['ec', '-in', join(data, 'tls.key'), '-check', '-noout']).stderr).toContain('EC Key valid');
    }
  });

  it('--keep-key re-signs the current key and leaves tls.key alone', async () => {
    const out = await freshSet();
    const key = readFileSync(join(out, 'tls.key'));
    const oldSpki = cert(join(out, 'tls.crt')).publicKey.export({ type: 'spki', format: 'der' });
    const r = await renew({ out, keepKey: true, now: new Date(Date.now() + DAY) });
    expect(r.code).toBe(0);
    expect(readFileSync(join(out, 'tls.key'))).toEqual(key);
    expect(existsSync(join(out, 'tls.key.bak'))).toBe(false);
    expect(existsSync(join(out, 'tls.crt.bak'))).toBe(true);
    expect(cert(join(out, 'tls.crt')).publicKey.export({ type: 'spki', format: 'der' })).toEqual(oldSpki);
    expect(r.out).toContain('reloads tls.crt on its own');
    expect((await renew({ out, keepKey: true, keyType: 'rsa' })).code).toBe(2);
  });

  it('takes the names from tls.crt without tunnel-domain, from --tunnel-domain without both, and refuses with neither', async () => {
    const out = await freshSet();
    rmSync(join(out, 'tunnel-domain'));
    expect((await renew({ out })).code).toBe(0);
    expect(cert(join(out, 'tls.crt')).subjectAltName).toBe(`DNS:*.${DOMAIN}`);
    expect(existsSync(join(out, 'tunnel-domain'))).toBe(false);

    rmSync(join(out, 'tls.crt'));
    const refused = await renew({ out });
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('--tunnel-domain');

    const ok = await renew({ out, tunnelDomain: 'wxyz.tunnel.example.com' });
    expect(ok.code).toBe(0);
    expect(cert(join(out, 'tls.crt')).subjectAltName).toBe('DNS:*.wxyz.tunnel.example.com');
    expect(readFileSync(join(out, 'tunnel-domain'), 'utf8')).toBe('wxyz.tunnel.example.com\n');

    const clash = await renew({ out, tunnelDomain: DOMAIN });
    expect(clash.code).toBe(2);
    expect(clash.err).toContain('disagrees with');
  });

  it('follows data/tunnel-domain when the certificate covers another name, and says so', async () => {
    const out = await freshSet();
    writeFileSync(join(out, 'tunnel-domain'), 'newer.tunnel.example.com\n');
    const r = await renew({ out });
    expect(r.code).toBe(0);
    expect(r.err).toContain(`the names change from *.${DOMAIN} to *.newer.tunnel.example.com`);
    expect(cert(join(out, 'tls.crt')).subjectAltName).toBe('DNS:*.newer.tunnel.example.com');

    writeFileSync(join(out, 'tunnel-domain'), 'https://broken.example.com\n');
    const bad = await renew({ out });
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('is a URL');
  });

  it('refuses without a usable CA: no key, an encrypted key, a key of another CA, a missing directory', async () => {
    const out = await freshSet();
    const crt = readFileSync(join(out, 'tls.crt'));
    const other = await freshSet();

    const missingDir = await renew({ out: join(out, 'nope') });
    expect(missingDir.code).toBe(2);
    expect(missingDir.err).toContain('no such directory');

    const caKey = readFileSync(join(out, 'ca.key'));
    writeFileSync(join(out, 'ca.key'), readFileSync(join(other, 'ca.key')));
    const mismatch = await renew({ out });
    expect(mismatch.code).toBe(2);
    expect(mismatch.err).toContain('is not the key of');

    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(
      join(out, 'ca.key'),
      privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret-pass' }),
    );
    const encrypted = await renew({ out });
    expect(encrypted.code).toBe(2);
    expect(encrypted.err).toContain('encrypted');

    rmSync(join(out, 'ca.key'));
    const missing = await renew({ out });
    expect(missing.code).toBe(2);
    expect(missing.err).toContain(`${join(out, 'ca.key')}: no such file`);

    writeFileSync(join(out, 'ca.key'), caKey, { mode: 0o600 });
    writeFileSync(join(out, 'ca.crt'), 'garbage\n');
    const garbage = await renew({ out });
    expect(garbage.code).toBe(2);
    expect(garbage.err).toContain('ca.crt holds no PEM block');
    // Nothing was touched by the refusals.
    expect(readFileSync(join(out, 'tls.crt'))).toEqual(crt);
    expect(existsSync(join(out, 'tls.crt.bak'))).toBe(false);
  });

  it("stops at the CA's end: capped with a warning when near, refused when expired", async () => {
    const near = await freshSet({ now: new Date(Date.now() - (1825 - 10) * DAY) });
    const caEnd = Date.parse(cert(join(near, 'ca.crt')).validTo);
    const r = await renew({ out: near });
    expect(r.code).toBe(0);
    expect(r.err).toContain('so the server certificate ends then too');
    expect(Date.parse(cert(join(near, 'tls.crt')).validTo)).toBe(caEnd);

    const expired = await freshSet({ now: new Date(Date.now() - 1900 * DAY) });
    const e = await renew({ out: expired });
    expect(e.code).toBe(2);
    expect(e.err).toMatch(/ca\.crt expired on \d{4}-\d{2}-\d{2}/);
  });

  it.skipIf(opensslGate.skip)("renews a set made by openssl with the vendor's recipe, keeping its RSA key size", () => {
    opensslGate.assert();
    return (async () => {
      const dir = deploymentWithoutCerts();
      const data = join(dir, 'data');
      execFileSync('bash', [SCRIPT, data, DOMAIN, 'healthy'], {
        env: { ...process.env, SERVER_KEY_TYPE: 'rsa2048' },
        stdio: 'ignore',
      });
      const caBefore = readFileSync(join(data, 'ca.crt'));
      const r = await renew({ out: data });
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toContain('new RSA 2048 bits key');
      expect(readFileSync(join(data, 'ca.crt'))).toEqual(caBefore);
      expect(cert(join(data, 'tls.crt')).publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
      expect(
        openssl([
          'verify',
          '-x509_strict',
          '-purpose',
          'sslserver',
          '-CAfile',
          join(data, 'ca.crt'),
          join(data, 'tls.crt'),
        ]).status,
      ).toBe(0);
      expect(openssl(['x509', '-in', join(data, 'tls.crt'), '-noout', '-ext', 'keyUsage']).stdout).toMatch(
        /critical\s+Digital Signature, Key Encipherment/,
      );
      expect(openssl(['rsa', '-in', join(data, 'tls.key'), '-check', '-noout']).stdout).toContain('RSA key ok');
      for (const x of tlsResults(dir)) expect({ id: x.id, status: x.status }).toEqual({ id: x.id, status: 'pass' });
    })();
  });
});
