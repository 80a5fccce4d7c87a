// ca-certificate: data/ca.crt meets the registration rules (PEM, one certificate, <= 8 kB,
// critical CA:TRUE, SKI, keyCertSign, key and signature strength). Its validity is judged by
// certificate-expiry; this check owns the file's own problems (missing, unreadable, invalid).

import { catalogEntry } from '../../src/catalog/catalog.js';
import { defineCheck, fillTemplate } from '../../src/core/check.js';
import { isPrivateKeyLabel } from '../../src/pki/pem.js';
import { describeKeyShort } from '../../src/pki/public-key.js';
import { strengthProblems } from '../../src/pki/strength.js';
import { displayPath, MISSING_FILE, ownFileProblem, UNUSABLE_FILE } from '../../src/pki/tls-inputs.js';

const ID = 'ca-certificate';
const MAX_BYTES = 8 * 1024;
/** not-a-certificate reads differently for a file that cannot be used and for one that holds no certificate block. */
const NOT_A_CERTIFICATE = {
  unusable: { symptom: UNUSABLE_FILE.symptom, fix: 'Replace {file} with the PEM ca.crt written by the setup.' },
  noCertificate: { symptom: catalogEntry(ID).symptom, fix: 'Put the CA certificate (PEM) in {file}.' },
};
const RECIPE =
  'openssl req -x509 -new -key ca.key -sha256 -days 1825 -subj "/CN=MCP Tunnel CA" -addext basicConstraints=critical,CA:TRUE ' +
  '-addext keyUsage=critical,keyCertSign,cRLSign -addext subjectKeyIdentifier=hash -out ca.crt';
const STRONG_CA =
  'Make a new CA with an ECDSA P-256 key and SHA-256 (openssl ecparam -name prime256v1 -genkey -noout -out ca.key; ' +
  `${RECIPE}), then re-issue tls.crt and register it.`;

function notACertificate(which: keyof typeof NOT_A_CERTIFICATE, data: { file: string; problem: string }) {
  const words = NOT_A_CERTIFICATE[which];
  return { ...data, symptom: fillTemplate(words.symptom, data, ID), fix: fillTemplate(words.fix, data, ID) };
}

