import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileFact, PrivateKeyFacts } from '../../src/core/facts.js';
import { readCertificateFile } from '../../src/probes/certificate-file.js';
import { readPrivateKeyFile, statPrivateKeyFile } from '../../src/probes/private-key-file.js';
import { CHECKED_IN, makeCertSet } from '../harness/tls-fixtures.js';
import { present } from '../helpers/present.js';

let dir: string;
let ecKey: string; // PKCS#8 PEM, P-256
let rsaKey: string; // PKCS#8 PEM, RSA 2048
let ecSpki: string; // SPKI hash of tls.crt of the healthy set

const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
const put = (name: string, content: string | Buffer) => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};
function okValue(fact: FileFact<PrivateKeyFacts>): PrivateKeyFacts {
  if (fact.state !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(fact)}`);
  return fact.value;
}
function problemOf(fact: FileFact<PrivateKeyFacts>): string {
  if (fact.state !== 'invalid' && fact.state !== 'unreadable')
    throw new Error(`expected invalid/unreadable, got ${fact.state}`);
  return fact.problem;
}
/** The base64 body of a PEM file, to prove no key material reached the facts. */
const bodyOf = (pem: string) =>
  pem
    .split(/\r?\n/)
    .filter((l) => l && !l.startsWith('-----') && !l.includes(':'))
    .join('');

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'key-probe-'));
  const data = join(makeCertSet('healthy'), 'data');
  ecKey = join(data, 'tls.key');
  const cert = readCertificateFile(join(data, 'tls.crt'), false);
  if (cert.state !== 'ok') throw new Error('healthy tls.crt did not read');
  ecSpki = present(cert.value.certificates[0]).spkiSha256;
  rsaKey = join(dir, 'rsa.key');
  openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', rsaKey);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readPrivateKeyFile: keys that parse', () => {
  it("PKCS#8 EC key: public half equals the certificate's; mode and owner from stat", () => {
    chmodSync(ecKey, 0o640);
    const v = okValue(readPrivateKeyFile(ecKey, false));
    expect(v).toMatchObject({
      encoding: 'pem',
      pemLabels: ['PRIVATE KEY'],
      encrypted: false,
      parseError: null,
      publicKey: { type: 'ec', bits: null, curve: 'P-256' },
      mode: 0o640,
    });
    expect(v.spkiSha256).toBe(ecSpki);
    expect(typeof v.uid).toBe('number');
    expect(JSON.stringify(v)).not.toContain(bodyOf(readFileSync(ecKey, 'utf8')).slice(0, 32));
    chmodSync(ecKey, 0o644);
  });
  it('PKCS#8 RSA key', () => {
    expect(okValue(readPrivateKeyFile(rsaKey, false)).publicKey).toEqual({ type: 'rsa', bits: 2048, curve: null });
  });
  it('PKCS#1 ("RSA PRIVATE KEY") and SEC1 ("EC PRIVATE KEY" after "EC PARAMETERS")', () => {
    const pkcs1 = put('pkcs1.key', openssl('rsa', '-in', rsaKey, '-traditional'));
    expect(okValue(readPrivateKeyFile(pkcs1, false))).toMatchObject({
      pemLabels: ['RSA PRIVATE KEY'],
      publicKey: { type: 'rsa', bits: 2048 },
    });
    const sec1 = put('sec1.key', openssl('ecparam', '-name', 'secp384r1', '-genkey'));
    const v = okValue(readPrivateKeyFile(sec1, false));
    expect(v.pemLabels).toEqual(['EC PARAMETERS', 'EC PRIVATE KEY']);
    expect(v.publicKey).toEqual({ type: 'ec', bits: null, curve: 'P-384' });
  });
  it('DER keys (PKCS#8, PKCS#1, SEC1)', () => {
    const p8 = okValue(readPrivateKeyFile(put('p8.der', openssl('pkey', '-in', ecKey, '-outform', 'DER')), false));
    expect(p8).toMatchObject({ encoding: 'der', pemLabels: [], encrypted: false, spkiSha256: ecSpki });
    const p1 = okValue(
      readPrivateKeyFile(put('p1.der', openssl('rsa', '-in', rsaKey, '-traditional', '-outform', 'DER')), false),
    );
    expect(p1.publicKey?.type).toBe('rsa');
    const s1 = okValue(readPrivateKeyFile(put('sec1.der', openssl('ec', '-in', ecKey, '-outform', 'DER')), false));
    expect(s1.spkiSha256).toBe(ecSpki);
  });
  it('CRLF line ends and a byte-order mark', () => {
    const pem = readFileSync(ecKey, 'utf8').replace(/\n/g, '\r\n');
    const v = okValue(
      readPrivateKeyFile(put('crlf.key', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(pem)])), false),
    );
    expect(v.spkiSha256).toBe(ecSpki);
  });
  it('a file holding the certificate and then the key (Go takes the key block)', () => {
    const cert = readFileSync(join(makeCertSet('healthy'), 'data', 'tls.crt'), 'utf8');
    const v = okValue(readPrivateKeyFile(put('combined.pem', cert + readFileSync(ecKey, 'utf8')), false));
    expect(v.pemLabels).toEqual(['CERTIFICATE', 'PRIVATE KEY']);
    expect(v.spkiSha256).toBe(ecSpki);
  });
  it('the checked-in healthy key is RSA 4096, matches its certificate, and its mode is read', () => {
    // Git keeps no 0644 vs 0664 (a checkout under umask 002 has 0664): the mode is set here, on a copy.
    const key = put('checked-in-tls.key', readFileSync(join(CHECKED_IN, 'tls.key')));
    chmodSync(key, 0o644);
    const v = okValue(readPrivateKeyFile(key, false));
    const cert = readCertificateFile(join(CHECKED_IN, 'tls.crt'), false);
    expect(v.publicKey).toEqual({ type: 'rsa', bits: 4096, curve: null });
    expect(v.mode & 0o777).toBe(0o644);
    expect(cert.state === 'ok' && cert.value.certificates[0]?.spkiSha256).toBe(v.spkiSha256);
  });
});

describe('readPrivateKeyFile: encrypted keys are detected without a passphrase', () => {
  it('PKCS#8 "ENCRYPTED PRIVATE KEY" (the script\'s encrypted-key variant)', () => {
    const v = okValue(readPrivateKeyFile(join(makeCertSet('encrypted-key'), 'data', 'tls.key'), false));
    expect(v).toMatchObject({
      encrypted: true,
      parseError: null,
      publicKey: null,
      spkiSha256: null,
      pemLabels: ['ENCRYPTED PRIVATE KEY'],
    });
  });
  it('traditional RSA and EC keys with "Proc-Type: 4,ENCRYPTED"', () => {
    const rsa = put(
      'rsa-trad.enc',
      openssl('rsa', '-in', rsaKey, '-traditional', '-aes256', '-passout', 'pass:secret'),
    );
    expect(readFileSync(rsa, 'utf8')).toContain('Proc-Type: 4,ENCRYPTED');
    expect(okValue(readPrivateKeyFile(rsa, false))).toMatchObject({ encrypted: true, pemLabels: ['RSA PRIVATE KEY'] });
    const ec = put('ec-trad.enc', openssl('ec', '-in', ecKey, '-aes256', '-passout', 'pass:secret'));
    expect(okValue(readPrivateKeyFile(ec, false))).toMatchObject({ encrypted: true, pemLabels: ['EC PRIVATE KEY'] });
  });
  it('encrypted PKCS#8 in DER', () => {
    const der = put(
      'enc.der',
      openssl('pkcs8', '-topk8', '-in', rsaKey, '-v2', 'aes256', '-passout', 'pass:secret', '-outform', 'DER'),
    );
    expect(okValue(readPrivateKeyFile(der, false))).toMatchObject({ encoding: 'der', encrypted: true });
  });
});

describe('readPrivateKeyFile: bad input', () => {
  it('missing -> missing', () => {
    expect(readPrivateKeyFile(join(dir, 'nope.key'), false)).toEqual({
      state: 'missing',
      path: join(dir, 'nope.key'),
      explicit: false,
    });
  });
  it('a directory -> unreadable', () => {
    mkdirSync(join(dir, 'tls.key.d'));
    expect(problemOf(readPrivateKeyFile(join(dir, 'tls.key.d'), false))).toMatch(/directory/);
  });
  it('over 1 MiB -> unreadable', () => {
    expect(problemOf(readPrivateKeyFile(put('huge.key', 'A'.repeat(1024 * 1024 + 1)), false))).toMatch(/too large/);
  });
  it('empty -> invalid', () => {
    expect(problemOf(readPrivateKeyFile(put('empty.key', ''), false))).toBe('is empty');
  });
  it('binary junk -> invalid', () => {
    expect(problemOf(readPrivateKeyFile(put('junk.key', Buffer.from([0, 1, 2, 0xff, 0xfe, 9])), false))).toMatch(
      /binary data/,
    );
  });
  it('text with no PEM block -> invalid', () => {
    expect(problemOf(readPrivateKeyFile(put('text.key', 'TODO: paste key\n'), false))).toMatch(/no PEM block/);
  });
  it('a certificate where the key should be -> invalid, naming the swap', () => {
    const cert = join(makeCertSet('healthy'), 'data', 'tls.crt');
    expect(problemOf(readPrivateKeyFile(cert, false))).toMatch(/certificate, not a private key.*swapped/);
    const der = put('cert.der', openssl('x509', '-in', cert, '-outform', 'DER'));
    expect(problemOf(readPrivateKeyFile(der, false))).toMatch(/DER certificate, not a private key/);
  });
  it('a public key -> invalid', () => {
    expect(problemOf(readPrivateKeyFile(put('pub.key', openssl('pkey', '-in', ecKey, '-pubout')), false))).toMatch(
      /public key, not the private key/,
    );
  });
  it('a truncated PEM key -> ok with a parse error (mode can still be judged)', () => {
    const pem = readFileSync(rsaKey, 'utf8');
    const v = okValue(readPrivateKeyFile(put('trunc.key', pem.slice(0, pem.length / 2)), false));
    expect(v.parseError).toMatch(/no "-----END PRIVATE KEY-----" line/);
    expect(v.publicKey).toBeNull();
  });
  it('a key block whose DER is damaged -> ok with a parse error', () => {
    const body = Buffer.from('not a key, just some words padded out').toString('base64');
    const v = okValue(
      readPrivateKeyFile(put('bad.key', `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n`), false),
    );
    expect(v.parseError).toMatch(/does not parse as a pkcs8 private key/);
  });
  it('an OpenSSH key -> ok with a parse error that says how to convert', () => {
    const p = join(dir, 'id_ed25519');
    try {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', p], { stdio: 'ignore' });
    } catch {
      writeFileSync(
        p,
        `-----BEGIN OPENSSH PRIVATE KEY-----\n${Buffer.from('openssh-key-v1').toString('base64')}\n-----END OPENSSH PRIVATE KEY-----\n`,
      );
    }
    expect(okValue(readPrivateKeyFile(p, false)).parseError).toMatch(/OpenSSH key/);
  });
});

describe('statPrivateKeyFile', () => {
  it('gives mode and owner of a file, nothing for a missing one or a directory', () => {
    const p = put('stat.key', 'x');
    chmodSync(p, 0o600);
    expect(statPrivateKeyFile(p)).toMatchObject({ path: p, mode: 0o600 });
    expect(statPrivateKeyFile(join(dir, 'none'))).toBeUndefined();
    expect(statPrivateKeyFile(dir)).toBeUndefined();
  });
});
