import { X509Certificate } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHECKS } from '../../checks/index.js';
import { runChecks } from '../../src/core/runner.js';
import { redact } from '../../src/redaction/redact.js';
import { certsInit } from '../../src/commands/certs.js';
import { gatherStaticFacts } from '../../src/probes/deployment.js';
import { captureIO, deploymentWithoutCerts, DOMAIN, HEALTHY, openssl, opensslGate, tempDir } from './helpers.js';

const mode = (p: string) => statSync(p).mode & 0o777;
const doctor = (dir: string) =>
  runChecks(
    CHECKS,
    gatherStaticFacts({ dir, dirExplicit: true, values: [], offline: true, env: {}, now: new Date() }),
    { only: [], skip: [] },
  );

async function initInto(out: string, extra: Record<string, unknown> = {}) {
  const io = captureIO();
  const code = await certsInit({ tunnelDomain: DOMAIN, out, ...extra }, io);
  return { code, ...io };
}

describe('certs init', () => {
  it('writes the CA, the server key and certificate, and tunnel-domain, with the right modes', async () => {
    const out = join(tempDir(), 'data');
    const r = await initInto(out);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(mode(join(out, 'ca.key'))).toBe(0o600);
    expect(mode(join(out, 'tls.key'))).toBe(0o644);
    for (const f of ['ca.crt', 'tls.crt', 'tunnel-domain']) expect(mode(join(out, f)), f).toBe(0o644);
    expect(readFileSync(join(out, 'tunnel-domain'), 'utf8')).toBe(`${DOMAIN}\n`);
    for (const f of ['ca.key', 'tls.key']) {
      const pem = readFileSync(join(out, f), 'utf8');
      expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
      expect(pem.split('\n').every((l) => l.length <= 64)).toBe(true);
    }
    const crt = readFileSync(join(out, 'tls.crt'), 'utf8');
    const body = crt.split('\n').slice(1, -2);
    expect(body.slice(0, -1).every((l) => l.length === 64)).toBe(true);
    // The summary names the CA's fingerprint (what the platform shows) and never a key.
    const ca = new X509Certificate(readFileSync(join(out, 'ca.crt')));
    expect(r.out).toContain(ca.fingerprint256.replace(/:/g, '').toLowerCase());
    expect(r.out).not.toContain('PRIVATE KEY-----');
    expect(r.out).toContain('certs renew');
    // The CLI passes all output through the redactor: nothing in it looks like a secret.
    expect(redact(r.out)).toBe(r.out);
    // No temporary files are left behind.
    expect(readdirSync(out).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('makes certificates with the profile the rules ask for (read back with node:crypto)', async () => {
    const out = tempDir();
    expect((await initInto(out)).code).toBe(0);
    const ca = new X509Certificate(readFileSync(join(out, 'ca.crt')));
    const leaf = new X509Certificate(readFileSync(join(out, 'tls.crt')));
    expect(ca.ca).toBe(true);
    expect(ca.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(leaf.ca).toBe(false);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.subjectAltName).toBe(`DNS:*.${DOMAIN}`);
    expect(leaf.checkHost(`wiki.${DOMAIN}`)).toBe(`*.${DOMAIN}`);
    expect(leaf.checkHost(`a.wiki.${DOMAIN}`)).toBeUndefined();
    expect(leaf.checkHost(DOMAIN)).toBeUndefined();
    const days = (c: X509Certificate) => (Date.parse(c.validTo) - Date.now()) / 86_400_000;
    expect(days(leaf)).toBeGreaterThan(89.9);
    expect(days(leaf)).toBeLessThan(90.1);
    expect(days(ca)).toBeGreaterThan(1824.9);
    expect(Date.parse(leaf.validFrom)).toBeLessThanOrEqual(Date.now());
    // Serial numbers: 16 random bytes, positive, different each time.
    expect(leaf.serialNumber).not.toBe(ca.serialNumber);
    expect(leaf.serialNumber.length).toBeGreaterThanOrEqual(30);
    expect(parseInt(leaf.serialNumber.charAt(0), 16)).toBeLessThan(8);
  });

  it('passes every static TLS check of the doctor, and changes nothing else in the verdicts', async () => {
    const baseline = doctor(HEALTHY);
    const dir = deploymentWithoutCerts();
    const before = doctor(dir);
    expect(before.find((r) => r.id === 'ca-certificate')!.status).toBe('fail'); // the copy really lost its certificates
    const r = await initInto(join(dir, 'data'));
    expect(r.code).toBe(0);
    expect(r.out).not.toContain('tunnel-domain  0644'); // the existing, equal tunnel-domain is left alone
    const results = doctor(dir);
    const tls = results.filter((x) => x.layer === 'tls');
    expect(tls.length).toBeGreaterThanOrEqual(6);
    for (const x of tls) {
      const base = baseline.find((b) => b.id === x.id)!;
      if (base.status === 'skip')
        expect(x.status, `${x.id}: ${x.reason}`).toBe('skip'); // live checks, offline
      else
        expect({ id: x.id, status: x.status, findings: x.findings.filter((f) => f.severity !== 'info') }).toEqual({
          id: x.id,
          status: 'pass',
          findings: [],
        });
    }
    for (const id of [
      'ca-certificate',
      'ca-registration',
      'server-certificate',
      'certificate-san',
      'certificate-expiry',
      'private-key',
    ]) {
      expect(results.find((x) => x.id === id)!.status, id).toBe('pass');
    }
    expect(results.map((x) => [x.id, x.status])).toEqual(baseline.map((x) => [x.id, x.status]));
  });

  it.skipIf(opensslGate.skip)('openssl agrees: chain, extensions with their criticality, keys, host name', async () => {
    opensslGate.assert();
    const out = tempDir();
    expect((await initInto(out)).code).toBe(0);
    const f = (n: string) => join(out, n);

    const verify = openssl(['verify', '-x509_strict', '-purpose', 'sslserver', '-CAfile', f('ca.crt'), f('tls.crt')]);
    expect(verify.stdout + verify.stderr).toContain(': OK');
    expect(verify.status).toBe(0);

    const ca = openssl([
      'x509',
      '-in',
      f('ca.crt'),
      '-noout',
      '-ext',
      'basicConstraints,keyUsage,subjectKeyIdentifier',
    ]);
    expect(ca.status).toBe(0);
    expect(ca.stdout).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(ca.stdout).toMatch(/X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign\n/);
    const ski = /X509v3 Subject Key Identifier:\s*\n\s+([0-9A-F:]+)/.exec(ca.stdout)?.[1];
    expect(ski).toMatch(/^([0-9A-F]{2}:){19}[0-9A-F]{2}$/);

    const leaf = openssl([
      'x509',
      '-in',
      f('tls.crt'),
      '-noout',
      '-ext',
      'subjectAltName,authorityKeyIdentifier,extendedKeyUsage,basicConstraints,keyUsage',
    ]);
    expect(leaf.status).toBe(0);
    expect(leaf.stdout).toMatch(
      new RegExp(`X509v3 Subject Alternative Name: \\n\\s+DNS:\\*\\.${DOMAIN.replace(/\./g, '\\.')}\\n`),
    );
    expect(leaf.stdout).toMatch(/X509v3 Extended Key Usage: \n\s+TLS Web Server Authentication\n/);
    expect(leaf.stdout).toMatch(/X509v3 Basic Constraints: \n\s+CA:FALSE/);
    expect(leaf.stdout).toMatch(/X509v3 Key Usage: critical\s+Digital Signature\n/);
    const aki = /X509v3 Authority Key Identifier: \n\s+(?:keyid:)?([0-9A-F:]+)/.exec(leaf.stdout)?.[1];
    expect(aki).toBe(ski);

    // The full text parses, with the algorithms and the subject the recipe would give.
    const text = openssl(['x509', '-in', f('tls.crt'), '-noout', '-text']).stdout;
    expect(text).toContain('Signature Algorithm: ecdsa-with-SHA256');
    expect(text).toContain(`Subject: CN = *.${DOMAIN}`);
    expect(text).toContain('Issuer: CN = MCP Tunnel CA');
    expect(text).toContain('Version: 3 (0x2)');
    expect(text).toContain('NIST CURVE: P-256');

    for (const k of ['ca.key', 'tls.key']) {
      const ec = openssl(['ec', '-in', f(k), '-check', '-noout']);
      expect(ec.stderr + ec.stdout, k).toContain('EC Key valid');
      expect(ec.status, k).toBe(0);
    }
    // Each key belongs to its certificate.
    const pub = (args: string[]) => openssl(args).stdout;
    expect(pub(['pkey', '-in', f('tls.key'), '-pubout'])).toBe(pub(['x509', '-in', f('tls.crt'), '-noout', '-pubkey']));
    expect(pub(['pkey', '-in', f('ca.key'), '-pubout'])).toBe(pub(['x509', '-in', f('ca.crt'), '-noout', '-pubkey']));

    expect(openssl(['x509', '-in', f('tls.crt'), '-noout', '-checkhost', `a.${DOMAIN}`]).stdout).toContain(
      'does match certificate',
    );
    expect(openssl(['x509', '-in', f('tls.crt'), '-noout', '-checkhost', `a.b.${DOMAIN}`]).stdout).toContain(
      'does NOT match certificate',
    );
    expect(openssl(['x509', '-in', f('tls.crt'), '-noout', '-checkhost', DOMAIN]).stdout).toContain(
      'does NOT match certificate',
    );
    // The DER round-trips through openssl unchanged (it re-encodes nothing).
    const der = openssl(['x509', '-in', f('tls.crt'), '-outform', 'PEM']).stdout;
    expect(der).toBe(readFileSync(f('tls.crt'), 'utf8'));
    // asn1parse walks the whole structure strictly.
    expect(openssl(['asn1parse', '-in', f('ca.crt'), '-strictpem']).status).toBe(0);
  });

  it('refuses to replace an existing key, naming it, and writes nothing', async () => {
    for (const key of ['ca.key', 'tls.key']) {
      const out = tempDir();
      writeFileSync(join(out, key), 'a key that must survive\n', { mode: 0o600 });
      for (const force of [false, true]) {
        const r = await initInto(out, { force });
        expect(r.code).toBe(2);
        expect(r.err).toContain(`${join(out, key)} already exists`);
        expect(r.err).toContain('never replaces a private key');
        expect(r.err).toContain(`certs renew --out ${out}`);
        expect(r.out).toBe('');
      }
      expect(readFileSync(join(out, key), 'utf8')).toBe('a key that must survive\n');
      for (const f of ['ca.crt', 'tls.crt', 'tunnel-domain', key === 'ca.key' ? 'tls.key' : 'ca.key'])
        expect(existsSync(join(out, f)), f).toBe(false);
    }
  });

  it('a second init over its own output is refused', async () => {
    const out = tempDir();
    expect((await initInto(out)).code).toBe(0);
    const key = readFileSync(join(out, 'ca.key'));
    const r = await initInto(out, { force: true });
    expect(r.code).toBe(2);
    expect(readFileSync(join(out, 'ca.key'))).toEqual(key);
  });

  it('replaces stray certificates and a different tunnel-domain only with --force, keeping .bak copies', async () => {
    const out = tempDir();
    writeFileSync(join(out, 'ca.crt'), 'old ca\n');
    writeFileSync(join(out, 'tunnel-domain'), 'old.tunnel.example.com\n');
    const refused = await initInto(out);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain(`${join(out, 'ca.crt')} already exists`);
    expect(refused.err).toContain('--force');
    const ok = await initInto(out, { force: true });
    expect(ok.code).toBe(0);
    expect(readFileSync(join(out, 'ca.crt.bak'), 'utf8')).toBe('old ca\n');
    expect(readFileSync(join(out, 'tunnel-domain.bak'), 'utf8')).toBe('old.tunnel.example.com\n');
    expect(readFileSync(join(out, 'tunnel-domain'), 'utf8')).toBe(`${DOMAIN}\n`);

    const other = tempDir();
    writeFileSync(join(other, 'tunnel-domain'), 'zzzz.tunnel.example.com\n');
    const mismatch = await initInto(other);
    expect(mismatch.code).toBe(2);
    expect(mismatch.err).toContain('says zzzz.tunnel.example.com, not abcd1234.tunnel.example.com');
  });

  it('validates the tunnel domain', async () => {
    const cases: [string, RegExp][] = [
      ['https://abcd1234.tunnel.example.com', /is a URL; give the bare domain \(abcd1234\.tunnel\.example\.com\)/],
      ['*.abcd1234.tunnel.example.com', /is a wildcard/],
      ['localhost', /single label/],
      ['abcd1234..example.com', /empty label/],
      ['abcd1234.tunnel.example.com:443', /has a port/],
      ['abc_d.example.com', /not a valid hostname/],
      ['-abc.example.com', /not a valid hostname/],
      ['10.0.0.1', /IP address/],
      ['', /empty/],
      ['a.b/c', /path/],
    ];
    for (const [domain, message] of cases) {
      const out = tempDir();
      const io = captureIO();
      expect(await certsInit({ tunnelDomain: domain, out }, io), domain).toBe(2);
      expect(io.err, domain).toMatch(message);
      expect(existsSync(join(out, 'ca.key')), domain).toBe(false);
    }
    // Case and a trailing dot are normalized.
    const out = tempDir();
    expect(await certsInit({ tunnelDomain: ' ABCD1234.Tunnel.Example.COM. ', out }, captureIO())).toBe(0);
    expect(readFileSync(join(out, 'tunnel-domain'), 'utf8')).toBe(`${DOMAIN}\n`);
  });

  it('refuses bad --days and --key-type, and an out path that is a file', async () => {
    const out = tempDir();
    for (const extra of [{ days: 0 }, { days: 826 }, { days: 1.5 }, { days: Number.NaN }, { keyType: 'dsa' }]) {
      const r = await initInto(out, extra);
      expect(r.code, JSON.stringify(extra)).toBe(2);
    }
    writeFileSync(join(out, 'afile'), 'x');
    const r = await initInto(join(out, 'afile'));
    expect(r.code).toBe(2);
    expect(r.err).toContain('not a directory');
  });

  it('makes an RSA 4096 server key with keyEncipherment on request, and a long domain gets an empty subject with a critical SAN', async () => {
    const out = tempDir();
    expect((await initInto(out, { keyType: 'rsa', days: 30 })).code).toBe(0);
    const leaf = new X509Certificate(readFileSync(join(out, 'tls.crt')));
    expect(leaf.publicKey.asymmetricKeyDetails?.modulusLength).toBe(4096);
    expect(mode(join(out, 'tls.key'))).toBe(0o644);
    if (!opensslGate.skip) {
      expect(openssl(['x509', '-in', join(out, 'tls.crt'), '-noout', '-ext', 'keyUsage']).stdout).toMatch(
        /critical\s+Digital Signature, Key Encipherment/,
      );
      expect(openssl(['rsa', '-in', join(out, 'tls.key'), '-check', '-noout']).stdout).toContain('RSA key ok');
    }

    const long = `${'a'.repeat(40)}.${'b'.repeat(30)}.example.com`;
    const out2 = tempDir();
    expect(await certsInit({ tunnelDomain: long, out: out2 }, captureIO())).toBe(0);
    const leaf2 = new X509Certificate(readFileSync(join(out2, 'tls.crt')));
    expect(leaf2.subject ?? '').toBe('');
    expect(leaf2.checkHost(`x.${long}`)).toBe(`*.${long}`);
    if (!opensslGate.skip) {
      expect(openssl(['x509', '-in', join(out2, 'tls.crt'), '-noout', '-ext', 'subjectAltName']).stdout).toContain(
        'Subject Alternative Name: critical',
      );
      expect(openssl(['verify', '-CAfile', join(out2, 'ca.crt'), join(out2, 'tls.crt')]).status).toBe(0);
    }
  });
});
