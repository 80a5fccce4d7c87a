// certificate-expiry: days left for data/ca.crt and tls.crt (its first certificate, the one
// served), at the run's instant (facts.now): fail when expired or not yet valid, warn inside the
// 30-day renewal window, info otherwise. A file that cannot be read is noted, not judged: its
// owner check reports it.

import { defineCheck, fillTemplate } from '../../src/core/check.js';
import { usableCertificate, type CertificateFile } from '../../src/pki/tls-inputs.js';

const ID = 'certificate-expiry';
const RENEWAL_DAYS = 30;
const DAY_MS = 86_400_000;

/** The words that differ between the CA (refused by the console) and tls.crt (refused in the handshake), with {file}. */
const BY_FILE: Record<CertificateFile, { expired: string; notYetValid: string; renew: string; renewalMissed: string }> =
  {
    caCert: {
      expired: 'The console refuses {file}, and certificates it issued no longer verify.',
      notYetValid: 'The console refuses {file}, and certificates it issued do not verify yet.',
      renew:
        'Make a new CA, register it next to the old one (two may be active), re-issue tls.crt from it, then archive ' +
        'the old CA.',
      renewalMissed: '',
    },
    serverCert: {
      expired: 'The proxy logs "tls handshake failed ... bad certificate"; every route fails.',
      notYetValid: 'The proxy logs "tls handshake failed ... bad certificate": the certificate is not valid yet.',
      renew:
        'Re-issue {file} from the CA (the setup tool renews 30 days before expiry; on Helm see serverCert.renewBefore), ' +
        'then restart the proxy or wait for its reload.',
      renewalMissed: ', so the automatic renewal has not happened',
    },
  };

export const check = defineCheck({
  id: ID,
  // Either file alone is judged; the check skips only when neither is usable.
  requires: [],
  uses: ['caCert', 'serverCert'],
  messages: {
    expired: {
      severity: 'error',
      meaning: 'A certificate has expired.',
      symptom: '{symptom}',
      cause: '{file} expired on {notAfter} ({ago} ago).',
      fix: '{renew}',
    },
    'not-yet-valid': {
      severity: 'error',
      meaning: 'A certificate is not valid yet.',
      symptom: '{symptom}',
      cause:
        "{file} is valid only from {notBefore} (in {daysAhead} day(s)): it was issued with a future start, or this machine's " +
        'clock is behind (now {now}).',
      fix:
        'Check the clock of the machine that issued it and of this one (timedatectl); re-issue {file} with a start ' +
        'date in the past.',
    },
    'renewal-due': {
      severity: 'warn',
      meaning: 'A certificate is inside its 30-day renewal window.',
      symptom: '{file} still works, but expires in {daysLeft} day(s).',
      cause:
        '{file} expires on {notAfter}, in {daysLeft} day(s): inside the {renewalDays}-day renewal ' +
        'window{renewalMissed}.',
      fix: '{renew}',
    },
    'days-left': {
      severity: 'info',
      meaning: 'Days left on a certificate (info).',
      symptom: '{file} is valid for {daysLeft} more day(s), until {notAfter}.',
      cause: 'Inside its validity period.',
      fix: 'Nothing to do now.',
    },
    'not-judged': {
      severity: 'info',
      meaning: 'A file could not be read as a certificate, so its dates were not judged (info).',
      symptom: 'Not judged: {why}.',
      cause: 'The file cannot be read as a certificate.',
      fix: 'See the check named in the reason.',
    },
  },
  run(facts, report) {
    const notJudged: string[] = [];
    const now = Date.parse(facts.now);
    for (const which of ['caCert', 'serverCert'] as const) {
      const usable = usableCertificate(facts, which);
      if ('unusable' in usable) {
        notJudged.push(usable.unusable);
        continue;
      }
      const { certificate: cert, path: file } = usable;
      const words = BY_FILE[which];
      const fill = (template: string) => fillTemplate(template, { file }, ID);
      const notBefore = Date.parse(cert.notBefore);
      const notAfter = Date.parse(cert.notAfter);
      const daysLeft = Math.trunc((notAfter - now) / DAY_MS); // whole days, towards zero both ways
      const dates = { file, notBefore: cert.notBefore, notAfter: cert.notAfter, now: facts.now, daysLeft };
      const evidence = {
        file,
        subject: cert.subject,
        notBefore: cert.notBefore,
        notAfter: cert.notAfter,
        now: facts.now,
        daysLeft,
      };
      const location = { file };
      if (now >= notAfter) {
        const ago = daysLeft === 0 ? 'less than a day' : `${-daysLeft} day(s)`;
        report('expired', { ...dates, symptom: fill(words.expired), ago, renew: fill(words.renew) }, location, {
          evidence,
        });
      } else if (now < notBefore) {
        const daysAhead = Math.ceil((notBefore - now) / DAY_MS);
        report('not-yet-valid', { ...dates, symptom: fill(words.notYetValid), daysAhead }, location, {
          evidence: { ...evidence, daysUntilValid: daysAhead },
        });
      } else if (daysLeft < RENEWAL_DAYS) {
        const data = {
          ...dates,
          renewalDays: RENEWAL_DAYS,
          renewalMissed: words.renewalMissed,
          renew: fill(words.renew),
        };
        report('renewal-due', data, location, { evidence });
      } else {
        report('days-left', dates, location, { evidence });
      }
    }
    if (notJudged.length === 2) return report.skip(notJudged.join('; '));
    for (const why of notJudged) report('not-judged', { why });
  },
});
