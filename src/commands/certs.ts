// `mcp-tunnel certs init | renew | inspect`: make a CA and a server certificate that meet every
// rule the doctor checks, re-issue the server certificate with the existing CA, and show what
// the doctor sees in a certificate or key file. No OpenSSL is needed: certificates are built
// by src/certs/ and signed with node:crypto. Each function returns the exit code (0 done,
// 2 refused or bad input) and writes only through `io`.
//
// Decisions:
// - Keys are never replaced. `init` refuses when ca.key or tls.key exists (whatever --force
//   says); --force only lets it replace certificates and tunnel-domain, each kept as .bak.
// - Every file goes through the one writer (src/core/safe-writer.ts) as one transaction under
//   the --out directory: all new files and backups are written and verified first, then renamed
//   into place; a failure at any step puts every file back, so a key and its certificate always
//   match. Backups take the first free name (.bak, .bak.1, ...), so none is ever overwritten.
// - `renew` makes a fresh server key by default: a key that may have been copied around is not
//   carried into the next 90 days. The old tls.key and tls.crt are kept as .bak (the key's
//   backup at mode 0600: nothing needs to read it). --keep-key re-signs the existing key instead,
//   for setups that hot-reload tls.crt without a restart. The new tls.key is mode 0644, since
//   the proxy runs as UID 65532 and must read it.
// - `renew` takes the SAN from data/tunnel-domain (the assigned domain) and, only without that
//   file, from the current tls.crt; a new SAN is announced on stderr.

import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { lstatSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CertificateFacts } from '../core/facts.js';
import { describeError } from '../core/errors.js';
import { commitChanges, type Change, type WriteChange } from '../core/safe-writer.js';
import { checkTunnelDomain, wildcardFor } from '../certs/domain.js';
import { certificateFileJson, certificateFileText, keyFileJson, keyFileText } from '../certs/inspect-report.js';
import { pemEncode } from '../certs/pem-armour.js';
import { CA_DAYS, issueCaCertificate, issueServerCertificate, SERVER_DAYS, validityFrom } from '../certs/profiles.js';
import { loadPrivateKey } from '../certs/signing-key.js';
import { generateKeyPair, keyIdentifier, type KeySpec } from '../certs/x509-builder.js';
import { spkiSha256 } from '../pki/public-key.js';
import { decodeText, readBounded } from '../probes/bounded-file.js';
import { describeCertificate, readCertificateFile } from '../probes/certificate-file.js';
import { readPrivateKeyFile } from '../probes/private-key-file.js';

export interface CertsIO {
  stdout(text: string): void;
  stderr(text: string): void;
}

export interface CertsInitOptions {
  tunnelDomain: string;
  out: string;
  /** Replace existing certificates and tunnel-domain (each kept as .bak). Keys are never replaced. */
  force?: boolean;
  /** Server key: 'ec' (ECDSA P-256, default) or 'rsa' (RSA 4096, as the vendor's setup tool makes); anything else is refused. */
  keyType?: string;
  /** Server certificate validity in days (default 90). */
  days?: number;
  /** The clock (tests); default now. */
  now?: Date;
}

export interface CertsRenewOptions {
  out: string;
  /** Validity of the new server certificate in days (default 90). */
  days?: number;
  /** Used when data/tunnel-domain is absent (and then written); must agree with it when present. */
  tunnelDomain?: string;
  /** Re-sign the existing tls.key instead of making a fresh key. */
  keepKey?: boolean;
  /** Type of the fresh key ('ec' or 'rsa'); default: the type of the current server key (RSA keeps its size). */
  keyType?: string;
  now?: Date;
}

export interface CertsInspectOptions {
  file: string;
  json?: boolean;
  now?: Date;
}

const KEY_MODE = 0o600;
const PUBLIC_MODE = 0o644; // tls.key too: the proxy runs as UID 65532 and must read it
/** The longest validity Apple platforms accept for a TLS server certificate from a private CA. */
const MAX_SERVER_DAYS = 825;
const RENEW_BEFORE_DAYS = 30;
const DAY_MS = 86_400_000;

/** Refusals and bad input: exit 2 with the message (and a hint). */
class CertsError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

function checkDays(days: number | undefined): number {
  if (days === undefined) return SERVER_DAYS;
  if (!Number.isSafeInteger(days) || days < 1 || days > MAX_SERVER_DAYS) {
    throw new CertsError(
      `--days ${days}: expected a whole number of days from 1 to ${MAX_SERVER_DAYS} (the default, ${SERVER_DAYS}, is the setup tool's)`,
    );
  }
  return days;
}

