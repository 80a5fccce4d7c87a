// private-key: tls.key is PEM, unencrypted, parses, belongs to tls.crt, and the proxy's user
// (UID 65532, or the proxy service's numeric `user:`) may read it. Access is judged from the
// file's mode and owner for that user, not for whoever runs the doctor: a 0600 key owned by
// 65532 is right even though an ordinary user cannot read it. On Helm the key comes from a
// Secret mount, so file modes do not apply.

import { finding, judge, type LegacyCheck, type Outcome } from '../../src/core/check.js';
import type { Facts, FileStatFacts } from '../../src/core/facts.js';
import type { Finding } from '../../src/core/types.js';
import { proxyUser } from '../../src/model/deployment-view.js';
import { describeKeyShort } from '../../src/pki/public-key.js';
import { displayPath, firstCertificate, ownFileOutcome, unusableReason } from '../../src/pki/tls-inputs.js';

const ID = 'private-key';

/** POSIX access for one user: the owner bits if it owns the file, else the group bits if in its group, else the other bits. */
function canRead(stat: Omit<FileStatFacts, 'path'>, who: { uid: number; gid: number }): boolean {
  if (who.uid === 0) return true;
  if (stat.uid === who.uid) return (stat.mode & 0o400) !== 0;
  if (stat.gid === who.gid) return (stat.mode & 0o040) !== 0;
  return (stat.mode & 0o004) !== 0;
}

function accessFinding(facts: Readonly<Facts>, path: string, stat: Omit<FileStatFacts, 'path'>): Finding | null {
  const who = proxyUser(facts);
  if (canRead(stat, who)) return null;
  const mode = `0${stat.mode.toString(8).padStart(3, '0')}`;
  return finding(ID, {
    messageId: 'unreadable-by-proxy',
    symptom: `The proxy exits with "open /data/tls.key: permission denied".`,
    cause: `${path} has mode ${mode} and owner ${stat.uid}:${stat.gid}; the proxy runs as UID ${who.uid} (${who.source}), which may not read it.`,
    fix: `chmod 644 ${path} (the vendor's setup), or keep the key private to the proxy's user: chown ${who.uid}:${who.gid} ${path} && chmod 600 ${path}; then restart the proxy.`,
    evidence: { file: path, mode, uid: stat.uid, gid: stat.gid, proxyUid: who.uid, proxyGid: who.gid },
    location: { file: path },
  });
}

function run(facts: Readonly<Facts>): Outcome {
  const fact = facts.privateKey;
  const helm = facts.deployment.layout === 'helm';
  const out: Finding[] = [];

  if (fact?.state === 'unreadable' && facts.privateKeyStat && fact.problem === 'permission denied' && !helm) {
    // The doctor may not read the key, but its mode and owner still tell whether the proxy can.
    const path = displayPath(facts, fact.path);
    const access = accessFinding(facts, path, facts.privateKeyStat);
    if (access) out.push(access);
    out.push(finding(ID, {
      messageId: 'not-read-by-doctor',
      severity: 'info',
      symptom: `${path} was not parsed: the doctor's own user may not read it.`,
      cause: 'Only its mode and owner were judged; whether it parses and matches tls.crt is unknown.',
      fix: 'Run the doctor as root or as the proxy\'s user (e.g. sudo npx mcp-tunnel doctor) to check the key too.',
      evidence: { file: path },
    }));
    return judge(out);
  }
  if (fact?.state !== 'ok') return ownFileOutcome(facts, 'privateKey', fact);

  const key = fact.value;
  const path = displayPath(facts, fact.path);
  const location = { file: path };
  if (!helm) {
    const access = accessFinding(facts, path, key);
    if (access) out.push(access);
  }
  if (key.encoding === 'der') {
    out.push(finding(ID, { messageId: 'not-pem', symptom: 'The proxy exits at start: it finds no PEM data in the key file.', cause: `${path} is DER (binary); the proxy loads PEM keys only.`, fix: `openssl pkey -inform der -in ${path} -out ${path}.pem && mv ${path}.pem ${path}`, evidence: { file: path }, location }));
  }
  if (key.encrypted) {
    out.push(finding(ID, {
      messageId: 'encrypted',
      symptom: 'The proxy exits at start: it cannot load an encrypted key.',
      cause: `${path} is encrypted (${key.pemLabels.join(', ') || 'DER'}); the proxy has no passphrase to open it.`,
      fix: `Write it unencrypted: openssl pkey -in ${path} -out ${path}.plain (enter the passphrase), then mv ${path}.plain ${path} and chmod 644 ${path}.`,
      evidence: { file: path, pemLabels: key.pemLabels },
      location,
    }));
    return judge(out);
  }
  if (key.parseError || !key.spkiSha256 || !key.publicKey) {
    out.push(finding(ID, { messageId: 'unparsable', symptom: 'The proxy exits at start: it cannot load the key pair.', cause: `${path}: ${key.parseError ?? 'the key does not parse'}.`, fix: `Replace ${path} with the unencrypted PEM key that tls.crt was issued for.`, evidence: { file: path, pemLabels: key.pemLabels }, location }));
    return judge(out);
  }

  const certWhyNot = unusableReason(facts, 'serverCert');
  const cert = certWhyNot ? null : firstCertificate(facts.serverCert);
  if (cert && cert.spkiSha256 !== key.spkiSha256) {
    const certPath = displayPath(facts, facts.serverCert!.path);
    out.push(finding(ID, {
      messageId: 'mismatch',
      symptom: 'The proxy exits while loading the key pair ("private key does not match public key").',
      cause: `${path} (${describeKeyShort(key.publicKey)}) is not the key of ${certPath} (${describeKeyShort(cert.publicKey)}): one of them was replaced without the other.`,
      fix: `Re-issue ${certPath} for this key (openssl req -new -key ${path} ...), or put back the key it was issued for.`,
      evidence: { file: path, certificate: certPath, keyPublicSha256: key.spkiSha256, certificatePublicSha256: cert.spkiSha256 },
      location,
    }));
  } else if (!cert) {
    out.push(finding(ID, { messageId: 'match-not-checked', severity: 'info', symptom: 'Whether the key matches tls.crt was not checked.', cause: certWhyNot ?? 'tls.crt is not usable.', fix: 'Fix tls.crt first.', evidence: { file: path } }));
  }
  if (!out.some((f) => f.severity !== 'info')) {
    const mode = `0${key.mode.toString(8).padStart(3, '0')}`;
    out.push(finding(ID, {
      messageId: 'summary',
      severity: 'info',
      symptom: `${path}: ${describeKeyShort(key.publicKey)}${cert ? ', matches tls.crt' : ''}${helm ? '' : `, mode ${mode}, owner ${key.uid}:${key.gid}`}.`,
      cause: helm ? 'On Helm the key is mounted from a Secret; file modes do not apply.' : 'The proxy\'s user can read it.',
      fix: 'Nothing to do.',
      evidence: { file: path, key: describeKeyShort(key.publicKey), mode, uid: key.uid, gid: key.gid },
      location,
    }));
  }
  return judge(out, cert ? [] : [`whether the key matches tls.crt (${certWhyNot ?? 'tls.crt is not usable'})`]);
}

export const check: LegacyCheck = { id: ID, layer: 'tls', kind: 'static', run };
