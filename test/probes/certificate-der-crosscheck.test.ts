// Cross-check: for every certificate fixtures/make-certs.sh makes (every variant, both files,
// every certificate of a bundle), plus a few hand-made ones with unusual extensions, the facts
// the probe reads from the DER must equal what `openssl x509 -ext ... -text` prints. The
// expected values come from openssl's output each time, never from constants in this file.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CertificateFacts, CertificateFileFacts, FileFact } from '../../src/core/facts.js';
import { readCertificateFile } from '../../src/probes/certificate-file.js';
import { CHECKED_IN, makeCertSet, SCRIPT, setFile, writeTemp } from '../harness/tls-fixtures.js';
import { first } from '../helpers/present.js';

const EXTS = 'basicConstraints,keyUsage,extendedKeyUsage,subjectKeyIdentifier,authorityKeyIdentifier,subjectAltName';

/** openssl's display names -> the names the probe uses (KEY_USAGE_BITS, EXTENDED_KEY_USAGES). */
const KU_NAMES: Record<string, string> = {
  'Digital Signature': 'digitalSignature',
  'Non Repudiation': 'nonRepudiation',
  'Key Encipherment': 'keyEncipherment',
  'Data Encipherment': 'dataEncipherment',
  'Key Agreement': 'keyAgreement',
  'Certificate Sign': 'keyCertSign',
  'CRL Sign': 'cRLSign',
  'Encipher Only': 'encipherOnly',
  'Decipher Only': 'decipherOnly',
};
const EKU_NAMES: Record<string, string> = {
  'TLS Web Server Authentication': 'serverAuth',
  'TLS Web Client Authentication': 'clientAuth',
  'Code Signing': 'codeSigning',
  'E-mail Protection': 'emailProtection',
  'Time Stamping': 'timeStamping',
  'OCSP Signing': 'OCSPSigning',
  'Any Extended Key Usage': 'anyExtendedKeyUsage',
};

interface OpensslExtension {
  critical: boolean;
  lines: string[];
}

/** What openssl prints for one DER certificate: the requested extensions and a few -text lines. */
/** The first group of a pattern openssl's text must match (a clear failure when it does not). */
function capture(pattern: RegExp, text: string, what: string): string {
  const value = pattern.exec(text)?.[1];
  if (value === undefined) throw new Error(`openssl -text output has no ${what}`);
  return value;
}

function opensslView(der: Buffer) {
  const out = execFileSync('openssl', ['x509', '-inform', 'DER', '-noout', '-ext', EXTS, '-text'], {
    input: der,
    stdio: ['pipe', 'pipe', 'pipe'],
  }).toString();
  const split = out.search(/^Certificate:$/m);
  expect(split, 'openssl -text output').toBeGreaterThanOrEqual(0);
  const extensions = new Map<string, OpensslExtension>();
  let current: OpensslExtension | null = null;
  for (const line of out.slice(0, split).split('\n')) {
    const head = /^X509v3 (.+?):\s*(critical)?\s*$/.exec(line);
    if (head?.[1] !== undefined) extensions.set(head[1], (current = { critical: head[2] === 'critical', lines: [] }));
    else if (current && /^\s+\S/.test(line)) current.lines.push(line.trim());
  }
  const text = out.slice(split);
  const outer = [...text.matchAll(/^ {4}Signature Algorithm: (\S+)\s*$/gm)].at(-1);
  const signatureName = outer?.[1];
  if (outer === undefined || signatureName === undefined)
    throw new Error('openssl -text output has no outer Signature Algorithm line');
  const pssHash = /^\s+Hash Algorithm: (\S+)/m.exec(text.slice(outer.index))?.[1] ?? null;
  return {
    extensions,
    signatureName,
    pssHash,
    notBefore: capture(/Not Before: (.+?)\s*$/m, text, 'Not Before'),
    notAfter: capture(/Not After : (.+?)\s*$/m, text, 'Not After'),
  };
}

/** IPv6 written out in full (8 groups, lowercase, no leading zeros), so "::1" and "0:0:0:0:0:0:0:1" compare equal. */
function canonicalIp(ip: string): string {
  if (!ip.includes(':')) return ip;
  const [left, right] = ip.toLowerCase().split('::');
  const l = left ? left.split(':') : [];
  const r = right === undefined ? [] : right ? right.split(':') : [];
  const groups = right === undefined ? l : [...l, ...Array(8 - l.length - r.length).fill('0'), ...r];
  return groups.map((g) => parseInt(g, 16).toString(16)).join(':');
}

