// Certificates for the lab, made with the openssl CLI: the deployment's sets come from
// fixtures/make-certs.sh (the vendor's recipe and its variants); the edge stand-in's come from
// a small recipe here (a CA and a leaf for h2.cftunnel.com / quic.cftunnel.com).

import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CertificateFacts, CertificateFileFacts, FileFact } from '../../src/core/facts.js';

export const REPO = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../..');
const MAKE_CERTS = join(REPO, 'fixtures', 'make-certs.sh');

const dirs = new Set<string>();

/** A fresh temporary directory, removed by removeLabDirs() (called from stopAll). */
export function labDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `mcpt-lab-${prefix}-`));
  dirs.add(dir);
  return dir;
}

export function removeLabDirs(): void {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs.clear();
}

export interface CertSet {
  dir: string;
  caPem: string;
  certPem: string;
  keyPem: string;
  domain: string;
}

/** A deployment certificate set from fixtures/make-certs.sh (EC server key, for speed). */
export function makeCertSet(domain: string, variant = 'healthy'): CertSet {
  const dir = labDir(variant);
  execFileSync('bash', [MAKE_CERTS, dir, domain, variant], {
    env: { ...process.env, SERVER_KEY_TYPE: 'ec' },
    stdio: 'pipe',
    timeout: 30000,
  });
  return {
    dir,
    domain,
    caPem: readFileSync(join(dir, 'ca.crt'), 'utf8'),
    certPem: readFileSync(join(dir, 'tls.crt'), 'utf8'),
    keyPem: readFileSync(join(dir, 'tls.key'), 'utf8'),
  };
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'pipe', timeout: 30000 });
}

export interface EdgeCerts {
  dir: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  caPem: string;
}

/**
 * A CA named `org` and a leaf for the edge's server names, signed by it. With `emptySubject` the
 * leaf has no subject at all (names only in the SAN), like the leaves of Caddy's internal CA.
 */
export function makeEdgeCerts(org: string, o: { emptySubject?: boolean } = {}): EdgeCerts {
  const dir = labDir('edge');
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '30',
      '-subj',
      `/O=${org}/CN=${org} Root`,
    ],
    dir,
  );
  openssl(
    [
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'edge.key',
      '-out',
      'edge.csr',
      '-subj',
      o.emptySubject ? '/' : '/CN=h2.cftunnel.com',
    ],
    dir,
  );
  writeFileSync(
    join(dir, 'edge.ext'),
    'subjectAltName=DNS:h2.cftunnel.com,DNS:quic.cftunnel.com,DNS:cftunnel.com\nextendedKeyUsage=serverAuth\n',
  );
  openssl(
    [
      'x509',
      '-req',
      '-in',
      'edge.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'edge.crt',
      '-days',
      '30',
      '-extfile',
      'edge.ext',
    ],
    dir,
  );
  return {
    dir,
    caFile: join(dir, 'ca.crt'),
    certFile: join(dir, 'edge.crt'),
    keyFile: join(dir, 'edge.key'),
    caPem: readFileSync(join(dir, 'ca.crt'), 'utf8'),
  };
}

/**
 * A CertificateFileFacts fact for a PEM, filled from node:crypto. The live probes read only
 * derBase64; the other fields are filled plausibly so the fact has its real shape.
 */
export function certificateFact(path: string, pem: string): FileFact<CertificateFileFacts> {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  const certificates: CertificateFacts[] = blocks.map((b) => {
    const x = new X509Certificate(b);
    return {
      subject: x.subject,
      issuer: x.issuer,
      serialNumber: x.serialNumber,
      notBefore: new Date(x.validFrom).toISOString(),
      notAfter: new Date(x.validTo).toISOString(),
      fingerprint256: x.fingerprint256.replace(/:/g, '').toLowerCase(),
      derBase64: x.raw.toString('base64'),
      basicConstraints: null,
      subjectKeyId: null,
      authorityKeyId: null,
      keyUsage: null,
      extKeyUsage: null,
      sanDns: [],
      sanIp: [],
      signatureAlgorithm: { oid: '', name: '', hash: null },
      publicKey: { type: x.publicKey.asymmetricKeyType ?? 'unknown', bits: null, curve: null },
      spkiSha256: '',
      selfSigned: x.checkIssued(x),
    };
  });
  return {
    state: 'ok',
    path,
    value: {
      encoding: 'pem',
      sizeBytes: pem.length,
      pemLabels: blocks.map(() => 'CERTIFICATE'),
      certificates,
      unparsable: [],
      containsPrivateKey: false,
    },
  };
}