function keySpecFor(type: string | undefined, fallback: KeySpec): KeySpec {
  if (type === undefined) return fallback;
  if (type === 'ec') return { type: 'ec', curve: 'P-256' };
  if (type === 'rsa') return { type: 'rsa', bits: 4096 };
  throw new CertsError(`--key-type ${type}: expected ec (ECDSA P-256) or rsa (RSA 4096)`);
}

function describeSpec(spec: KeySpec): string {
  return spec.type === 'ec' ? `ECDSA ${spec.curve}` : `RSA ${spec.bits} bits`;
}

function describeKey(key: KeyObject): string {
  const d = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec')
    return `ECDSA ${d.namedCurve === 'prime256v1' ? 'P-256' : d.namedCurve === 'secp384r1' ? 'P-384' : (d.namedCurve ?? '?')}`;
  if (key.asymmetricKeyType === 'rsa') return `RSA ${d.modulusLength ?? '?'} bits`;
  return key.asymmetricKeyType ?? 'unknown';
}

const day = (iso: string | Date) => (typeof iso === 'string' ? iso : iso.toISOString()).slice(0, 10);

async function guarded(command: string, io: CertsIO, body: () => number): Promise<number> {
  try {
    return body();
  } catch (err) {
    if (err instanceof CertsError) {
      io.stderr(`mcp-tunnel certs ${command}: ${err.message}\n`);
      if (err.hint) io.stderr(`${err.hint}\n`);
      return 2;
    }
    io.stderr(`mcp-tunnel certs ${command}: ${describeError(err)}\n`);
    return 2;
  }
}

function ensureDirectory(dir: string, create: boolean): void {
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') throw new CertsError(`${dir}: cannot be used (${code ?? describeError(err)})`);
    if (!create)
      throw new CertsError(
        `${dir}: no such directory`,
        'Give the data directory that holds ca.key, ca.crt, tls.key and tls.crt with --out.',
      );
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    return;
  }
  if (!isDir) throw new CertsError(`${dir}: not a directory`);
}

/** Whether a name is taken (by anything, a dangling link included). */
function present(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw new CertsError(`${path}: cannot be used (${code ?? describeError(err)})`);
  }
}

/** The bytes a file holds now (null: absent): the writer replaces it only if it still holds them. */
function currentBytes(path: string): Buffer | null {
  const read = readBounded(path, false, 1024 * 1024);
  if (read.state === 'missing') return null;
  if (read.state !== 'ok') throw new CertsError(`${path}: ${read.problem}`);
  return read.bytes;
}

/** A file of the set, replacing what was read (kept as a backup) or created new. */
function fileChange(path: string, text: string, mode: number, expected: Buffer | null, backupMode?: number) {
  const backup = backupMode === undefined ? {} : { mode: backupMode };
  return { kind: 'write', path, bytes: Buffer.from(text, 'utf8'), expected, mode, backup } satisfies WriteChange;
}

/** Writes the set as one transaction; returns the backups made, or throws CertsError with what happened. */
function commitSet(out: string, changes: Change[]): string[] {
  const outcome = commitChanges(out, changes);
  if (outcome.status === 'done') return outcome.changes.flatMap((c) => (c.backup ? [c.backup] : []));
  const what = { failed: 'failed', refused: 'was refused', conflict: 'was stopped (conflict)' }[outcome.status];
  throw new CertsError(`writing ${out} ${what}: ${outcome.message}`);
}

function readDomainFile(path: string): string | null {
  const read = readBounded(path, false, 4096);
  if (read.state === 'missing') return null;
  if (read.state !== 'ok') throw new CertsError(`${path}: ${read.problem}`);
  const text = decodeText(read.bytes);
  if (!text.ok) throw new CertsError(`${path} ${text.problem}`);
  const checked = checkTunnelDomain(text.text);
  if (!checked.ok)
    throw new CertsError(
      `${path}: ${checked.problem}`,
      "Put the domain from the tunnel's detail page in it (one line, like abcd1234.tunnel.anthropic.com).",
    );
  return checked.domain;
}

// ---------------------------------------------------------------------------------------------
// certs init

export async function certsInit(opts: CertsInitOptions, io: CertsIO): Promise<number> {
  return guarded('init', io, () => init(opts, io));
}

