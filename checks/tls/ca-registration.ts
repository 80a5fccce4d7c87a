// ca-registration (static half): the CA behind tls.crt is the one in data/ca.crt, so it is the
// one to register. Proved by the issuer name, the signature and the key identifiers. A chain
// through an intermediate found in the tls.crt bundle still leads to ca.crt (this check passes,
// with a note); the intermediate itself is server-certificate's finding.
// The live half asks the vendor API for the tunnel's certificates and compares their SHA-256
// fingerprints with data/ca.crt. None active: the tunnel gets no traffic ("Needs certificate");
// this CA not among the active ones: the handshake fails with "unknown certificate authority";
// two active already: the limit for rotation is reached.

import { defineCheck, fillTemplate } from '../../src/core/check.js';
import { formatKeyId, issuance, issuedBy } from '../../src/pki/issuance.js';
import { usableCertificate } from '../../src/pki/tls-inputs.js';

const ID = 'ca-registration';
const ARCHIVED_OR_EXPIRED = 'registered but archived or expired';
const NOT_LISTED = "not among the tunnel's certificates";
/** The request body of the registration call, shown in a fix (braces are not a placeholder there). */
const REGISTER_BODY = '{"ca_certificate_pem": ...}';
/** no-active-certificate's cause: this CA was registered once and is no longer active, or none ever was. */
const NO_ACTIVE = {
  lapsed: '{ca} was registered but is no longer active ({when}); the tunnel has no active CA certificate.',
  never: 'The tunnel has no active CA certificate at all.',
};
/** registered's fix: renew before the date the API gives, if it gives one. */
const RENEWAL = { dated: 'It expires {expiresAt}: register its successor before then.', undated: 'Nothing to do.' };
/** ca-not-registered's fix: register it beside the active one, or archive one first when two are active. */
const REGISTER = {
  atLimit:
    'Two CA certificates are active already (the limit, for rotation): archive the one no longer used, then register ' +
    '{ca}.',
  beside: 'Register {ca} for tunnel {tunnelId}; keep the old one active until the proxy serves the new certificate.',
};

