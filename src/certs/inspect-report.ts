// What `certs inspect` prints: the facts the doctor's probes read from a certificate or key file,
// as text for people and as JSON for scripts. Pure functions of the facts and the clock. A key
// file is reduced to its kind, size and mode (the probes never keep key material anyway).

import type { CertificateFacts, CertificateFileFacts, PrivateKeyFacts, PublicKeyFacts } from '../core/facts.js';
import { formatKeyId } from '../pki/issuance.js';
import { describeKeyShort } from '../pki/public-key.js';

const DAY_MS = 86_400_000;

export interface CertificateView {
  subject: string;
  issuer: string;
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  /** Whole days until notAfter (negative once expired), rounded toward zero. */
  daysLeft: number;
  validity: 'valid' | 'expired' | 'not-yet-valid';
  sanDns: string[];
  sanIp: string[];
  publicKey: PublicKeyFacts;
  signatureAlgorithm: CertificateFacts['signatureAlgorithm'];
  basicConstraints: CertificateFacts['basicConstraints'];
  subjectKeyId: string | null;
  authorityKeyId: string | null;
  keyUsage: CertificateFacts['keyUsage'];
  extKeyUsage: string[] | null;
  selfSigned: boolean;
  fingerprint256: string;
  spkiSha256: string;
}

function certificateView(c: CertificateFacts, now: Date): CertificateView {
  const notBefore = Date.parse(c.notBefore);
  const notAfter = Date.parse(c.notAfter);
  const t = now.getTime();
  return {
    subject: c.subject,
    issuer: c.issuer,
    serialNumber: c.serialNumber,
    notBefore: c.notBefore,
    notAfter: c.notAfter,
    // Whole days toward zero: 89.9 days left is 89; expired 10.2 days ago is -10.
    daysLeft: Math.trunc((notAfter - t) / DAY_MS),
    validity: t > notAfter ? 'expired' : t < notBefore ? 'not-yet-valid' : 'valid',
    sanDns: c.sanDns,
    sanIp: c.sanIp,
    publicKey: c.publicKey,
    signatureAlgorithm: c.signatureAlgorithm,
    basicConstraints: c.basicConstraints,
    subjectKeyId: c.subjectKeyId,
    authorityKeyId: c.authorityKeyId,
    keyUsage: c.keyUsage,
    extKeyUsage: c.extKeyUsage,
    selfSigned: c.selfSigned,
    fingerprint256: c.fingerprint256,
    spkiSha256: c.spkiSha256,
  };
}

export function certificateFileJson(path: string, file: CertificateFileFacts, now: Date): Record<string, unknown> {
  return {
    schemaVersion: 1,
    command: 'certs inspect',
    file: path,
    kind: 'certificate',
    encoding: file.encoding,
    sizeBytes: file.sizeBytes,
    pemLabels: file.pemLabels,
    containsPrivateKey: file.containsPrivateKey,
    unparsable: file.unparsable,
    certificates: file.certificates.map((c) => certificateView(c, now)),
  };
}

export function keyFileJson(path: string, key: PrivateKeyFacts): Record<string, unknown> {
  return {
    schemaVersion: 1,
    command: 'certs inspect',
    file: path,
    kind: 'private-key',
    encoding: key.encoding,
    pemLabels: key.pemLabels,
    encrypted: key.encrypted,
    parseError: key.parseError,
    publicKey: key.publicKey,
    spkiSha256: key.spkiSha256,
    mode: octalMode(key.mode),
    uid: key.uid,
    gid: key.gid,
  };
}

function octalMode(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, '0')}`;
}

function validityLine(v: CertificateView): string {
  const range = `${v.notBefore} to ${v.notAfter}`;
  if (v.validity === 'expired') return `${range} (EXPIRED ${-v.daysLeft} day${-v.daysLeft === 1 ? '' : 's'} ago)`;
  if (v.validity === 'not-yet-valid') return `${range} (NOT YET VALID)`;
  return `${range} (${v.daysLeft} day${v.daysLeft === 1 ? '' : 's'} left)`;
}

const rows = (pairs: [string, string][]) => {
  const w = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `  ${`${k}:`.padEnd(w + 1)} ${v}`);
};

function certificateText(v: CertificateView): string[] {
  const bc = v.basicConstraints;
  const san = [...v.sanDns.map((n) => `DNS:${n}`), ...v.sanIp.map((n) => `IP:${n}`)];
  return rows([
    ['Subject', v.subject || '(empty)'],
    ['Issuer', v.issuer || '(empty)'],
    ['Serial', v.serialNumber],
    ['Validity', validityLine(v)],
    ['SAN', san.length > 0 ? san.join(', ') : '(none)'],
    ['Public key', describeKeyShort(v.publicKey)],
    ['Signature', v.signatureAlgorithm.name],
    [
      'BasicConstraints',
      bc
        ? `CA:${bc.ca ? 'TRUE' : 'FALSE'}${bc.pathLength !== null ? `, pathlen:${bc.pathLength}` : ''}${bc.critical ? ' (critical)' : ''}`
        : '(absent)',
    ],
    [
      'KeyUsage',
      v.keyUsage
        ? `${v.keyUsage.usages.join(', ') || '(none)'}${v.keyUsage.critical ? ' (critical)' : ''}`
        : '(absent)',
    ],
    ['ExtendedKeyUsage', v.extKeyUsage ? v.extKeyUsage.join(', ') || '(none)' : '(absent)'],
    ['SubjectKeyId', formatKeyId(v.subjectKeyId) ?? '(absent)'],
    ['AuthorityKeyId', formatKeyId(v.authorityKeyId) ?? '(absent)'],
    ['Self-signed', v.selfSigned ? 'yes' : 'no'],
    ['SHA-256', v.fingerprint256],
    ['Public key SHA-256', v.spkiSha256],
  ]);
}

export function certificateFileText(path: string, file: CertificateFileFacts, now: Date): string {
  const n = file.certificates.length;
  const lines = [
    `${path}: ${file.encoding.toUpperCase()}, ${n} certificate${n === 1 ? '' : 's'}, ${file.sizeBytes} bytes`,
  ];
  if (file.containsPrivateKey)
    lines.push('  Note: the file also holds private-key material (not shown); keep keys out of certificate files.');
  for (const u of file.unparsable) lines.push(`  Note: ${u}.`);
  file.certificates.forEach((c, i) => {
    lines.push('', n > 1 ? `Certificate ${i + 1} of ${n}` : 'Certificate', ...certificateText(certificateView(c, now)));
  });
  return `${lines.join('\n')}\n`;
}

export function keyFileText(path: string, key: PrivateKeyFacts): string {
  const kind = key.encrypted
    ? 'encrypted (not opened)'
    : key.publicKey
      ? describeKeyShort(key.publicKey)
      : 'does not parse';
  const pairs: [string, string][] = [
    ['Type', kind],
    ['Encoding', `${key.encoding.toUpperCase()}${key.pemLabels.length > 0 ? ` (${key.pemLabels.join(', ')})` : ''}`],
    ['Encrypted', key.encrypted ? 'yes' : 'no'],
    ['Mode', `${octalMode(key.mode)}, owner ${key.uid}:${key.gid}`],
  ];
  if (key.spkiSha256) pairs.push(['Public key SHA-256', key.spkiSha256]);
  if (key.parseError) pairs.push(['Problem', key.parseError]);
  return `${[`${path}: private key (the key itself is never printed)`, ...rows(pairs)].join('\n')}\n`;
}
