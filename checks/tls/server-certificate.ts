// server-certificate: tls.crt itself is fit for the inner TLS: PEM, issued directly (no
// intermediate), AuthorityKeyIdentifier equal to the CA's SKI, serverAuth when EKU is present,
// not a CA, key and signature strength. Which CA signed it is ca-registration's question, its
// names certificate-san's, its dates certificate-expiry's. Owns the file's own problems.

import { finding, judge, type LegacyCheck, type Outcome } from '../../src/core/check.js';
import { dirname, join } from 'node:path';
import type { Facts } from '../../src/core/facts.js';
import { effectiveTunnelDomain } from '../../src/model/deployment-view.js';
import type { Finding } from '../../src/core/types.js';
import { formatKeyId, issuance, issuedBy } from '../../src/pki/issuance.js';
import { isPrivateKeyLabel } from '../../src/pki/pem.js';
import { describeKeyShort } from '../../src/pki/public-key.js';
import { strengthProblems } from '../../src/pki/strength.js';
import { displayPath, firstCertificate, ownFileOutcome } from '../../src/pki/tls-inputs.js';

const ID = 'server-certificate';

/** The recipe's re-issue commands, with this deployment's paths (ca.key, tls.key and tls.ext sit beside the files they go with). */
function reissue(facts: Readonly<Facts>, certPath: string): string {
  const caPath = facts.caCert ? displayPath(facts, facts.caCert.path) : 'data/ca.crt';
  const beside = (file: string, name: string) => join(dirname(file), name);
  const domain = effectiveTunnelDomain(facts)?.value ?? '<tunnel-domain>';
  const ext = beside(certPath, 'tls.ext');
  return `Re-issue ${certPath} directly from ${caPath} with the recipe's ${ext} (authorityKeyIdentifier=keyid, subjectAltName=DNS:*.${domain}, extendedKeyUsage=serverAuth, basicConstraints=CA:FALSE, keyUsage=digitalSignature,keyEncipherment): openssl req -new -key ${beside(certPath, 'tls.key')} -subj "/CN=*.${domain}" -out tls.csr && openssl x509 -req -in tls.csr -CA ${caPath} -CAkey ${beside(caPath, 'ca.key')} -CAcreateserial -days 90 -sha256 -extfile ${ext} -out ${certPath}; then restart the proxy.`;
}