function init(opts: CertsInitOptions, io: CertsIO): number {
  const domainCheck = checkTunnelDomain(opts.tunnelDomain ?? '');
  if (!domainCheck.ok)
    throw new CertsError(
      `--tunnel-domain: ${domainCheck.problem}`,
      "Use the domain on the tunnel's detail page, e.g. --tunnel-domain abcd1234.tunnel.anthropic.com",
    );
  const domain = domainCheck.domain;
  const days = checkDays(opts.days);
  const serverSpec = keySpecFor(opts.keyType, { type: 'ec', curve: 'P-256' });
  const out = opts.out || 'data';
  const now = opts.now ?? new Date();
  const path = (name: string) => join(out, name);

  ensureDirectory(out, true);
  for (const key of ['ca.key', 'tls.key']) {
    if (present(path(key))) {
      throw new CertsError(
        `${path(key)} already exists; certs init never replaces a private key (not even with --force).`,
        [
          `To re-issue the server certificate with the CA you have: mcp-tunnel certs renew --out ${out}`,
          `To start over with a new CA, move ${path('ca.key')}, ${path('ca.crt')}, ${path('tls.key')} and ${path('tls.crt')} elsewhere first; a new CA has to be registered with the tunnel again.`,
        ].join('\n'),
      );
    }
  }
  const replaced: string[] = [];
  const planned = new Map<string, Buffer | null>();
  for (const name of ['ca.crt', 'tls.crt', 'tunnel-domain']) planned.set(name, currentBytes(path(name)));
  for (const cert of ['ca.crt', 'tls.crt']) {
    if (!present(path(cert))) continue;
    if (!opts.force) {
      throw new CertsError(
        `${path(cert)} already exists (without its key in ${out}).`,
        `If it is not in use, run again with --force to replace the certificates (the old ones are kept as .bak); a new CA has to be registered with the tunnel.`,
      );
    }
    replaced.push(cert);
  }
  const existingDomain = readDomainFileLenient(path('tunnel-domain'));
  const writeDomain = existingDomain !== domain;
  if (existingDomain !== null && writeDomain) {
    if (!opts.force) {
      throw new CertsError(
        `${path('tunnel-domain')} says ${existingDomain}, not ${domain}.`,
        "The domain on the tunnel's detail page is the right one: pass that, or run again with --force to replace the file (the old one is kept as .bak).",
      );
    }
    replaced.push('tunnel-domain');
  }

  // Everything is made in memory first; files are written only when all of it succeeded.
  const caKey = generateKeyPair({ type: 'ec', curve: 'P-256' });
  const caValidity = validityFrom(now, CA_DAYS);
  const caCert = issueCaCertificate(caKey, caValidity);
  const serverKey = generateKeyPair(serverSpec);
  const serverValidity = validityFrom(now, days);
  const serverCert = issueServerCertificate(
    {
      certificate: caCert,
      subjectKeyId: keyIdentifier(caKey.publicKey),
      privateKey: caKey.privateKey,
      publicKey: caKey.publicKey,
    },
    serverKey.publicKey,
    [wildcardFor(domain)],
    serverValidity,
  );
  // What the doctor's probe reads back must be a certificate it understands.
  for (const [name, certDer] of [
    ['ca.crt', caCert],
    ['tls.crt', serverCert],
  ] as const) {
    const readBack = describeCertificate(certDer);
    if ('problem' in readBack) throw new Error(`the new ${name} ${readBack.problem}`);
  }

  const keyPem = (key: KeyObject) => pemEncode('PRIVATE KEY', key.export({ type: 'pkcs8', format: 'der' }));
  const changes: Change[] = [
    fileChange(path('ca.key'), keyPem(caKey.privateKey), KEY_MODE, null),
    fileChange(path('tls.key'), keyPem(serverKey.privateKey), PUBLIC_MODE, null),
    fileChange(path('ca.crt'), pemEncode('CERTIFICATE', caCert), PUBLIC_MODE, planned.get('ca.crt') ?? null),
    fileChange(path('tls.crt'), pemEncode('CERTIFICATE', serverCert), PUBLIC_MODE, planned.get('tls.crt') ?? null),
  ];
  if (writeDomain) {
    changes.push(fileChange(path('tunnel-domain'), `${domain}\n`, PUBLIC_MODE, planned.get('tunnel-domain') ?? null));
  }
  const backups = commitSet(out, changes);

  const ca = new X509Certificate(caCert);
  const fingerprint = ca.fingerprint256.replace(/:/g, '').toLowerCase();
  const renewBy = new Date(serverValidity.notAfter.getTime() - RENEW_BEFORE_DAYS * DAY_MS);
  const rows: [string, string, string][] = [
    ['ca.key', '0600', 'CA private key (ECDSA P-256): stays on this host; back it up'],
    ['ca.crt', '0644', `CA certificate, valid until ${day(caValidity.notAfter)}`],
    ['tls.key', '0644', `server key (${describeSpec(serverSpec)}); readable by the proxy's user (UID 65532)`],
    [
      'tls.crt',
      '0644',
      `server certificate for ${wildcardFor(domain)}, valid until ${day(serverValidity.notAfter)} (${days} days)`,
    ],
  ];
  if (writeDomain) rows.push(['tunnel-domain', '0644', domain]);
  const lines = [
    `Wrote ${out}/ for the tunnel domain ${domain}:`,
    ...rows.map(([f, m, what]) => `  ${f.padEnd(13)} ${m}  ${what}`),
  ];
  if (replaced.length > 0) {
    lines.push(`Replaced: ${replaced.map(path).join(', ')} (old copies kept as ${backups.join(', ')})`);
  }
  lines.push(
    '',
    `CA SHA-256 fingerprint: ${fingerprint}`,
    '',
    'Next:',
    `  1. Register ${path('ca.crt')} with the tunnel (Console: the tunnel's page, certificates; or the API, POST /v1/tunnels/<tunnel id>/certificates). Until a CA is registered the tunnel stays "Needs certificate".`,
    '  2. Restart the proxy if it runs already (docker compose restart <proxy service>).',
    '  3. Check the deployment: mcp-tunnel doctor',
    `  4. Renew the server certificate before ${day(renewBy)}: mcp-tunnel certs renew --out ${out}`,
    '',
  );
  io.stdout(lines.join('\n'));
  return 0;
}