export const check = defineCheck({
  id: ID,
  requires: ['serverCert', 'caCert'],
  uses: ['live.caRegistration'],
  messages: {
    'issued-by-ca': {
      severity: 'info',
      meaning: 'tls.crt was issued by data/ca.crt (info).',
      symptom: '{certificate} was issued by {ca} ({caSubject}).',
      cause: 'The issuer name and the signature match the CA certificate.',
      fix:
        'Register {ca} for the tunnel if it is not yet; the platform compares its SHA-256 fingerprint ' +
        '{caFingerprint256}.',
    },
    'chains-through-intermediate': {
      severity: 'info',
      meaning: 'tls.crt leads to data/ca.crt through an intermediate (info).',
      symptom: '{certificate} leads to {ca} through the intermediate "{intermediate}" in the same file.',
      cause: 'The right CA is behind it, but not directly (see server-certificate: intermediates are not accepted).',
      fix: 'Re-issue {certificate} directly from {ca}.',
    },
    'signature-mismatch': {
      severity: 'error',
      meaning: 'tls.crt names data/ca.crt as issuer, but its signature does not verify: the CA was re-created.',
      cause:
        '{certificate} names "{issuer}" as its issuer, like {ca}, but its signature does not verify with {ca}\'s key: ' +
        'the CA was re-created after {certificate} was issued, or the files come from two setups.',
      fix:
        'Re-issue {certificate} from the CA in {ca} (and its ca.key), or put back the ca.crt that signed it; then ' +
        'register that CA.',
    },
    'not-issued-by-ca': {
      severity: 'error',
      meaning: 'tls.crt was issued by another CA than data/ca.crt.',
      cause: '{certificate} was issued by "{issuer}"{issuerKey}, not by {ca} ("{caSubject}"{caKey}).',
      fix: 'Use the ca.crt of the CA that issued {certificate} (and register it), or re-issue {certificate} from {ca}.',
    },
    'registration-not-queried': {
      severity: 'info',
      meaning: 'Whether the CA is registered was not asked of the API (info).',
      symptom: 'Whether this CA is registered and active for the tunnel was not asked of the API.',
      cause: 'Not queried: {why}. The API is asked only with a key from ANTHROPIC_API_KEY or --api-key-file.',
      fix:
        "Compare the fingerprint {caFingerprint256} with the tunnel's active certificates in the console, or run " +
        'again with an API key.',
    },
    'registration-query-failed': {
      severity: 'warn',
      meaning: "The tunnel's certificates could not be listed through the API.",
      symptom: "The tunnel's certificates could not be listed through {api}.",
      cause:
        "{failure}{httpStatus}: {detail}. A 401 means the API key is wrong; a 404, that the tunnel ID ({tunnelId}, from {tunnelIdSource}) is not one of this organization's tunnels.",
      fix: 'Check the API key and the tunnel ID, or compare the fingerprint in the console.',
    },
    'no-active-certificate': {
      severity: 'error',
      meaning: 'The tunnel has no active CA certificate ("Needs certificate").',
      symptom: 'The tunnel shows "Needs certificate", gets no traffic and is missing from the MCP server picker.',
      cause: '{history}',
      fix: 'Register {ca} for tunnel {tunnelId} (console, or POST /v1/tunnels/{tunnelId}/certificates with {body}).',
    },
    'ca-not-registered': {
      severity: 'error',
      meaning: "data/ca.crt is not among the tunnel's active CA certificates.",
      symptom: 'The proxy logs "tls handshake failed ... unknown certificate authority".',
      cause: '{ca} (fingerprint {caFingerprint256}) is {registration}; the {activeOnes} to another CA.',
      fix: '{register}',
    },
    'two-active': {
      severity: 'warn',
      meaning: 'Two CA certificates are active, the most a tunnel may have.',
      symptom: 'No further CA certificate can be registered for this tunnel.',
      cause:
        'Two CA certificates are active, the most a tunnel may have (meant for rotation); a rotation is under way or an old ' +
        'one was never archived.',
      fix: 'Archive the CA certificate that no proxy uses any more, so the next rotation can register its successor.',
    },
    registered: {
      severity: 'info',
      meaning: 'data/ca.crt is registered and active for the tunnel (info).',
      symptom: '{ca} is registered and active for tunnel {tunnelId}.',
      cause: 'Its fingerprint matches the active certificate{id}.',
      fix: '{renewal}',
    },
  },
  run(facts, report) {
    const leafFile = usableCertificate(facts, 'serverCert');
    if ('unusable' in leafFile) return report.skip(leafFile.unusable);
    const caFile = usableCertificate(facts, 'caCert');
    if ('unusable' in caFile) return report.skip(caFile.unusable);
    const { certificate: leaf, bundle, path: certificate } = leafFile;
    const { certificate: ca, path: caPath } = caFile;
    const names = {
      certificate,
      ca: caPath,
      issuer: leaf.issuer,
      caSubject: ca.subject,
      caFingerprint256: ca.fingerprint256,
    };
    const evidence = {
      certificate,
      issuer: leaf.issuer,
      authorityKeyId: formatKeyId(leaf.authorityKeyId),
      ca: caPath,
      caSubject: ca.subject,
      caSubjectKeyId: formatKeyId(ca.subjectKeyId),
      caFingerprint256: ca.fingerprint256,
    };

    const direct = issuance(leaf, ca);
    const via = bundle.slice(1).find((inter) => issuedBy(leaf, inter) && issuedBy(inter, ca));
    if (direct.signatureValid && direct.nameMatches) {
      report('issued-by-ca', names, null, { evidence });
    } else if (via) {
      report('chains-through-intermediate', { ...names, intermediate: via.subject }, null, {
        evidence: { ...evidence, intermediate: via.subject },
      });
    } else if (direct.nameMatches) {
      // Same name, another key: typically the CA was re-created (setup run again) after tls.crt was issued.
      report(
        'signature-mismatch',
        names,
        { file: certificate },
        { evidence: { ...evidence, keyIdentifiersMatch: direct.keyIdMatches } },
      );
    } else {
      const issuerKey = leaf.authorityKeyId ? ` (key ${formatKeyId(leaf.authorityKeyId)})` : '';
      const caKey = ca.subjectKeyId ? `, key ${formatKeyId(ca.subjectKeyId)}` : '';
      report('not-issued-by-ca', { ...names, issuerKey, caKey }, { file: certificate }, { evidence });
    }

    const fingerprint = ca.fingerprint256;
    const api = facts.offline ? null : facts.live?.caRegistration;
    if (!api) {
      const why = facts.offline ? '--offline' : (facts.live?.caRegistrationSkipped ?? 'the live probes did not run');
      if (!facts.offline)
        report('registration-not-queried', { why, caFingerprint256: fingerprint }, null, {
          evidence: { caFingerprint256: fingerprint },
        });
      report.notChecked(`whether ${caPath} is registered and active for the tunnel (${why})`);
      return;
    }
    const asked = {
      api: api.url,
      tunnelId: api.tunnelId,
      tunnelIdSource: api.tunnelIdSource,
      caFingerprint256: fingerprint,
    };
    if (!api.ok) {
      const data = {
        ...asked,
        failure: api.failure ?? 'error',
        httpStatus: api.httpStatus !== null ? ` (HTTP ${api.httpStatus})` : '',
        detail: api.detail ?? 'no detail',
      };
      report('registration-query-failed', data, null, {
        evidence: { ...asked, failure: api.failure, httpStatus: api.httpStatus },
      });
      return;
    }
    const active = api.certificates.filter((c) => c.active);
    const certificates = api.certificates.map((c) => ({
      id: c.id,
      fingerprint: c.fingerprint,
      active: c.active,
      expiresAt: c.expiresAt,
      archivedAt: c.archivedAt,
    }));
    const mine = api.certificates.find((c) => c.fingerprint === fingerprint);
    const listed = { evidence: { ...asked, certificates } };
    const registration = { ca: caPath, tunnelId: api.tunnelId, caFingerprint256: fingerprint };
    if (active.length === 0) {
      const when = mine?.archivedAt ? `archived ${mine.archivedAt}` : `expired ${mine?.expiresAt}`;
      const history = fillTemplate(mine ? NO_ACTIVE.lapsed : NO_ACTIVE.never, { ca: caPath, when }, ID);
      report('no-active-certificate', { ...registration, history, body: REGISTER_BODY }, null, listed);
    } else if (!mine || !mine.active) {
      const activeOnes = active.length === 1 ? '1 active one belongs' : `${active.length} active ones belong`;
      const register = fillTemplate(active.length >= 2 ? REGISTER.atLimit : REGISTER.beside, registration, ID);
      const data = { ...registration, registration: mine ? ARCHIVED_OR_EXPIRED : NOT_LISTED, activeOnes, register };
      report('ca-not-registered', data, null, listed);
    } else {
      const renewal = fillTemplate(mine.expiresAt ? RENEWAL.dated : RENEWAL.undated, { expiresAt: mine.expiresAt }, ID);
      report('registered', { ...registration, id: mine.id ? ` ${mine.id}` : '', renewal }, null, listed);
      if (active.length >= 2) report('two-active', {}, null, listed);
    }
  },
});
