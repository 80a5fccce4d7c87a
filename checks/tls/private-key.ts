// private-key: tls.key is PEM, unencrypted, parses, belongs to tls.crt, and the proxy's user
// (UID 65532, or the proxy service's numeric `user:`) may read it. Access is judged from the
// file's mode and owner for that user, not for whoever runs the doctor: a 0600 key owned by
// 65532 is right even though an ordinary user cannot read it. On Helm the key comes from a
// Secret mount, so file modes do not apply.

import { defineCheck } from '../../src/core/check.js';
import type { FileStatFacts } from '../../src/core/facts.js';
import { octal } from '../../src/core/file-mode.js';
import { proxyUser } from '../../src/model/deployment-view.js';
import { describeKeyShort } from '../../src/pki/public-key.js';
import {
  displayPath,
  MISSING_FILE,
  ownFileProblem,
  UNUSABLE_FILE,
  usableCertificate,
} from '../../src/pki/tls-inputs.js';

const HELM_MOUNT = 'On Helm the key is mounted from a Secret; file modes do not apply.';
const PROXY_READS = "The proxy's user can read it.";

/** POSIX access for one user: the owner bits if it owns the file, else the group bits if in its group, else the other bits. */
function canRead(stat: Omit<FileStatFacts, 'path'>, who: { uid: number; gid: number }): boolean {
  if (who.uid === 0) return true;
  if (stat.uid === who.uid) return (stat.mode & 0o400) !== 0;
  if (stat.gid === who.gid) return (stat.mode & 0o040) !== 0;
  return (stat.mode & 0o004) !== 0;
}

