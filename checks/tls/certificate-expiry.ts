// certificate-expiry: days left for data/ca.crt and tls.crt (its first certificate, the one
// served), at the run's instant (facts.now): fail when expired or not yet valid, warn inside the
// 30-day renewal window, info otherwise. A file that cannot be read is noted, not judged: its
// owner check reports it.

import { finding, judge, skip, type LegacyCheck, type Outcome } from '../../src/core/check.js';
import type { CertificateFacts, Facts } from '../../src/core/facts.js';
import type { Finding } from '../../src/core/types.js';
import { displayPath, firstCertificate, unusableReason, type TlsFile } from '../../src/pki/tls-inputs.js';

const ID = 'certificate-expiry';
const RENEWAL_DAYS = 30;
const DAY_MS = 86_400_000;

function judgeOne(facts: Readonly<Facts>, file: TlsFile, cert: CertificateFacts): Finding {
  const path = displayPath(facts, facts[file]!.path);
  const now = Date.parse(facts.now);
  const notBefore = Date.parse(cert.notBefore);
  const notAfter = Date.parse(cert.notAfter);
  const daysLeft = Math.trunc((notAfter - now) / DAY_MS); // whole days, towards zero both ways
  const evidence = { file: path, subject: cert.subject, notBefore: cert.notBefore, notAfter: cert.notAfter, now: facts.now, daysLeft };
  const location = { file: path };
  const isCa = file === 'caCert';
  const renew = isCa
    ? `Make a new CA, register it next to the old one (two may be active), re-issue tls.crt from it, then archive the old CA.`
    : `Re-issue ${path} from the CA (the setup tool renews 30 days before expiry; on Helm see serverCert.renewBefore), then restart the proxy or wait for its reload.`;

  if (now >= notAfter) {
    return finding(ID, {
      messageId: 'expired',
      symptom: isCa ? `The console refuses ${path}, and certificates it issued no longer verify.` : 'The proxy logs "tls handshake failed ... bad certificate"; every route fails.',
      cause: `${path} expired on ${cert.notAfter} (${daysLeft === 0 ? 'less than a day' : `${-daysLeft} day(s)`} ago).`,
      fix: renew,
      evidence,
      location,
    });
  }
  if (now < notBefore) {
    const daysAhead = Math.ceil((notBefore - now) / DAY_MS);
    return finding(ID, {
      messageId: 'not-yet-valid',
      symptom: isCa ? `The console refuses ${path}, and certificates it issued do not verify yet.` : 'The proxy logs "tls handshake failed ... bad certificate": the certificate is not valid yet.',
      cause: `${path} is valid only from ${cert.notBefore} (in ${daysAhead} day(s)): it was issued with a future start, or this machine's clock is behind (now ${facts.now}).`,
      fix: `Check the clock of the machine that issued it and of this one (timedatectl); re-issue ${path} with a start date in the past.`,
      evidence: { ...evidence, daysUntilValid: daysAhead },
      location,
    });
  }
  if (daysLeft < RENEWAL_DAYS) {
    return finding(ID, {
      messageId: 'renewal-due',
      severity: 'warn',
      symptom: `${path} still works, but expires in ${daysLeft} day(s).`,
      cause: `${path} expires on ${cert.notAfter}, in ${daysLeft} day(s): inside the ${RENEWAL_DAYS}-day renewal window${isCa ? '' : ', so the automatic renewal has not happened'}.`,
      fix: renew,
      evidence,
      location,
    });
  }
  return finding(ID, {
    messageId: 'days-left',
    severity: 'info',
    symptom: `${path} is valid for ${daysLeft} more day(s), until ${cert.notAfter}.`,
    cause: 'Inside its validity period.',
    fix: 'Nothing to do now.',
    evidence,
    location,
  });
}

function run(facts: Readonly<Facts>): Outcome {
  const out: Finding[] = [];
  const notJudged: string[] = [];
  for (const file of ['caCert', 'serverCert'] as const) {
    const why = unusableReason(facts, file);
    if (why) notJudged.push(why);
    else out.push(judgeOne(facts, file, firstCertificate(facts[file])!));
  }
  if (out.length === 0) return skip(notJudged.join('; '));
  for (const why of notJudged) {
    out.push(finding(ID, { messageId: 'not-judged', severity: 'info', symptom: `Not judged: ${why}.`, cause: 'The file cannot be read as a certificate.', fix: 'See the check named in the reason.' }));
  }
  return judge(out);
}

export const check: LegacyCheck = { id: ID, layer: 'tls', kind: 'static', run };
