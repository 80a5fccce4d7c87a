// server-certificate: tls.crt itself is fit for the inner TLS: PEM, issued directly (no
// intermediate), AuthorityKeyIdentifier equal to the CA's SKI, serverAuth when EKU is present,
// not a CA, key and signature strength. Which CA signed it is ca-registration's question, its
// names certificate-san's, its dates certificate-expiry's. Owns the file's own problems.

import { dirname, join } from 'node:path';
import { catalogEntry } from '../../src/catalog/catalog.js';
import { defineCheck, fillTemplate } from '../../src/core/check.js';
import type { Facts } from '../../src/core/facts.js';
import { effectiveTunnelDomain } from '../../src/model/deployment-view.js';
import { formatKeyId, issuance, issuedBy } from '../../src/pki/issuance.js';
import { isPrivateKeyLabel } from '../../src/pki/pem.js';
import { describeKeyShort } from '../../src/pki/public-key.js';
import { strengthProblems } from '../../src/pki/strength.js';
import {
  displayPath,
  firstCertificate,
  MISSING_FILE,
  ownFileProblem,
  UNUSABLE_FILE,
} from '../../src/pki/tls-inputs.js';

const ID = 'server-certificate';
/** The recipe's re-issue commands; ca.key, tls.key and tls.ext sit beside the files they go with. */
const REISSUE =
  "Re-issue {file} directly from {ca} with the recipe's {ext} (authorityKeyIdentifier=keyid, subjectAltName=DNS:*.{domain}, " +
  'extendedKeyUsage=serverAuth, basicConstraints=CA:FALSE, keyUsage=digitalSignature,keyEncipherment): ' +
  'openssl req -new -key {key} -subj "/CN=*.{domain}" -out tls.csr && openssl x509 -req -in tls.csr -CA {ca} -CAkey {caKey} ' +
  '-CAcreateserial -days 90 -sha256 -extfile {ext} -out {file}; then restart the proxy.';
/** A warning must not read like a failure that happened. */
const MAY_BE_REFUSED = 'The proxy may work, but the platform may refuse or mis-verify what it serves.';
/** not-a-certificate reads differently for a file that cannot be used and for one that holds only a key. */
const NOT_A_CERTIFICATE = {
  unusable: { symptom: UNUSABLE_FILE.symptom, fix: 'Replace {file} with the PEM tls.crt written by the setup.' },
  noCertificate: {
    symptom: catalogEntry(ID).symptom,
    fix: 'Put the server certificate (PEM) in {file} and the key in tls.key.',
  },
};
const NO_CERTIFICATE = 'holds no certificate';
const ONLY_KEY = 'holds no certificate, only private-key material (are tls.crt and tls.key swapped?)';
const SELF_SIGNED = ', self-signed';

/** The data of REISSUE for this deployment's paths and domain. */
function reissue(facts: Readonly<Facts>, file: string) {
  const ca = facts.caCert ? displayPath(facts, facts.caCert.path) : 'data/ca.crt';
  return {
    file,
    ca,
    ext: join(dirname(file), 'tls.ext'),
    key: join(dirname(file), 'tls.key'),
    caKey: join(dirname(ca), 'ca.key'),
    domain: effectiveTunnelDomain(facts)?.value ?? '<tunnel-domain>',
  };
}

function notACertificate(which: keyof typeof NOT_A_CERTIFICATE, data: { file: string; problem: string }) {
  const words = NOT_A_CERTIFICATE[which];
  return { ...data, symptom: fillTemplate(words.symptom, data, ID), fix: fillTemplate(words.fix, data, ID) };
}