function run(facts: Readonly<Facts>): Outcome {
  const fact = facts.serverCert;
  if (fact?.state !== 'ok') return ownFileOutcome(facts, 'serverCert', fact);
  const file = fact.value;
  const path = displayPath(facts, fact.path);
  const location = { file: path };
  const out: Finding[] = [];
  const add = (messageId: string, cause: string, fix: string, evidence: Record<string, unknown> = {}, severity: Finding['severity'] = 'error') =>
    out.push(finding(ID, {
      messageId,
      severity,
      // A warning must not read like a failure that happened.
      symptom: severity === 'warn' ? 'The proxy may work, but the platform may refuse or mis-verify what it serves.' : undefined,
      cause,
      fix,
      evidence: { file: path, ...evidence },
      location,
    }));

  if (file.certificates.length === 0) {
    add('not-a-certificate', `${path} holds no certificate${file.containsPrivateKey ? ', only private-key material (are tls.crt and tls.key swapped?)' : ''}.`,
      `Put the server certificate (PEM) in ${path} and the key in tls.key.`, { pemLabels: file.pemLabels });
    return judge(out);
  }
  if (file.encoding === 'der') {
    add('not-pem', `${path} is DER (binary); the proxy loads PEM only.`, `openssl x509 -inform der -in ${path} -out ${path}.pem && mv ${path}.pem ${path}`);
  }
  if (file.containsPrivateKey) {
    add('private-key-material', `${path} also holds private-key material; the proxy ignores it there, but certificates get copied and shared.`,
      `Keep only CERTIFICATE blocks in ${path}; the key belongs in tls.key.`, { pemLabels: file.pemLabels }, 'warn');
  }
  const junk = file.pemLabels.filter((l) => l !== 'CERTIFICATE' && !isPrivateKeyLabel(l));
  if (junk.length > 0 || file.unparsable.length > 0) {
    add('extra-blocks', `${path} holds blocks that are not certificates or do not parse: ${[...junk, ...file.unparsable].join('; ')}.`,
      `Leave only the server certificate in ${path}.`, { pemLabels: file.pemLabels, unparsable: file.unparsable }, 'warn');
  }

  const cert = file.certificates[0];
  const ca = firstCertificate(facts.caCert);
  const rest = file.certificates.slice(1);
  const intermediate = rest.find((c) => (!ca || c.fingerprint256 !== ca.fingerprint256) && issuedBy(cert, c));
  if (intermediate) {
    add('issued-by-intermediate', `${path} was issued by the intermediate CA "${intermediate.subject}" (the next certificate in the file), not directly by a registered CA; the platform accepts no intermediates.`,
      reissue(facts, path), { issuer: cert.issuer, intermediate: intermediate.subject });
  } else if (rest.length > 0) {
    add('extra-certificates', `${path} holds ${file.certificates.length} certificates; the proxy serves them all as a chain, while the platform wants only the server certificate.`,
      `Keep only the first certificate in ${path}.`, { subjects: file.certificates.map((c) => c.subject) }, 'warn');
  }

  if (cert.basicConstraints?.ca) {
    // ca.crt (or another CA) copied over tls.crt: that is the one defect; its other rules do not apply.
    add('ca-as-server-certificate', `The first certificate in ${path} is a CA certificate ("${cert.subject}"${cert.selfSigned ? ', self-signed' : ''}); the proxy must serve a leaf certificate.`,
      reissue(facts, path), { basicConstraints: cert.basicConstraints });
    return judge(out);
  }
  if (!cert.authorityKeyId && ca && !ca.subjectKeyId && issuedBy(cert, ca)) {
    // Nothing to point at: the CA lacks its SubjectKeyIdentifier, which ca-certificate reports;
    // the new CA it asks for means a new tls.crt anyway.
    out.push(finding(ID, {
      messageId: 'authority-key-id-not-judged',
      severity: 'info',
      symptom: 'The AuthorityKeyIdentifier rule was not judged.',
      cause: 'The certificate has no AuthorityKeyIdentifier, and the CA that signed it has no SubjectKeyIdentifier for one to equal (reported by ca-certificate).',
      fix: 'Re-create the CA with a SubjectKeyIdentifier first, then re-issue this certificate from it.',
      evidence: { file: path },
      location,
    }));
  } else if (!cert.authorityKeyId && !(ca && !intermediate && !issuedBy(cert, ca))) {
    // (When ca.crt did not sign it, ca-registration reports the issuer; re-issuing from ca.crt adds the AKI.)
    add('no-authority-key-id', 'The certificate has no AuthorityKeyIdentifier; it must equal the CA\'s SubjectKeyIdentifier.', reissue(facts, path));
  } else if (ca?.subjectKeyId && !intermediate) {
    const i = issuance(cert, ca);
    // Only judged when ca.crt really signed it: otherwise ca-registration reports the other CA.
    if (i.signatureValid && i.nameMatches && i.keyIdMatches === false) {
      add('authority-key-id-mismatch', `AuthorityKeyIdentifier ${formatKeyId(cert.authorityKeyId)} is not the CA's SubjectKeyIdentifier ${formatKeyId(ca.subjectKeyId)}, although the CA signed it.`,
        reissue(facts, path), { authorityKeyId: formatKeyId(cert.authorityKeyId), caSubjectKeyId: formatKeyId(ca.subjectKeyId) });
    }
  }
  if (cert.extKeyUsage && !cert.extKeyUsage.includes('serverAuth')) {
    add('no-server-auth', `ExtendedKeyUsage is ${cert.extKeyUsage.join(', ')}, without serverAuth.`, reissue(facts, path), { extKeyUsage: cert.extKeyUsage });
  }
  if (cert.keyUsage && !cert.keyUsage.usages.includes('digitalSignature')) {
    add('no-digital-signature', `KeyUsage is ${cert.keyUsage.usages.join(', ') || 'empty'}, without digitalSignature, which TLS 1.3 handshakes need.`,
      reissue(facts, path), { keyUsage: cert.keyUsage }, 'warn');
  }
  for (const p of strengthProblems(cert)) {
    add(p.messageId, `The server certificate's ${p.detail}.`, reissue(facts, path), p.evidence, p.severity);
  }

  if (out.length === 0) {
    out.push(finding(ID, {
      messageId: 'summary',
      severity: 'info',
      symptom: `${path}: ${cert.subject}, issued by ${cert.issuer}, ${describeKeyShort(cert.publicKey)}, ${cert.signatureAlgorithm.name}.`,
      cause: 'The server certificate meets the rules.',
      fix: 'Nothing to do.',
      evidence: { file: path, subject: cert.subject, issuer: cert.issuer, extKeyUsage: cert.extKeyUsage, key: describeKeyShort(cert.publicKey), fingerprint256: cert.fingerprint256 },
      location,
    }));
  }
  return judge(out);
}

export const check: LegacyCheck = { id: ID, layer: 'tls', kind: 'static', run };