export const check = defineCheck({
  id: ID,
  // Not required: a missing ca.crt is this check's failure to report (on Compose).
  requires: [],
  uses: ['caCert', 'helmValues'],
  messages: {
    missing: {
      severity: 'error',
      meaning: 'data/ca.crt does not exist.',
      ...MISSING_FILE,
      fix:
        'Run the setup (docker compose --profile setup run --rm setup), or put ca.crt in {file} (the CA that signed ' +
        'tls.crt).',
    },
    unreadable: {
      severity: 'error',
      meaning: 'data/ca.crt cannot be read.',
      ...UNUSABLE_FILE,
      fix: 'Make {file} a regular, readable file holding the PEM certificate.',
    },
    'not-a-certificate': {
      severity: 'error',
      meaning: 'data/ca.crt does not hold a certificate that parses.',
      symptom: '{symptom}',
      cause: UNUSABLE_FILE.cause,
      fix: '{fix}',
    },
    'not-pem': {
      severity: 'error',
      meaning: 'The CA file is not PEM.',
      cause: '{file} is DER (binary); registration takes PEM text.',
      fix: 'openssl x509 -inform der -in {file} -out {file}.pem && mv {file}.pem {file}',
    },
    'too-large': {
      severity: 'error',
      meaning: 'The CA file is over the 8 kB the registration accepts.',
      cause: '{file} is {sizeBytes} bytes; the limit is {maxBytes} bytes (8 kB).',
      fix: 'Keep only the one CA certificate in {file}, without text output around it.',
    },
    'multiple-certificates': {
      severity: 'error',
      meaning: 'The CA file holds more than one certificate.',
      cause: '{file} holds {count} certificates; registration takes exactly one.',
      fix: 'Keep only the CA certificate in {file} (the first block is: {first}).',
    },
    'private-key-material': {
      severity: 'error',
      meaning: 'The CA file holds private key material: it must never be uploaded.',
      cause:
        '{file} holds private-key material; the console refuses it, and ca.crt is the one file meant to leave the ' +
        'host.',
      fix:
        'Remove the PRIVATE KEY block from {file} (keep the key in ca.key, readable only by you) and consider the CA key ' +
        'exposed if the file was shared.',
    },
    'extra-blocks': {
      severity: 'error',
      meaning: 'The CA file holds blocks that are not a certificate or do not parse.',
      cause: '{file} holds blocks that are not a certificate or do not parse: {blocks}.',
      fix: 'Leave exactly one "-----BEGIN CERTIFICATE-----" block in {file}.',
    },
    'not-a-ca': {
      severity: 'error',
      meaning: 'The certificate lacks BasicConstraints CA:TRUE.',
      cause: '{subject} is not a CA certificate (BasicConstraints {basicConstraints}).',
      fix: `Make a CA: ${RECIPE}`,
    },
    'basic-constraints-not-critical': {
      severity: 'error',
      meaning: 'BasicConstraints is not marked critical.',
      cause: 'BasicConstraints CA:TRUE is present but not marked critical.',
      fix: `Re-create the CA with -addext basicConstraints=critical,CA:TRUE: ${RECIPE}`,
    },
    'no-key-cert-sign': {
      severity: 'error',
      meaning: 'KeyUsage lacks keyCertSign.',
      cause: 'KeyUsage is {usages}; it must include keyCertSign.',
      fix: `Re-create the CA with -addext keyUsage=critical,keyCertSign,cRLSign: ${RECIPE}`,
    },
    'no-subject-key-id': {
      severity: 'error',
      meaning: 'The CA has no SubjectKeyIdentifier.',
      cause:
        "The CA has no SubjectKeyIdentifier, so the server certificate's AuthorityKeyIdentifier cannot point at it.",
      fix: `Re-create the CA with -addext subjectKeyIdentifier=hash: ${RECIPE}`,
    },
    'weak-key': {
      severity: 'error',
      meaning: 'The key is weaker than RSA 2048 or ECDSA P-256.',
      cause: "The CA's {detail}.",
      fix: STRONG_CA,
    },
    'key-type-not-listed': {
      severity: 'error',
      meaning: 'The key type is not one the rules accept (RSA 2048+, ECDSA P-256+).',
      cause: "The CA's {detail}.",
      fix: STRONG_CA,
    },
    'weak-signature': {
      severity: 'error',
      meaning: 'The signature uses a hash weaker than SHA-256.',
      cause: "The CA's {detail}.",
      fix: STRONG_CA,
    },
    'unknown-signature': {
      severity: 'warn',
      meaning: 'The signature algorithm is not one the doctor can judge.',
      // A warning must not read like a refusal that happened.
      symptom: 'The console or the platform may refuse this CA certificate.',
      cause: "The CA's {detail}.",
      fix: STRONG_CA,
    },
    summary: {
      severity: 'info',
      meaning: 'The CA certificate meets the rules (info).',
      symptom: '{file}: {subject}, {key}, {signatureAlgorithm}.',
      cause: 'The CA certificate meets the registration rules.',
      fix: 'Register it if it is not yet (its SHA-256 fingerprint is {fingerprint256}).',
    },
  },
  run(facts, report) {
    const fact = facts.caCert;
    if (fact?.state !== 'ok') {
      const problem = ownFileProblem(facts, 'caCert', fact);
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
    // Every finding but the summary is a broken rule; the summary comes only when none is.
    let broken = 0;
    const ruleBroken = (evidence: Record<string, unknown> = {}) => {
      broken += 1;
      return { evidence: { file, ...evidence } };
    };

    if (content.containsPrivateKey)
      report('private-key-material', { file }, location, ruleBroken({ pemLabels: content.pemLabels }));
    const ca = content.certificates[0];
    if (!ca) {
      // The probe keeps a file without a certificate 'ok' only when it holds a key (reported above).
      if (!content.containsPrivateKey) {
        const data = { file, problem: 'holds no certificate' };
        report(
          'not-a-certificate',
          notACertificate('noCertificate', data),
          location,
          ruleBroken({ pemLabels: content.pemLabels }),
        );
      }
      return;
    }
    if (content.encoding === 'der') report('not-pem', { file }, location, ruleBroken());
    if (content.certificates.length > 1) {
      const subjects = content.certificates.map((c) => c.subject);
      report(
        'multiple-certificates',
        { file, count: subjects.length, first: ca.subject },
        location,
        ruleBroken({ subjects }),
      );
    }
    const otherBlocks = content.pemLabels.filter((l) => l !== 'CERTIFICATE' && !isPrivateKeyLabel(l));
    if (otherBlocks.length > 0 || content.unparsable.length > 0) {
      const blocks = [...otherBlocks, ...content.unparsable].join('; ');
      report(
        'extra-blocks',
        { file, blocks },
        location,
        ruleBroken({ pemLabels: content.pemLabels, unparsable: content.unparsable }),
      );
    }
    if (content.sizeBytes > MAX_BYTES) {
      report(
        'too-large',
        { file, sizeBytes: content.sizeBytes, maxBytes: MAX_BYTES },
        location,
        ruleBroken({ sizeBytes: content.sizeBytes }),
      );
    }

    const bc = ca.basicConstraints;
    if (!bc || !bc.ca) {
      report(
        'not-a-ca',
        { subject: ca.subject, basicConstraints: bc ? 'CA:FALSE' : 'absent' },
        location,
        ruleBroken({ basicConstraints: bc }),
      );
    } else if (!bc.critical) {
      report('basic-constraints-not-critical', {}, location, ruleBroken({ basicConstraints: bc }));
    }
    if (!ca.subjectKeyId) report('no-subject-key-id', {}, location, ruleBroken());
    if (!ca.keyUsage?.usages.includes('keyCertSign')) {
      const usages = ca.keyUsage ? ca.keyUsage.usages.join(', ') || 'empty' : 'absent';
      report('no-key-cert-sign', { usages }, location, ruleBroken({ keyUsage: ca.keyUsage }));
    }
    for (const p of strengthProblems(ca)) report(p.messageId, { detail: p.detail }, location, ruleBroken(p.evidence));

    if (broken === 0) {
      const key = describeKeyShort(ca.publicKey);
      const signatureAlgorithm = ca.signatureAlgorithm.name;
      report(
        'summary',
        { file, subject: ca.subject, key, signatureAlgorithm, fingerprint256: ca.fingerprint256 },
        location,
        {
          evidence: {
            file,
            subject: ca.subject,
            fingerprint256: ca.fingerprint256,
            subjectKeyId: ca.subjectKeyId,
            key,
            signatureAlgorithm,
            sizeBytes: content.sizeBytes,
          },
        },
      );
    }
  },
});
