// ca-registration (static half): the CA behind tls.crt is the one in data/ca.crt, so it is the
// one to register. Proved by the issuer name, the signature and the key identifiers. A chain
// through an intermediate found in the tls.crt bundle still leads to ca.crt (this check passes,
// with a note); the intermediate itself is server-certificate's finding. The live half (asking
// the API whether ca.crt is registered and active) is not built yet: said in an info finding.

import { finding, judge, skip, type Check, type Outcome } from '../../src/core/check.js';
import type { Facts } from '../../src/core/facts.js';
import type { Finding } from '../../src/core/types.js';
import { formatKeyId, issuance, issuedBy } from '../../src/pki/issuance.js';
import { certificatesOf, displayPath, firstCertificate, unusableReason } from '../../src/pki/tls-inputs.js';

const ID = 'ca-registration';

function run(facts: Readonly<Facts>): Outcome {
  const whyNot = unusableReason(facts, 'serverCert') ?? unusableReason(facts, 'caCert');
  if (whyNot) return skip(whyNot);
  const ca = firstCertificate(facts.caCert)!;
  const bundle = certificatesOf(facts.serverCert);
  const leaf = bundle[0];
  const caPath = displayPath(facts, facts.caCert!.path);
  const certPath = displayPath(facts, facts.serverCert!.path);
  const out: Finding[] = [];
  const evidence = {
    certificate: certPath,
    issuer: leaf.issuer,
    authorityKeyId: formatKeyId(leaf.authorityKeyId),
    ca: caPath,
    caSubject: ca.subject,
    caSubjectKeyId: formatKeyId(ca.subjectKeyId),
    caFingerprint256: ca.fingerprint256,
  };

  const direct = issuance(leaf, ca);
  if (direct.signatureValid && direct.nameMatches) {
    out.push(finding(ID, {
      messageId: 'issued-by-ca',
      severity: 'info',
      symptom: `${certPath} was issued by ${caPath} (${ca.subject}).`,
      cause: 'The issuer name and the signature match the CA certificate.',
      fix: `Register ${caPath} for the tunnel if it is not yet; the platform compares its SHA-256 fingerprint ${ca.fingerprint256}.`,
      evidence,
    }));
  } else {
    const via = bundle.slice(1).find((inter) => issuedBy(leaf, inter) && issuedBy(inter, ca));
    if (via) {
      out.push(finding(ID, {
        messageId: 'chains-through-intermediate',
        severity: 'info',
        symptom: `${certPath} leads to ${caPath} through the intermediate "${via.subject}" in the same file.`,
        cause: 'The right CA is behind it, but not directly (see server-certificate: intermediates are not accepted).',
        fix: `Re-issue ${certPath} directly from ${caPath}.`,
        evidence: { ...evidence, intermediate: via.subject },
      }));
    } else if (direct.nameMatches) {
      // Same name, another key: typically the CA was re-created (setup run again) after tls.crt was issued.
      out.push(finding(ID, {
        messageId: 'signature-mismatch',
        cause: `${certPath} names "${leaf.issuer}" as its issuer, like ${caPath}, but its signature does not verify with ${caPath}'s key: the CA was re-created after ${certPath} was issued, or the files come from two setups.`,
        fix: `Re-issue ${certPath} from the CA in ${caPath} (and its ca.key), or put back the ca.crt that signed it; then register that CA.`,
        evidence: { ...evidence, keyIdentifiersMatch: direct.keyIdMatches },
        location: { file: certPath },
      }));
    } else {
      out.push(finding(ID, {
        messageId: 'not-issued-by-ca',
        cause: `${certPath} was issued by "${leaf.issuer}"${leaf.authorityKeyId ? ` (key ${formatKeyId(leaf.authorityKeyId)})` : ''}, not by ${caPath} ("${ca.subject}"${ca.subjectKeyId ? `, key ${formatKeyId(ca.subjectKeyId)}` : ''}).`,
        fix: `Use the ca.crt of the CA that issued ${certPath} (and register it), or re-issue ${certPath} from ${caPath}.`,
        evidence,
        location: { file: certPath },
      }));
    }
  }

  if (!facts.offline) {
    out.push(finding(ID, {
      messageId: 'registration-not-queried',
      severity: 'info',
      symptom: 'Whether this CA is registered and active for the tunnel was not asked of the API.',
      cause: 'This version checks registration from the files only.',
      fix: `Compare the fingerprint ${ca.fingerprint256} with the tunnel's active certificates in the console.`,
      evidence: { caFingerprint256: ca.fingerprint256 },
    }));
  }
  return judge(out);
}

export const check: Check = { id: ID, layer: 'tls', kind: 'static', run };