/** tunnel-domain for init: a file that does not hold a valid domain is simply replaced (with --force). */
function readDomainFileLenient(path: string): string | null {
  const read = readBounded(path, false, 4096);
  if (read.state === 'missing') return null;
  if (read.state !== 'ok') return `(unreadable: ${read.problem})`;
  const text = decodeText(read.bytes);
  if (!text.ok) return `(a file that ${text.problem})`;
  const checked = checkTunnelDomain(text.text);
  return checked.ok ? checked.domain : `"${text.text.trim().slice(0, 80)}"`;
}

// ---------------------------------------------------------------------------------------------
// certs renew

export async function certsRenew(opts: CertsRenewOptions, io: CertsIO): Promise<number> {
  return guarded('renew', io, () => renew(opts, io));
}

function firstCertificate(path: string, what: string): CertificateFacts | null {
  const fact = readCertificateFile(path, false);
  if (fact.state === 'missing') return null;
  if (fact.state !== 'ok')
    throw new CertsError(`${path} ${fact.state === 'unreadable' ? `cannot be read: ${fact.problem}` : fact.problem}`);
  const cert = fact.value.certificates[0];
  if (!cert) throw new CertsError(`${path} holds no ${what} certificate`);
  return cert;
}

function renew(opts: CertsRenewOptions, io: CertsIO): number {
  const out = opts.out || 'data';
  const path = (name: string) => join(out, name);
  const now = opts.now ?? new Date();
  const days = checkDays(opts.days);
  ensureDirectory(out, false);

  // The CA: its key must open, match ca.crt, and be able to issue.
  const caKey = loadPrivateKey(path('ca.key'));
  if (!caKey.ok) {
    throw new CertsError(
      caKey.missing ? `${path('ca.key')}: no such file; renew signs with the existing CA key.` : caKey.problem,
      caKey.missing
        ? `Renew where the CA key lives (the host that ran the setup, or certs init). Without it, make a new set in an empty directory with mcp-tunnel certs init and register its ca.crt.`
        : undefined,
    );
  }
  const caCert = firstCertificate(path('ca.crt'), 'CA');
  if (!caCert) throw new CertsError(`${path('ca.crt')}: no such file; renew needs the CA certificate beside ca.key.`);
  const caPublic = createPublicKey(caKey.key);
  if (spkiSha256(caPublic) !== caCert.spkiSha256) {
    throw new CertsError(
      `${path('ca.key')} is not the key of ${path('ca.crt')} (${caCert.subject}); a certificate signed with it would not chain to the registered CA.`,
    );
  }
  if (!caCert.basicConstraints?.ca)
    throw new CertsError(
      `${path('ca.crt')} (${caCert.subject}) is not a CA certificate (BasicConstraints CA:TRUE is missing).`,
    );
  if (caCert.keyUsage && !caCert.keyUsage.usages.includes('keyCertSign')) {
    throw new CertsError(`${path('ca.crt')} may not sign certificates (its KeyUsage lacks keyCertSign).`);
  }
  if (!caCert.subjectKeyId) {
    throw new CertsError(
      `${path('ca.crt')} has no SubjectKeyIdentifier, so no server certificate can carry the AuthorityKeyIdentifier the platform requires.`,
      'Make a new set with mcp-tunnel certs init in an empty directory and register its ca.crt.',
    );
  }
  const caNotAfter = new Date(caCert.notAfter);
  if (caNotAfter.getTime() <= now.getTime()) {
    throw new CertsError(
      `${path('ca.crt')} expired on ${day(caCert.notAfter)}; a certificate it signs would not be trusted.`,
      'Make a new set with mcp-tunnel certs init in an empty directory and register its ca.crt.',
    );
  }

  // The names: the assigned domain first, else what the current certificate covers.
  // The bytes the new set is planned from: the writer replaces nothing that changed since.
  const plannedCert = currentBytes(path('tls.crt'));
  const plannedKey = currentBytes(path('tls.key'));
  const oldCert = firstCertificate(path('tls.crt'), 'server');
  const fileDomain = readDomainFile(path('tunnel-domain'));
  let optDomain: string | null = null;
  if (opts.tunnelDomain !== undefined) {
    const c = checkTunnelDomain(opts.tunnelDomain);
    if (!c.ok) throw new CertsError(`--tunnel-domain: ${c.problem}`);
    optDomain = c.domain;
    if (fileDomain !== null && fileDomain !== optDomain) {
      throw new CertsError(
        `--tunnel-domain ${optDomain} disagrees with ${path('tunnel-domain')} (${fileDomain}).`,
        `${path('tunnel-domain')} should hold the domain on the tunnel's detail page: correct it, or drop --tunnel-domain.`,
      );
    }
  }
  const domain = fileDomain ?? optDomain;
  const names = domain ? [wildcardFor(domain)] : (oldCert?.sanDns ?? []);
  if (names.length === 0) {
    throw new CertsError(
      `cannot tell which names the certificate should cover: ${path('tunnel-domain')} is missing and ${oldCert ? `${path('tls.crt')} has no DNS names` : `there is no ${path('tls.crt')}`}.`,
      "Pass --tunnel-domain <the domain on the tunnel's detail page>.",
    );
  }
  if (oldCert && oldCert.sanDns.join(',') !== names.join(',')) {
    io.stderr(
      `Note: the names change from ${oldCert.sanDns.join(', ') || '(none)'} to ${names.join(', ')} (from ${fileDomain ? path('tunnel-domain') : '--tunnel-domain'}).\n`,
    );
  }

  // The key: fresh by default (same type as before), or the current one with --keep-key.
  let serverKey: KeyObject;
  let freshKey: KeyObject | null = null;
  let keyNote: string;
  if (opts.keepKey) {
    if (opts.keyType !== undefined)
      throw new CertsError('--keep-key and --key-type exclude each other: a kept key keeps its type.');
    const loaded = loadPrivateKey(path('tls.key'));
    if (!loaded.ok)
      throw new CertsError(
        loaded.missing ? `${path('tls.key')}: no such file; --keep-key needs the current server key.` : loaded.problem,
      );
    serverKey = createPublicKey(loaded.key);
    keyNote = `kept ${path('tls.key')} (${describeKey(serverKey)})`;
  } else {
    const previous: KeySpec =
      oldCert?.publicKey.type === 'rsa'
        ? {
            type: 'rsa',
            bits: (oldCert.publicKey.bits ?? 0) >= 4096 ? 4096 : (oldCert.publicKey.bits ?? 0) >= 3072 ? 3072 : 2048,
          }
        : { type: 'ec', curve: oldCert?.publicKey.curve === 'P-384' ? 'P-384' : 'P-256' };
    const spec = keySpecFor(opts.keyType, previous);
    const pair = generateKeyPair(spec);
    serverKey = pair.publicKey;
    freshKey = pair.privateKey;
    keyNote = `new ${describeSpec(spec)} key`;
  }

  // Validity: never past the CA's own end.
  const validity = validityFrom(now, days);
  if (validity.notAfter.getTime() > caNotAfter.getTime()) {
    validity.notAfter = caNotAfter;
    io.stderr(
      `Warning: ${path('ca.crt')} ends on ${day(caNotAfter)}, so the server certificate ends then too, not in ${days} days. Plan a new CA (certs init in a new directory) and register it before then.\n`,
    );
  }
  const caDer = Buffer.from(caCert.derBase64, 'base64');
  const der = issueServerCertificate(
    {
      certificate: caDer,
      subjectKeyId: Buffer.from(caCert.subjectKeyId, 'hex'),
      privateKey: caKey.key,
      publicKey: caPublic,
    },
    serverKey,
    names,
    validity,
  );
  // Belt and braces: the probe must read back what the doctor will judge.
  const readBack = describeCertificate(der);
  if ('problem' in readBack) throw new Error(`the new certificate ${readBack.problem}`);

  // The key first: a proxy that reloads when tls.crt changes then finds the matching key.
  // With --keep-key the certificate is issued for the key read above: it must still be there.
  const changes: Change[] = [];
  if (plannedKey && !freshKey) changes.push({ kind: 'keep', path: path('tls.key'), expected: plannedKey });
  if (freshKey) {
    const pem = pemEncode('PRIVATE KEY', freshKey.export({ type: 'pkcs8', format: 'der' }));
    changes.push(fileChange(path('tls.key'), pem, PUBLIC_MODE, plannedKey, KEY_MODE));
  }
  changes.push(fileChange(path('tls.crt'), pemEncode('CERTIFICATE', der), PUBLIC_MODE, plannedCert));
  if (fileDomain === null && optDomain !== null) {
    changes.push(fileChange(path('tunnel-domain'), `${optDomain}\n`, PUBLIC_MODE, null));
  }
  const backups = commitSet(out, changes);

  const renewBy = new Date(validity.notAfter.getTime() - RENEW_BEFORE_DAYS * DAY_MS);
  const lines = [
    `Renewed ${path('tls.crt')} with the CA ${caCert.subject} (${path('ca.crt')} unchanged, no new registration needed):`,
    `  names:    ${names.join(', ')}`,
    `  valid:    ${validity.notBefore.toISOString()} to ${validity.notAfter.toISOString()}${oldCert ? ` (was until ${oldCert.notAfter})` : ''}`,
    `  key:      ${keyNote}${opts.keepKey ? '' : `, ${path('tls.key')} mode 0644`}`,
  ];
  if (backups.length > 0) lines.push(`  backups:  ${backups.join(', ')}`);
  lines.push(
    '',
    'Next:',
    opts.keepKey
      ? '  1. The proxy reloads tls.crt on its own; restart it if it still serves the old certificate (docker compose restart <proxy service>).'
      : '  1. Restart the proxy so it loads the new key and certificate together (docker compose restart <proxy service>).',
    '  2. Check the deployment: mcp-tunnel doctor',
    `  3. Renew again before ${day(renewBy)}.`,
    '',
  );
  io.stdout(lines.join('\n'));
  return 0;
}

