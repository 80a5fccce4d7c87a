import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertificateFileFacts, FileFact } from '../../src/core/facts.js';
import { readCertificateFile } from '../../src/probes/certificate-file.js';
import { CHECKED_IN, DOMAIN, makeCertSet } from '../harness/tls-fixtures.js';
import { first } from '../helpers/present.js';

let dir: string;
let healthy: string; // data/ of a healthy set
let caPem: string;
let tlsPem: string;

const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
const put = (name: string, content: string | Buffer) => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};
function okValue(fact: FileFact<CertificateFileFacts>): CertificateFileFacts {
  if (fact.state !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(fact)}`);
  return fact.value;
}
function problemOf(fact: FileFact<CertificateFileFacts>): string {
  if (fact.state !== 'invalid' && fact.state !== 'unreadable')
    throw new Error(`expected invalid/unreadable, got ${fact.state}`);
  return fact.problem;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cert-probe-'));
  healthy = join(makeCertSet('healthy'), 'data');
  caPem = readFileSync(join(healthy, 'ca.crt'), 'utf8');
  tlsPem = readFileSync(join(healthy, 'tls.crt'), 'utf8');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readCertificateFile: files that cannot be read', () => {
  it('missing file -> missing, carrying explicit', () => {
    expect(readCertificateFile(join(dir, 'nope.crt'), false)).toEqual({
      state: 'missing',
      path: join(dir, 'nope.crt'),
      explicit: false,
    });
    expect(readCertificateFile(join(dir, 'nope.crt'), true)).toMatchObject({ state: 'missing', explicit: true });
  });
  it('a directory -> unreadable', () => {
    mkdirSync(join(dir, 'ca.crt.d'));
    expect(problemOf(readCertificateFile(join(dir, 'ca.crt.d'), false))).toMatch(/directory/);
  });
  it('a file over 1 MiB -> unreadable, too large', () => {
    const p = put('huge.crt', caPem + 'x'.repeat(1024 * 1024 + 10));
    const fact = readCertificateFile(p, false);
    expect(fact.state).toBe('unreadable');
    expect(problemOf(fact)).toMatch(/too large/);
  });
});

describe('readCertificateFile: bad content -> invalid with a clear problem', () => {
  it('empty and whitespace-only files', () => {
    expect(problemOf(readCertificateFile(put('empty.crt', ''), false))).toBe('is empty');
    expect(problemOf(readCertificateFile(put('blank.crt', '\n  \r\n'), false))).toBe('is empty');
  });
  it('binary junk', () => {
    const fact = readCertificateFile(put('junk.bin', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3, 255])), false);
    expect(fact.state).toBe('invalid');
    expect(problemOf(fact)).toMatch(/binary data that is neither PEM nor a DER certificate/);
  });
  it('binary that starts like DER but is not a certificate', () => {
    const fact = readCertificateFile(put('junk.der', Buffer.from([0x30, 0x82, 0x01, 0x00, 1, 2, 3])), false);
    expect(problemOf(fact)).toMatch(/does not parse as a DER certificate/);
  });
  it('text without any PEM block', () => {
    expect(problemOf(readCertificateFile(put('text.crt', 'paste the certificate here\n'), false))).toMatch(
      /no PEM block/,
    );
  });
  it('UTF-16 text', () => {
    const p = put('utf16.crt', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(caPem, 'utf16le')]));
    expect(problemOf(readCertificateFile(p, false))).toMatch(/UTF-16/);
  });
  it('a truncated PEM block (no END line)', () => {
    const p = put('truncated.crt', caPem.slice(0, Math.floor(caPem.length / 2)));
    const problem = problemOf(readCertificateFile(p, false));
    expect(problem).toMatch(/no "-----END CERTIFICATE-----" line/);
  });
  it('a block with corrupt base64', () => {
    const lines = caPem.split('\n');
    lines[2] = lines[2]?.slice(0, 10) + '!!%%' + lines[2]?.slice(14);
    expect(problemOf(readCertificateFile(put('corrupt.crt', lines.join('\n')), false))).toMatch(/not valid base64/);
  });
  it('valid base64 that is not a certificate', () => {
    const body = Buffer.from('hello, this is not DER at all').toString('base64');
    const p = put('notcert.crt', `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`);
    expect(problemOf(readCertificateFile(p, false))).toMatch(/does not parse as an X\.509 certificate/);
  });
  it('a PEM block that is not a certificate (a public key)', () => {
    const pub = openssl('pkey', '-in', join(healthy, 'tls.key'), '-pubout').toString();
    expect(problemOf(readCertificateFile(put('pub.crt', pub), false))).toMatch(
      /no CERTIFICATE block \(its PEM blocks: PUBLIC KEY\)/,
    );
  });
});

describe('readCertificateFile: private keys in the certificate file', () => {
  it('a PEM private key alone: ok, no certificates, containsPrivateKey, no key bytes kept', () => {
    const keyPem = readFileSync(join(healthy, 'tls.key'), 'utf8');
    const v = okValue(readCertificateFile(put('key-as-cert.crt', keyPem), false));
    expect(v.certificates).toEqual([]);
    expect(v.containsPrivateKey).toBe(true);
    expect(v.pemLabels).toEqual(['PRIVATE KEY']);
    const body = keyPem.split('\n').slice(1, -2).join('');
    expect(JSON.stringify(v)).not.toContain(body.slice(0, 40));
  });
  it('a certificate followed by its key: the certificate parses, the key is flagged', () => {
    const keyPem = readFileSync(join(healthy, 'tls.key'), 'utf8');
    const v = okValue(readCertificateFile(put('combined.pem', tlsPem + keyPem), false));
    expect(v.certificates).toHaveLength(1);
    expect(v.containsPrivateKey).toBe(true);
    expect(v.pemLabels).toEqual(['CERTIFICATE', 'PRIVATE KEY']);
  });
  it('a DER private key', () => {
    const der = openssl('pkey', '-in', join(healthy, 'tls.key'), '-outform', 'DER');
    const v = okValue(readCertificateFile(put('key.der', der), false));
    expect(v.encoding).toBe('der');
    expect(v.certificates).toEqual([]);
    expect(v.containsPrivateKey).toBe(true);
  });
});

describe('readCertificateFile: encodings and layouts that must work', () => {
  it('reads the healthy CA: extensions, key, signature, fingerprints', () => {
    const v = okValue(readCertificateFile(join(healthy, 'ca.crt'), false));
    expect(v.encoding).toBe('pem');
    expect(v.sizeBytes).toBe(Buffer.byteLength(caPem));
    expect(v.unparsable).toEqual([]);
    const ca = first(v.certificates);
    const x = new X509Certificate(caPem);
    expect(ca.subject).toBe('CN=MCP Tunnel CA');
    expect(ca.selfSigned).toBe(true);
    expect(ca.basicConstraints).toEqual({ critical: true, ca: true, pathLength: null });
    expect(ca.keyUsage).toEqual({ critical: true, usages: ['keyCertSign', 'cRLSign'] });
    expect(ca.subjectKeyId).toMatch(/^[0-9a-f]{40}$/);
    expect(ca.publicKey).toEqual({ type: 'ec', bits: null, curve: 'P-256' });
    expect(ca.signatureAlgorithm).toEqual({ oid: '1.2.840.10045.4.3.2', name: 'ecdsa-with-SHA256', hash: 'sha256' });
    expect(ca.fingerprint256).toBe(x.fingerprint256.replace(/:/g, '').toLowerCase());
    expect(ca.notAfter).toBe(new Date(x.validTo).toISOString());
    expect(ca.spkiSha256).toBe(
      createHash('sha256')
        .update(x.publicKey.export({ type: 'spki', format: 'der' }))
        .digest('hex'),
    );
    expect(Buffer.from(ca.derBase64, 'base64').equals(x.raw)).toBe(true);
  });
  it('reads the server certificate: SAN, AKI = CA SKI, EKU, KeyUsage', () => {
    const ca = first(okValue(readCertificateFile(join(healthy, 'ca.crt'), false)).certificates);
    const c = first(okValue(readCertificateFile(join(healthy, 'tls.crt'), false)).certificates);
    expect(c.sanDns).toEqual([`*.${DOMAIN}`]);
    expect(c.authorityKeyId).toBe(ca.subjectKeyId);
    expect(c.extKeyUsage).toEqual(['serverAuth']);
    expect(c.keyUsage).toEqual({ critical: false, usages: ['digitalSignature', 'keyEncipherment'] });
    expect(c.basicConstraints).toEqual({ critical: false, ca: false, pathLength: null });
    expect(c.issuer).toBe('CN=MCP Tunnel CA');
    expect(c.selfSigned).toBe(false);
  });
  it('DER', () => {
    const der = join(makeCertSet('der-ca'), 'data', 'ca.crt');
    const v = okValue(readCertificateFile(der, false));
    expect(v.encoding).toBe('der');
    expect(v.pemLabels).toEqual([]);
    expect(v.certificates[0]?.subject).toBe('CN=MCP Tunnel CA');
  });
  it('CRLF line ends and a UTF-8 byte-order mark', () => {
    const p = put(
      'crlf.crt',
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(caPem.replace(/\n/g, '\r\n'))]),
    );
    const v = okValue(readCertificateFile(p, false));
    expect(v.certificates).toHaveLength(1);
    expect(v.unparsable).toEqual([]);
  });
  it('text around the block (openssl x509 -text output)', () => {
    const text = openssl('x509', '-in', join(healthy, 'ca.crt'), '-text').toString();
    const v = okValue(
      readCertificateFile(put('text-around.crt', `Issued for the tunnel:\n${text}\n-- end --\n`), false),
    );
    expect(v.certificates.map((c) => c.subject)).toEqual(['CN=MCP Tunnel CA']);
    expect(v.sizeBytes).toBeGreaterThan(Buffer.byteLength(caPem));
  });
  it('several PEM blocks: a bundle, in order', () => {
    const v = okValue(readCertificateFile(join(makeCertSet('intermediate'), 'data', 'tls.crt'), false));
    expect(v.pemLabels).toEqual(['CERTIFICATE', 'CERTIFICATE']);
    expect(v.certificates.map((c) => c.subject)).toEqual([`CN=*.${DOMAIN}`, 'CN=MCP Tunnel Intermediate CA']);
    expect(v.certificates[1]?.basicConstraints).toEqual({ critical: true, ca: true, pathLength: 0 });
  });
  it('a bundle whose second block is truncated keeps the first and names the second', () => {
    const v = okValue(readCertificateFile(put('half-bundle.crt', tlsPem + caPem.slice(0, 120)), false));
    expect(v.certificates).toHaveLength(1);
    expect(v.unparsable).toHaveLength(1);
    expect(v.unparsable[0]).toMatch(/block 2 \(CERTIFICATE\) has no "-----END CERTIFICATE-----" line/);
  });
  it('no SKI, no AKI, SHA-1, RSA 1024, Ed25519, clientAuth are read as they are', () => {
    const read = (variant: string, file: string) =>
      first(okValue(readCertificateFile(join(makeCertSet(variant), 'data', file), false)).certificates);
    expect(read('ca-no-ski', 'ca.crt').subjectKeyId).toBeNull();
    expect(read('no-aki', 'tls.crt').authorityKeyId).toBeNull();
    expect(read('sha1', 'tls.crt').signatureAlgorithm).toMatchObject({ name: 'ecdsa-with-SHA1', hash: 'sha1' });
    expect(read('rsa1024-ca', 'ca.crt').publicKey).toEqual({ type: 'rsa', bits: 1024, curve: null });
    expect(read('ed25519-ca', 'ca.crt').publicKey.type).toBe('ed25519');
    expect(read('ed25519-ca', 'ca.crt').signatureAlgorithm).toMatchObject({ name: 'Ed25519', hash: null });
    expect(read('eku-clientauth', 'tls.crt').extKeyUsage).toEqual(['clientAuth']);
    expect(read('ca-not-critical', 'ca.crt').basicConstraints).toEqual({ critical: false, ca: true, pathLength: null });
  });
  it('an RSA-PSS signature names its hash from the parameters', () => {
    const key = join(dir, 'pss.key');
    openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', key);
    const crt = join(dir, 'pss.crt');
    openssl(
      'req',
      '-x509',
      '-new',
      '-key',
      key,
      '-sha384',
      '-sigopt',
      'rsa_padding_mode:pss',
      '-subj',
      '/CN=pss',
      '-days',
      '2',
      '-out',
      crt,
    );
    const c = first(okValue(readCertificateFile(crt, false)).certificates);
    expect(c.signatureAlgorithm).toEqual({ oid: '1.2.840.113549.1.1.10', name: 'rsassaPss', hash: 'sha384' });
    expect(c.publicKey).toEqual({ type: 'rsa', bits: 2048, curve: null });
  });
  it('the checked-in healthy set reads cleanly (RSA 4096 server key, P-256 CA)', () => {
    const ca = okValue(readCertificateFile(join(CHECKED_IN, 'ca.crt'), false));
    const tls = okValue(readCertificateFile(join(CHECKED_IN, 'tls.crt'), false));
    expect(ca.certificates[0]?.publicKey.curve).toBe('P-256');
    expect(tls.certificates[0]?.publicKey).toEqual({ type: 'rsa', bits: 4096, curve: null });
    expect(tls.certificates[0]?.sanDns).toEqual([`*.${DOMAIN}`]);
    expect(Date.parse(first(tls.certificates).notAfter)).toBeGreaterThan(Date.parse('2036-01-01T00:00:00Z'));
  });
});
