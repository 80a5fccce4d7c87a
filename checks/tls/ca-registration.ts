// ca-registration (static half): the CA behind tls.crt is the one in data/ca.crt, so it is the
// one to register. Proved by the issuer name, the signature and the key identifiers. A chain
// through an intermediate found in the tls.crt bundle still leads to ca.crt (this check passes,
// with a note); the intermediate itself is server-certificate's finding. The live half (asking
// the vendor API whether ca.crt is registered and active) reads facts.live.caRegistration.

import { finding, judge, skip, type LegacyCheck, type Outcome } from '../../src/core/check.js';
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

  const registration = registrationFindings(facts, ca.fingerprint256, caPath);
  out.push(...registration);
  const queried = registration.length > 0 && registration[0].messageId !== 'registration-not-queried';
  const why = facts.offline ? '--offline' : facts.live?.caRegistrationSkipped ?? 'the live probes did not run';
  return judge(out, queried ? [] : [`whether ${caPath} is registered and active for the tunnel (${why})`]);
}

/**
 * The live half: the tunnel's certificates as the vendor API lists them, compared by SHA-256
 * fingerprint with data/ca.crt. None active: the tunnel gets no traffic ("Needs certificate");
 * this CA not among the active ones: the handshake fails with "unknown certificate authority";
 * two active already: the limit for rotation is reached.
 */
function registrationFindings(facts: Readonly<Facts>, fingerprint: string, caPath: string): Finding[] {
  if (facts.offline) return [];
  const api = facts.live?.caRegistration;
  if (!api) {
    const why = facts.live?.caRegistrationSkipped ?? 'the live probes did not run';
    return [finding(ID, {
      messageId: 'registration-not-queried',
      severity: 'info',
      symptom: 'Whether this CA is registered and active for the tunnel was not asked of the API.',
      cause: `Not queried: ${why}. The API is asked only with a key from ANTHROPIC_API_KEY or --api-key-file.`,
      fix: `Compare the fingerprint ${fingerprint} with the tunnel's active certificates in the console, or run again with an API key.`,
      evidence: { caFingerprint256: fingerprint },
    })];
  }
  const evidence = { api: api.url, tunnelId: api.tunnelId, tunnelIdSource: api.tunnelIdSource, caFingerprint256: fingerprint };
  if (!api.ok) {
    return [finding(ID, {
      messageId: 'registration-query-failed',
      severity: 'warn',
      symptom: `The tunnel's certificates could not be listed through ${api.url}.`,
      cause: `${api.failure ?? 'error'}${api.httpStatus !== null ? ` (HTTP ${api.httpStatus})` : ''}: ${api.detail ?? 'no detail'}. A 401 means the API key is wrong; a 404, that the tunnel ID (${api.tunnelId}, from ${api.tunnelIdSource}) is not one of this organization's tunnels.`,
      fix: 'Check the API key and the tunnel ID, or compare the fingerprint in the console.',
      evidence: { ...evidence, failure: api.failure, httpStatus: api.httpStatus },
    })];
  }
  const active = api.certificates.filter((c) => c.active);
  const listed = api.certificates.map((c) => ({ id: c.id, fingerprint: c.fingerprint, active: c.active, expiresAt: c.expiresAt, archivedAt: c.archivedAt }));
  const mine = api.certificates.find((c) => c.fingerprint === fingerprint);
  const out: Finding[] = [];
  if (active.length === 0) {
    out.push(finding(ID, {
      messageId: 'no-active-certificate',
      symptom: 'The tunnel shows "Needs certificate", gets no traffic and is missing from the MCP server picker.',
      cause: mine ? `${caPath} was registered but is no longer active (${mine.archivedAt ? `archived ${mine.archivedAt}` : `expired ${mine.expiresAt}`}); the tunnel has no active CA certificate.` : 'The tunnel has no active CA certificate at all.',
      fix: `Register ${caPath} for tunnel ${api.tunnelId} (console, or POST /v1/tunnels/${api.tunnelId}/certificates with {"ca_certificate_pem": ...}).`,
      evidence: { ...evidence, certificates: listed },
    }));
  } else if (!mine || !mine.active) {
    out.push(finding(ID, {
      messageId: 'ca-not-registered',
      symptom: 'The proxy logs "tls handshake failed ... unknown certificate authority".',
      cause: `${caPath} (fingerprint ${fingerprint}) is ${mine ? 'registered but archived or expired' : 'not among the tunnel\'s certificates'}; the ${active.length} active one${active.length === 1 ? '' : 's'} belong${active.length === 1 ? 's' : ''} to another CA.`,
      fix: active.length >= 2
        ? `Two CA certificates are active already (the limit, for rotation): archive the one no longer used, then register ${caPath}.`
        : `Register ${caPath} for tunnel ${api.tunnelId}; keep the old one active until the proxy serves the new certificate.`,
      evidence: { ...evidence, certificates: listed },
    }));
  } else {
    out.push(finding(ID, {
      messageId: 'registered',
      severity: 'info',
      symptom: `${caPath} is registered and active for tunnel ${api.tunnelId}.`,
      cause: `Its fingerprint matches the active certificate ${mine.id ?? ''}.`.replace(' .', '.'),
      fix: mine.expiresAt ? `It expires ${mine.expiresAt}: register its successor before then.` : 'Nothing to do.',
      evidence: { ...evidence, certificates: listed },
    }));
    if (active.length >= 2) {
      out.push(finding(ID, {
        messageId: 'two-active',
        severity: 'warn',
        symptom: 'No further CA certificate can be registered for this tunnel.',
        cause: 'Two CA certificates are active, the most a tunnel may have (meant for rotation); a rotation is under way or an old one was never archived.',
        fix: 'Archive the CA certificate that no proxy uses any more, so the next rotation can register its successor.',
        evidence: { ...evidence, certificates: listed },
      }));
    }
  }
  return out;
}

export const check: LegacyCheck = { id: ID, layer: 'tls', kind: 'static', run };