export const check = defineCheck({
  id: ID,
  // Not required: a missing tls.crt is this check's failure to report (on Compose).
  requires: [],
  uses: ['serverCert', 'caCert', 'helmValues', 'assignedDomain', 'proxyConfig', 'compose', 'dotenv'],
  messages: {
    missing: {
      severity: 'error',
      meaning: 'tls.crt does not exist.',
      ...MISSING_FILE,
      fix: 'Run the setup (docker compose --profile setup run --rm setup), or put tls.crt in {file}.',
    },
    unreadable: {
      severity: 'error',
      meaning: 'tls.crt cannot be read.',
      ...UNUSABLE_FILE,
      fix: 'Make {file} a regular, readable file holding the PEM certificate.',
    },
    'not-a-certificate': {
      severity: 'error',
      meaning: 'tls.crt does not hold a certificate that parses.',
      symptom: '{symptom}',
      cause: UNUSABLE_FILE.cause,
      fix: '{fix}',
    },
    'not-pem': {
      severity: 'error',
      meaning: 'tls.crt is not PEM.',
      cause: '{file} is DER (binary); the proxy loads PEM only.',
      fix: 'openssl x509 -inform der -in {file} -out {file}.pem && mv {file}.pem {file}',
    },
    'private-key-material': {
      severity: 'warn',
      meaning: 'tls.crt holds private key material.',
      symptom: MAY_BE_REFUSED,
      cause:
        '{file} also holds private-key material; the proxy ignores it there, but certificates get copied and shared.',
      fix: 'Keep only CERTIFICATE blocks in {file}; the key belongs in tls.key.',
    },
    'extra-blocks': {
      severity: 'warn',
      meaning: 'tls.crt holds blocks that are not certificates or do not parse.',
      symptom: MAY_BE_REFUSED,
      cause: '{file} holds blocks that are not certificates or do not parse: {blocks}.',
      fix: 'Leave only the server certificate in {file}.',
    },
    'extra-certificates': {
      severity: 'warn',
      meaning: 'tls.crt holds more certificates than the leaf.',
      symptom: MAY_BE_REFUSED,
      cause:
        '{file} holds {count} certificates; the proxy serves them all as a chain, while the platform wants only the ' +
        'server certificate.',
      fix: 'Keep only the first certificate in {file}.',
    },
    'ca-as-server-certificate': {
      severity: 'error',
      meaning: 'tls.crt holds a CA certificate, not a server certificate.',
      cause:
        'The first certificate in {file} is a CA certificate ("{subject}"{selfSigned}); the proxy must serve a leaf ' +
        'certificate.',
      fix: REISSUE,
    },
    'issued-by-intermediate': {
      severity: 'error',
      meaning: 'The certificate was issued by an intermediate; it must come directly from the CA.',
      cause:
        '{file} was issued by the intermediate CA "{intermediate}" (the next certificate in the file), not directly by a ' +
        'registered CA; the platform accepts no intermediates.',
      fix: REISSUE,
    },
    'authority-key-id-not-judged': {
      severity: 'info',
      meaning: 'The AuthorityKeyIdentifier rule could not be judged (info).',
      symptom: 'The AuthorityKeyIdentifier rule was not judged.',
      cause:
        'The certificate has no AuthorityKeyIdentifier, and the CA that signed it has no SubjectKeyIdentifier for one to ' +
        'equal (reported by ca-certificate).',
      fix: 'Re-create the CA with a SubjectKeyIdentifier first, then re-issue this certificate from it.',
    },
    'no-authority-key-id': {
      severity: 'error',
      meaning: 'The certificate has no AuthorityKeyIdentifier.',
      cause: "The certificate has no AuthorityKeyIdentifier; it must equal the CA's SubjectKeyIdentifier.",
      fix: REISSUE,
    },
    'authority-key-id-mismatch': {
      severity: 'error',
      meaning: "The AuthorityKeyIdentifier is not the CA's SubjectKeyIdentifier.",
      cause:
        "AuthorityKeyIdentifier {authorityKeyId} is not the CA's SubjectKeyIdentifier {caSubjectKeyId}, although the " +
        'CA signed it.',
      fix: REISSUE,
    },
    'no-server-auth': {
      severity: 'error',
      meaning: 'ExtendedKeyUsage lacks serverAuth.',
      cause: 'ExtendedKeyUsage is {extKeyUsage}, without serverAuth.',
      fix: REISSUE,
    },
    'no-digital-signature': {
      severity: 'warn',
      meaning: 'KeyUsage lacks digitalSignature.',
      symptom: MAY_BE_REFUSED,
      cause: 'KeyUsage is {usages}, without digitalSignature, which TLS 1.3 handshakes need.',
      fix: REISSUE,
    },
    'weak-key': {
      severity: 'error',
      meaning: 'The key is weaker than RSA 2048 or ECDSA P-256.',
      cause: "The server certificate's {detail}.",
      fix: REISSUE,
    },
    'key-type-not-listed': {
      severity: 'error',
      meaning: 'The key type is not one the rules accept (RSA 2048+, ECDSA P-256+).',
      cause: "The server certificate's {detail}.",
      fix: REISSUE,
    },
    'weak-signature': {
      severity: 'error',
      meaning: 'The signature uses a hash weaker than SHA-256.',
      cause: "The server certificate's {detail}.",
      fix: REISSUE,
    },
    'unknown-signature': {
      severity: 'warn',
      meaning: 'The signature algorithm is not one the doctor can judge.',
      symptom: MAY_BE_REFUSED,
      cause: "The server certificate's {detail}.",
      fix: REISSUE,
    },
    summary: {
      severity: 'info',
      meaning: 'The server certificate meets the rules (info).',
      symptom: '{file}: {subject}, issued by {issuer}, {key}, {signatureAlgorithm}.',
      cause: 'The server certificate meets the rules.',
      fix: 'Nothing to do.',
    },
  },
  run(facts, report) {
    const fact = facts.serverCert;
    if (fact?.state !== 'ok') {
      const problem = ownFileProblem(facts, 'serverCert', fact);
      if (problem.kind === 'skip') return report.skip(problem.reason);
      const file = problem.file;
      if (problem.kind === 'missing') report('missing', { file }, { file }, { evidence: { file } });
      else {
        const data = { file, problem: problem.problem };
        const options = { evidence: { file, problem: problem.problem } };
        if (problem.kind === 'unreadable') report('unreadable', data, problem.location, options);
        else report('not-a-certificate', notACertificate('unusable', data), problem.location, options);
      }
      return;
    }
    const content = fact.value;
    const file = displayPath(facts, fact.path);
    const location = { file };
    // The summary comes only when nothing else was reported: count what is.
    let reported = 0;
    const counted = (evidence: Record<string, unknown> = {}) => {
      reported += 1;
      return { evidence: { file, ...evidence } };
    };

    const cert = content.certificates[0];
    if (!cert) {
      const data = { file, problem: content.containsPrivateKey ? ONLY_KEY : NO_CERTIFICATE };
      report(
        'not-a-certificate',
        notACertificate('noCertificate', data),
        location,
        counted({ pemLabels: content.pemLabels }),
      );
      return;
    }
    if (content.encoding === 'der') report('not-pem', { file }, location, counted());
    if (content.containsPrivateKey)
      report('private-key-material', { file }, location, counted({ pemLabels: content.pemLabels }));
    const junk = content.pemLabels.filter((l) => l !== 'CERTIFICATE' && !isPrivateKeyLabel(l));
    if (junk.length > 0 || content.unparsable.length > 0) {
      const blocks = [...junk, ...content.unparsable].join('; ');
      report(
        'extra-blocks',
        { file, blocks },
        location,
        counted({ pemLabels: content.pemLabels, unparsable: content.unparsable }),
      );
    }

    const recipe = reissue(facts, file);
    const ca = firstCertificate(facts.caCert);
    const rest = content.certificates.slice(1);
    const intermediate = rest.find((c) => (!ca || c.fingerprint256 !== ca.fingerprint256) && issuedBy(cert, c));
    if (intermediate) {
      const evidence = counted({ issuer: cert.issuer, intermediate: intermediate.subject });
      report('issued-by-intermediate', { ...recipe, intermediate: intermediate.subject }, location, evidence);
    } else if (rest.length > 0) {
      const subjects = content.certificates.map((c) => c.subject);
      report('extra-certificates', { file, count: subjects.length }, location, counted({ subjects }));
    }

    if (cert.basicConstraints?.ca) {
      // ca.crt (or another CA) copied over tls.crt: that is the one defect; its other rules do not apply.
      const data = { ...recipe, subject: cert.subject, selfSigned: cert.selfSigned ? SELF_SIGNED : '' };
      report('ca-as-server-certificate', data, location, counted({ basicConstraints: cert.basicConstraints }));
      return;
    }
    if (!cert.authorityKeyId && ca && !ca.subjectKeyId && issuedBy(cert, ca)) {
      // Nothing to point at: the CA lacks its SubjectKeyIdentifier, which ca-certificate reports;
      // the new CA it asks for means a new tls.crt anyway.
      report('authority-key-id-not-judged', {}, location, counted());
    } else if (!cert.authorityKeyId && !(ca && !intermediate && !issuedBy(cert, ca))) {
      // (When ca.crt did not sign it, ca-registration reports the issuer; re-issuing from ca.crt adds the AKI.)
      report('no-authority-key-id', recipe, location, counted());
    } else if (ca?.subjectKeyId && !intermediate) {
      const i = issuance(cert, ca);
      // Only judged when ca.crt really signed it: otherwise ca-registration reports the other CA.
      if (i.signatureValid && i.nameMatches && i.keyIdMatches === false) {
        const keyIds = {
          authorityKeyId: formatKeyId(cert.authorityKeyId),
          caSubjectKeyId: formatKeyId(ca.subjectKeyId),
        };
        report('authority-key-id-mismatch', { ...recipe, ...keyIds }, location, counted(keyIds));
      }
    }
    if (cert.extKeyUsage && !cert.extKeyUsage.includes('serverAuth')) {
      report(
        'no-server-auth',
        { ...recipe, extKeyUsage: cert.extKeyUsage.join(', ') },
        location,
        counted({ extKeyUsage: cert.extKeyUsage }),
      );
    }
    if (cert.keyUsage && !cert.keyUsage.usages.includes('digitalSignature')) {
      const usages = cert.keyUsage.usages.join(', ') || 'empty';
      report('no-digital-signature', { ...recipe, usages }, location, counted({ keyUsage: cert.keyUsage }));
    }
    for (const p of strengthProblems(cert))
      report(p.messageId, { ...recipe, detail: p.detail }, location, counted(p.evidence));

    if (reported === 0) {
      const key = describeKeyShort(cert.publicKey);
      const signatureAlgorithm = cert.signatureAlgorithm.name;
      report('summary', { file, subject: cert.subject, issuer: cert.issuer, key, signatureAlgorithm }, location, {
        evidence: {
          file,
          subject: cert.subject,
          issuer: cert.issuer,
          extKeyUsage: cert.extKeyUsage,
          key,
          fingerprint256: cert.fingerprint256,
        },
      });
    }
  },
});