export const check = defineCheck({
  id: 'private-key',
  // Not required: a missing tls.key is this check's failure to report (on Compose).
  requires: [],
  uses: ['privateKey', 'privateKeyStat', 'serverCert', 'compose', 'helmValues'],
  messages: {
    missing: {
      severity: 'error',
      meaning: 'tls.key does not exist.',
      ...MISSING_FILE,
      fix: 'Run the setup (docker compose --profile setup run --rm setup), or put tls.key in {file}.',
    },
    unreadable: {
      severity: 'error',
      meaning: 'tls.key cannot be read.',
      ...UNUSABLE_FILE,
      fix: 'Make {file} a regular, readable file.',
    },
    'not-a-key': {
      severity: 'error',
      meaning: 'tls.key does not hold a private key that parses.',
      ...UNUSABLE_FILE,
      fix: 'Replace {file} with the unencrypted PEM private key of tls.crt.',
    },
    'not-pem': {
      severity: 'error',
      meaning: 'tls.key is not PEM.',
      symptom: 'The proxy exits at start: it finds no PEM data in the key file.',
      cause: '{file} is DER (binary); the proxy loads PEM keys only.',
      fix: 'openssl pkey -inform der -in {file} -out {file}.pem && mv {file}.pem {file}',
    },
    encrypted: {
      severity: 'error',
      meaning: 'tls.key is encrypted; the proxy has no passphrase.',
      symptom: 'The proxy exits at start: it cannot load an encrypted key.',
      cause: '{file} is encrypted ({labels}); the proxy has no passphrase to open it.',
      fix:
        'Write it unencrypted: openssl pkey -in {file} -out {file}.plain (enter the passphrase), then mv ' +
        '{file}.plain {file} and chmod 644 {file}.',
    },
    unparsable: {
      severity: 'error',
      meaning: 'tls.key does not parse as PKCS#8, PKCS#1 or SEC1.',
      symptom: 'The proxy exits at start: it cannot load the key pair.',
      cause: '{file}: {problem}.',
      fix: 'Replace {file} with the unencrypted PEM key that tls.crt was issued for.',
    },
    'not-read-by-doctor': {
      severity: 'info',
      meaning: "The doctor cannot read tls.key, but the proxy's user can (info).",
      symptom: "{file} was not parsed: the doctor's own user may not read it.",
      cause: 'Only its mode and owner were judged; whether it parses and matches tls.crt is unknown.',
      fix: "Run the doctor as root or as the proxy's user (e.g. sudo npx mcp-tunnel doctor) to check the key too.",
    },
    'unreadable-by-proxy': {
      severity: 'error',
      meaning: "The proxy's user (UID 65532) cannot read tls.key: mode and owner.",
      symptom: 'The proxy exits with "open /data/tls.key: permission denied".',
      cause:
        '{file} has mode {mode} and owner {uid}:{gid}; the proxy runs as UID {proxyUid} ({proxyUser}), which may not ' +
        'read it.',
      fix:
        "chmod 644 {file} (the vendor's setup), or keep the key private to the proxy's user: " +
        'chown {proxyUid}:{proxyGid} {file} && chmod 600 {file}; then restart the proxy.',
    },
    mismatch: {
      severity: 'error',
      meaning: 'tls.key is not the key of tls.crt.',
      symptom: 'The proxy exits while loading the key pair ("private key does not match public key").',
      cause:
        '{file} ({key}) is not the key of {certificate} ({certificateKey}): one of them was replaced without the ' +
        'other.',
      fix:
        'Re-issue {certificate} for this key (openssl req -new -key {file} ...), or put back the key it was issued ' +
        'for.',
    },
    'match-not-checked': {
      severity: 'info',
      meaning: 'Whether the key matches tls.crt was not checked (info).',
      symptom: 'Whether the key matches tls.crt was not checked.',
      cause: '{why}',
      fix: 'Fix tls.crt first.',
    },
    summary: {
      severity: 'info',
      meaning: 'The key parses, matches tls.crt and is readable by the proxy (info).',
      symptom: '{file}: {verified}.',
      cause: '{access}',
      fix: 'Nothing to do.',
    },
  },
  run(facts, report) {
    const fact = facts.privateKey;
    const helm = facts.deployment.layout === 'helm';
    // Whether the proxy's user may read the key, from its mode and owner; a finding when it may not.
    let unreadableByProxy = false;
    const judgeAccess = (file: string, stat: Omit<FileStatFacts, 'path'>) => {
      const who = proxyUser(facts);
      if (canRead(stat, who)) return;
      unreadableByProxy = true;
      const mode = octal(stat.mode);
      const owners = { mode, uid: stat.uid, gid: stat.gid, proxyUid: who.uid, proxyGid: who.gid };
      report(
        'unreadable-by-proxy',
        { file, ...owners, proxyUser: who.source },
        { file },
        { evidence: { file, ...owners } },
      );
    };

    if (fact?.state === 'unreadable' && facts.privateKeyStat && fact.problem === 'permission denied' && !helm) {
      // The doctor may not read the key, but its mode and owner still tell whether the proxy can.
      const file = displayPath(facts, fact.path);
      judgeAccess(file, facts.privateKeyStat);
      report('not-read-by-doctor', { file }, null, { evidence: { file } });
      return;
    }
    if (fact?.state !== 'ok') {
      const problem = ownFileProblem(facts, 'privateKey', fact);
      if (problem.kind === 'skip') return report.skip(problem.reason);
      const file = problem.file;
      if (problem.kind === 'missing') report('missing', { file }, { file }, { evidence: { file } });
      else {
        const messageId = problem.kind === 'unreadable' ? 'unreadable' : 'not-a-key';
        report(messageId, { file, problem: problem.problem }, problem.location, {
          evidence: { file, problem: problem.problem },
        });
      }
      return;
    }

    const key = fact.value;
    const file = displayPath(facts, fact.path);
    const location = { file };
    if (!helm) judgeAccess(file, key);
    if (key.encoding === 'der') report('not-pem', { file }, location, { evidence: { file } });
    if (key.encrypted) {
      report('encrypted', { file, labels: key.pemLabels.join(', ') || 'DER' }, location, {
        evidence: { file, pemLabels: key.pemLabels },
      });
      return;
    }
    if (key.parseError || !key.spkiSha256 || !key.publicKey) {
      const problem = key.parseError ?? 'the key does not parse';
      report('unparsable', { file, problem }, location, { evidence: { file, pemLabels: key.pemLabels } });
      return;
    }

    const usable = usableCertificate(facts, 'serverCert');
    const cert = 'certificate' in usable ? usable.certificate : null;
    const mismatch = cert !== null && cert.spkiSha256 !== key.spkiSha256;
    if ('unusable' in usable) {
      report('match-not-checked', { why: usable.unusable }, null, { evidence: { file } });
      report.notChecked(`whether the key matches tls.crt (${usable.unusable})`);
    } else if (mismatch) {
      const certificate = usable.path;
      const data = {
        file,
        key: describeKeyShort(key.publicKey),
        certificate,
        certificateKey: describeKeyShort(usable.certificate.publicKey),
      };
      report('mismatch', data, location, {
        evidence: {
          file,
          certificate,
          keyPublicSha256: key.spkiSha256,
          certificatePublicSha256: usable.certificate.spkiSha256,
        },
      });
    }
    // The summary only when nothing is wrong (an info finding may stand beside it).
    if (!unreadableByProxy && key.encoding !== 'der' && !mismatch) {
      const mode = octal(key.mode);
      const keyName = describeKeyShort(key.publicKey);
      const verified = [
        keyName,
        ...(cert ? ['matches tls.crt'] : []),
        ...(helm ? [] : [`mode ${mode}, owner ${key.uid}:${key.gid}`]),
      ].join(', ');
      report('summary', { file, verified, access: helm ? HELM_MOUNT : PROXY_READS }, location, {
        evidence: { file, key: keyName, mode, uid: key.uid, gid: key.gid },
      });
    }
  },
});