const hexId = (line: string | undefined) =>
  line === undefined
    ? null
    : line
        .replace(/^keyid:/, '')
        .replace(/:/g, '')
        .toLowerCase();
const list = (ext: OpensslExtension | undefined) => (ext ? ext.lines.join(', ').split(/,\s*/).filter(Boolean) : []);

/** The facts, as openssl's output says they should be. */
function expectedFromOpenssl(der: Buffer) {
  const v = opensslView(der);
  const ext = (name: string) => v.extensions.get(name);
  const bc = ext('Basic Constraints');
  const ku = ext('Key Usage');
  const eku = ext('Extended Key Usage');
  const aki = ext('Authority Key Identifier');
  const san = list(ext('Subject Alternative Name'));
  const pathlen = bc ? /pathlen:(\d+)/.exec(bc.lines.join(' ')) : null;
  return {
    facts: {
      basicConstraints: bc
        ? {
            critical: bc.critical,
            ca: /CA:TRUE/.test(bc.lines.join(' ')),
            pathLength: pathlen ? Number(pathlen[1]) : null,
          }
        : null,
      subjectKeyId: hexId(ext('Subject Key Identifier')?.lines[0]),
      authorityKeyId: hexId(aki?.lines.find((l) => /^(keyid:)?[0-9A-F]{2}(:[0-9A-F]{2})*$/.test(l))),
      keyUsage: ku
        ? { critical: ku.critical, usages: list(ku).map((n) => KU_NAMES[n] ?? `unmapped openssl name "${n}"`) }
        : null,
      extKeyUsage: eku ? list(eku).map((n) => EKU_NAMES[n] ?? n) : null,
      sanDns: san.filter((e) => e.startsWith('DNS:')).map((e) => e.slice(4)),
      sanIp: san.filter((e) => e.startsWith('IP Address:')).map((e) => canonicalIp(e.slice(11))),
      notBefore: new Date(v.notBefore).toISOString(),
      notAfter: new Date(v.notAfter).toISOString(),
    },
    criticalEku: eku?.critical ?? null,
    signatureName: v.signatureName.toLowerCase(),
    pssHash: v.pssHash,
  };
}

function actualFacts(c: CertificateFacts) {
  return {
    basicConstraints: c.basicConstraints,
    subjectKeyId: c.subjectKeyId,
    authorityKeyId: c.authorityKeyId,
    keyUsage: c.keyUsage,
    extKeyUsage: c.extKeyUsage,
    sanDns: c.sanDns,
    sanIp: c.sanIp.map(canonicalIp),
    notBefore: c.notBefore,
    notAfter: c.notAfter,
  };
}

