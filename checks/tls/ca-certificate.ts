// ca-certificate: data/ca.crt meets the registration rules (PEM, one certificate, <= 8 kB,
// critical CA:TRUE, SKI, keyCertSign, key and signature strength). Its validity is judged by
// certificate-expiry; this check owns the file's own problems (missing, unreadable, invalid).

import { finding, judge, type LegacyCheck, type Outcome } from '../../src/core/check.js';
import type { Facts } from '../../src/core/facts.js';
import type { Finding } from '../../src/core/types.js';
import { isPrivateKeyLabel } from '../../src/pki/pem.js';
import { describeKeyShort } from '../../src/pki/public-key.js';
import { strengthProblems } from '../../src/pki/strength.js';
import { displayPath, ownFileOutcome } from '../../src/pki/tls-inputs.js';

const ID = 'ca-certificate';
const MAX_BYTES = 8 * 1024;
const RECIPE = 'openssl req -x509 -new -key ca.key -sha256 -days 1825 -subj "/CN=MCP Tunnel CA" -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign -addext subjectKeyIdentifier=hash -out ca.crt';

function run(facts: Readonly<Facts>): Outcome {
  const fact = facts.caCert;
  if (fact?.state !== 'ok') return ownFileOutcome(facts, 'caCert', fact);
  const file = fact.value;
  const path = displayPath(facts, fact.path);
  const location = { file: path };
  const out: Finding[] = [];
  const add = (messageId: string, cause: string, fix: string, evidence: Record<string, unknown> = {}, severity: Finding['severity'] = 'error') =>
    out.push(finding(ID, {
      messageId,
      severity,
      // A warning must not read like a refusal that happened.
      symptom: severity === 'warn' ? 'The console or the platform may refuse this CA certificate.' : undefined,
      cause,
      fix,
      evidence: { file: path, ...evidence },
      location,
    }));

  if (file.containsPrivateKey) {
    add('private-key-material', `${path} holds private-key material; the console refuses it, and ca.crt is the one file meant to leave the host.`,
      `Remove the PRIVATE KEY block from ${path} (keep the key in ca.key, readable only by you) and consider the CA key exposed if the file was shared.`,
      { pemLabels: file.pemLabels });
  }
  if (file.certificates.length === 0) {
    if (!file.containsPrivateKey) add('not-a-certificate', `${path} holds no certificate.`, `Put the CA certificate (PEM) in ${path}.`, { pemLabels: file.pemLabels });
    return judge(out);
  }
  if (file.encoding === 'der') {
    add('not-pem', `${path} is DER (binary); registration takes PEM text.`, `openssl x509 -inform der -in ${path} -out ${path}.pem && mv ${path}.pem ${path}`);
  }
  if (file.certificates.length > 1) {
    add('multiple-certificates', `${path} holds ${file.certificates.length} certificates; registration takes exactly one.`,
      `Keep only the CA certificate in ${path} (the first block is: ${file.certificates[0].subject}).`,
      { subjects: file.certificates.map((c) => c.subject) });
  }
  const otherBlocks = file.pemLabels.filter((l) => l !== 'CERTIFICATE' && !isPrivateKeyLabel(l));
  if (otherBlocks.length > 0 || file.unparsable.length > 0) {
    add('extra-blocks', `${path} holds blocks that are not a certificate or do not parse: ${[...otherBlocks, ...file.unparsable].join('; ')}.`,
      `Leave exactly one "-----BEGIN CERTIFICATE-----" block in ${path}.`, { pemLabels: file.pemLabels, unparsable: file.unparsable });
  }
  if (file.sizeBytes > MAX_BYTES) {
    add('too-large', `${path} is ${file.sizeBytes} bytes; the limit is ${MAX_BYTES} bytes (8 kB).`, `Keep only the one CA certificate in ${path}, without text output around it.`, { sizeBytes: file.sizeBytes });
  }

  const ca = file.certificates[0];
  const bc = ca.basicConstraints;
  if (!bc || !bc.ca) {
    add('not-a-ca', `${ca.subject} is not a CA certificate (BasicConstraints ${bc ? 'CA:FALSE' : 'absent'}).`, `Make a CA: ${RECIPE}`, { basicConstraints: bc });
  } else if (!bc.critical) {
    add('basic-constraints-not-critical', 'BasicConstraints CA:TRUE is present but not marked critical.', `Re-create the CA with -addext basicConstraints=critical,CA:TRUE: ${RECIPE}`, { basicConstraints: bc });
  }
  if (!ca.subjectKeyId) {
    add('no-subject-key-id', 'The CA has no SubjectKeyIdentifier, so the server certificate\'s AuthorityKeyIdentifier cannot point at it.', `Re-create the CA with -addext subjectKeyIdentifier=hash: ${RECIPE}`);
  }
  if (!ca.keyUsage?.usages.includes('keyCertSign')) {
    add('no-key-cert-sign', `KeyUsage ${ca.keyUsage ? `is ${ca.keyUsage.usages.join(', ') || 'empty'}` : 'is absent'}; it must include keyCertSign.`,
      `Re-create the CA with -addext keyUsage=critical,keyCertSign,cRLSign: ${RECIPE}`, { keyUsage: ca.keyUsage });
  }
  for (const p of strengthProblems(ca)) {
    add(p.messageId, `The CA's ${p.detail}.`, `Make a new CA with an ECDSA P-256 key and SHA-256 (openssl ecparam -name prime256v1 -genkey -noout -out ca.key; ${RECIPE}), then re-issue tls.crt and register it.`, p.evidence, p.severity);
  }

  if (!out.some((f) => f.severity !== 'info')) {
    out.push(finding(ID, {
      messageId: 'summary',
      severity: 'info',
      symptom: `${path}: ${ca.subject}, ${describeKeyShort(ca.publicKey)}, ${ca.signatureAlgorithm.name}.`,
      cause: 'The CA certificate meets the registration rules.',
      fix: `Register it if it is not yet (its SHA-256 fingerprint is ${ca.fingerprint256}).`,
      evidence: { file: path, subject: ca.subject, fingerprint256: ca.fingerprint256, subjectKeyId: ca.subjectKeyId, key: describeKeyShort(ca.publicKey), signatureAlgorithm: ca.signatureAlgorithm.name, sizeBytes: file.sizeBytes },
      location,
    }));
  }
  return judge(out);
}

export const check: LegacyCheck = { id: ID, layer: 'tls', kind: 'static', run };
