import { expect } from 'vitest';
import { check } from '../../checks/tls/certificate-expiry.js';
import type { Facts } from '../../src/core/facts.js';
import { testCheck } from '../harness/check-tester.js';
import { certFacts, checkedInFacts, makeCertSet } from '../harness/tls-fixtures.js';

const healthy = makeCertSet('healthy');
const base = certFacts(healthy);
const notAfter = (f: Facts, which: 'caCert' | 'serverCert') => {
  const fact = f[which];
  const first = fact?.state === 'ok' ? fact.value.certificates[0] : undefined;
  if (!first) throw new Error('set did not read');
  return Date.parse(first.notAfter);
};
const DAY = 86_400_000;
const at = (ms: number) => certFacts(healthy, { now: new Date(ms).toISOString() });

testCheck(check, {
  pass: [
    {
      name: 'a fresh 90-day certificate and a 5-year CA',
      facts: base,
      info: ['days-left', 'days-left'],
    },
    { name: 'the checked-in set (valid until 2036)', facts: checkedInFacts(), info: ['days-left', 'days-left'] },
    { name: '31 days before the server certificate expires', facts: at(notAfter(base, 'serverCert') - 31 * DAY) },
  ],
  fail: [
    {
      name: 'expired server certificate',
      facts: certFacts(makeCertSet('expired')),
      status: 'fail',
      messageIds: ['expired'],
      assert: (f) => {
        const e = f.find((x) => x.messageId === 'expired')!;
        expect(e.evidence).toMatchObject({ file: 'data/tls.crt', daysLeft: -1 });
        expect(e.cause).toContain('1 day(s) ago');
      },
    },
    {
      name: 'not yet valid (issued with a future start)',
      facts: certFacts(makeCertSet('not-yet-valid')),
      status: 'fail',
      messageIds: ['not-yet-valid'],
      assert: (f) => expect(f.find((x) => x.messageId === 'not-yet-valid')!.evidence?.daysUntilValid).toBe(10),
    },
    {
      name: 'inside the 30-day renewal window',
      facts: certFacts(makeCertSet('expiring-soon')),
      status: 'warn',
      messageIds: ['renewal-due'],
      assert: (f) => expect(f.find((x) => x.messageId === 'renewal-due')!.evidence?.daysLeft).toBe(9),
    },
    {
      name: 'years later: both expired',
      facts: at(notAfter(base, 'caCert') + DAY),
      status: 'fail',
      messageIds: ['expired', 'expired'],
    },
    {
      name: 'the CA inside its window while tls.crt has expired',
      facts: at(notAfter(base, 'caCert') - 10 * DAY),
      status: 'fail',
      messageIds: ['expired', 'renewal-due'],
      assert: (f) => expect(f.find((x) => x.messageId === 'renewal-due')!.evidence?.file).toBe('data/ca.crt'),
    },
    {
      name: 'a clock far behind: both not yet valid',
      facts: at(Date.parse('2020-01-01T00:00:00Z')),
      status: 'fail',
      messageIds: ['not-yet-valid', 'not-yet-valid'],
    },
    {
      name: 'ca.crt unusable: tls.crt is still judged, the CA noted',
      facts: certFacts(makeCertSet('expired'), {
        caCert: { state: 'invalid', path: `${healthy}/data/ca.crt`, problem: 'is empty' },
      }),
      status: 'fail',
      messageIds: ['expired'],
      assert: (f) => expect(f.map((x) => x.messageId)).toContain('not-judged'),
    },
  ],
  skip: [
    {
      name: 'neither file usable',
      facts: certFacts(healthy, {
        caCert: { state: 'missing', path: `${healthy}/data/ca.crt`, explicit: false },
        serverCert: { state: 'missing', path: `${healthy}/data/tls.crt`, explicit: false },
      }),
      reason: /ca-certificate.*server-certificate/,
    },
  ],
});