// ---------------------------------------------------------------------------------------------
// certs inspect

export async function certsInspect(opts: CertsInspectOptions, io: CertsIO): Promise<number> {
  return guarded('inspect', io, () => inspect(opts, io));
}

function inspect(opts: CertsInspectOptions, io: CertsIO): number {
  const now = opts.now ?? new Date();
  const file = opts.file;
  const cert = readCertificateFile(file, true);
  if (cert.state === 'missing') throw new CertsError(`${file}: no such file`);
  if (cert.state === 'unreadable') throw new CertsError(`${file}: ${cert.problem}`);
  if (cert.state === 'ok' && cert.value.certificates.length > 0) {
    io.stdout(
      opts.json
        ? `${JSON.stringify(certificateFileJson(file, cert.value, now), null, 2)}\n`
        : certificateFileText(file, cert.value, now),
    );
    return 0;
  }
  if (cert.state === 'invalid') {
    throw new CertsError(
      `${file} ${cert.problem}`,
      'certs inspect reads certificates (PEM or DER, one or a bundle) and private keys.',
    );
  }
  // No certificate, but private-key material: describe the key (never its content).
  const key = readPrivateKeyFile(file, true);
  if (key.state !== 'ok')
    throw new CertsError(
      `${file} ${key.state === 'invalid' || key.state === 'unreadable' ? key.problem : 'cannot be read'}`,
    );
  io.stdout(opts.json ? `${JSON.stringify(keyFileJson(file, key.value), null, 2)}\n` : keyFileText(file, key.value));
  if (key.value.parseError) {
    io.stderr(`mcp-tunnel certs inspect: ${file}: ${key.value.parseError}\n`);
    return 2;
  }
  return 0;
}