function certificatesOf(fact: FileFact<CertificateFileFacts>): CertificateFacts[] {
  if (fact.state !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(fact)}`);
  return fact.value.certificates;
}

/** How many certificates the file holds, counted without the probe. */
function certificateCount(path: string): number {
  const bytes = readFileSync(path);
  const pem = bytes.toString('latin1').match(/-----BEGIN CERTIFICATE-----/g);
  return pem ? pem.length : 1;
}

function crossCheck(path: string): number {
  const certs = certificatesOf(readCertificateFile(path, false));
  expect(certs.length, `certificates in ${path}`).toBe(certificateCount(path));
  for (const c of certs) {
    const want = expectedFromOpenssl(Buffer.from(c.derBase64, 'base64'));
    expect(actualFacts(c), `${path}: ${c.subject}`).toEqual(want.facts);
    expect(c.signatureAlgorithm.name.toLowerCase(), `${path}: signature algorithm`).toBe(want.signatureName);
    if (c.signatureAlgorithm.name === 'rsassaPss') expect(c.signatureAlgorithm.hash).toBe(want.pssHash);
  }
  return certs.length;
}

const VARIANTS = capture(/^VARIANTS="([^"]+)"/m, readFileSync(SCRIPT, 'utf8'), 'VARIANTS')
  .split(/\s+/)
  .filter(Boolean);

describe('certificate facts read from DER agree with openssl', () => {
  it('the variant list was found in make-certs.sh', () => {
    expect(VARIANTS).toContain('healthy');
    expect(VARIANTS.length).toBeGreaterThanOrEqual(18);
  });

  it.each(VARIANTS)('make-certs.sh %s: ca.crt and tls.crt', (variant) => {
    const dir = makeCertSet(variant);
    expect(crossCheck(setFile(dir, 'ca.crt')) + crossCheck(setFile(dir, 'tls.crt'))).toBeGreaterThanOrEqual(2);
  });

  it('the checked-in healthy set (RSA 4096 server key)', () => {
    crossCheck(join(CHECKED_IN, 'ca.crt'));
    crossCheck(join(CHECKED_IN, 'tls.crt'));
  });

  it('hand-made certificates: IP SANs, every KeyUsage bit, many EKUs, pathlen, AKI with issuer and serial, v1, GeneralizedTime, RSA-PSS', () => {
    const cnf = writeTemp(
      'crosscheck/edge.cnf',
      `[req]
distinguished_name = dn
prompt = no
x509_extensions = ext
[dn]
CN = edge
[ext]
subjectAltName = IP:10.0.0.1,IP:::1,IP:fe80::,IP:2001:db8:0:0:1:0:0:1,IP:::ffff:1.2.3.4,IP:1:0:0:2:0:0:0:3,IP:0:0:0:0:0:0:0:0,DNS:a.example.com,email:a@example.com,URI:https://example.com/,RID:1.2.3.4,dirName:dn_sect,otherName:1.2.3.4;UTF8:hello,DNS:b.example.com
extendedKeyUsage = critical,serverAuth,clientAuth,codeSigning,1.2.3.4.5.99999999999999999999,timeStamping,OCSPSigning,emailProtection,anyExtendedKeyUsage
keyUsage = critical,digitalSignature,nonRepudiation,keyEncipherment,dataEncipherment,keyAgreement,keyCertSign,cRLSign,encipherOnly,decipherOnly
basicConstraints = critical,CA:TRUE,pathlen:300
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always,issuer:always
[dn_sect]
CN = dir name
O = Org
`,
    );
    const bare = writeTemp('crosscheck/bare.cnf', '[req]\ndistinguished_name = dn\nprompt = no\n[dn]\n');
    const at = (name: string) => join(dirname(cnf), name);
    const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', at('ec.key'));
    openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', at('rsa.key'));
    const made: string[] = [];
    const req = (name: string, ...args: string[]) => {
      openssl('req', '-x509', '-new', '-days', '2', ...args, '-out', at(name));
      made.push(at(name));
    };
    req('edge.crt', '-config', cnf, '-key', at('ec.key'));
    // 2060 and later are written as GeneralizedTime; decipherOnly alone needs a second KeyUsage byte.
    req(
      'far.crt',
      '-config',
      bare,
      '-key',
      at('ec.key'),
      '-subj',
      '/CN=far',
      '-days',
      '15000',
      '-addext',
      'keyUsage=decipherOnly',
      '-addext',
      'basicConstraints=CA:FALSE',
    );
    req(
      'pss384.crt',
      '-config',
      bare,
      '-key',
      at('rsa.key'),
      '-subj',
      '/CN=pss',
      '-sha384',
      '-sigopt',
      'rsa_padding_mode:pss',
    );
    req(
      'pss1.crt',
      '-config',
      bare,
      '-key',
      at('rsa.key'),
      '-subj',
      '/CN=pss',
      '-sha1',
      '-sigopt',
      'rsa_padding_mode:pss',
    );
    // A v1 certificate (no extensions at all): openssl x509 -req without an extensions file.
    openssl('req', '-new', '-config', bare, '-key', at('ec.key'), '-subj', '/CN=v1', '-out', at('v1.csr'));
    openssl('x509', '-req', '-in', at('v1.csr'), '-key', at('ec.key'), '-days', '2', '-out', at('v1.crt'));
    made.push(at('v1.crt'));

    for (const path of made) crossCheck(path);
    // The hand-made set really exercises what it claims to (read back through openssl, not the probe).
    const edge = expectedFromOpenssl(
      Buffer.from(execFileSync('openssl', ['x509', '-in', at('edge.crt'), '-outform', 'DER'])),
    );
    expect(edge.facts.sanIp.length).toBeGreaterThanOrEqual(7);
    expect(edge.facts.basicConstraints?.pathLength).toBeGreaterThan(255);
    expect(edge.criticalEku).toBe(true);
    const v1 = first(certificatesOf(readCertificateFile(at('v1.crt'), false)));
    expect([v1.basicConstraints, v1.keyUsage, v1.extKeyUsage, v1.subjectKeyId]).toEqual([null, null, null, null]);
    expect(first(certificatesOf(readCertificateFile(at('far.crt'), false))).notAfter > '2060').toBe(true);
  });
});
