// ca-registration, live half: the tunnel's certificates from the vendor API against data/ca.crt.

import { expect } from 'vitest';
import { check } from '../../checks/tls/ca-registration.js';
import type { Facts } from '../../src/core/facts.js';
import type { ApiCertificate, CaRegistrationLiveFacts } from '../../src/core/live-facts.js';
import { testCheck } from '../harness/check-tester.js';
import { certFacts, makeCertSet } from '../harness/tls-fixtures.js';
import { liveFacts } from '../lab/live-facts.js';

const healthy = makeCertSet('healthy');
const base = certFacts(healthy);
const fingerprint = base.caCert?.state === 'ok' ? (base.caCert.value.certificates[0]?.fingerprint256 ?? '') : '';
const other = 'ab'.repeat(32);

function cert(fp: string, active = true, extra: Partial<ApiCertificate> = {}): ApiCertificate {
  return {
    id: `tcert_${fp.slice(0, 6)}`,
    fingerprint: fp,
    createdAt: '2026-01-01T00:00:00Z',
    expiresAt: '2031-01-01T00:00:00Z',
    archivedAt: active ? null : '2026-06-01T00:00:00Z',
    active,
    ...extra,
  };
}

function withApi(api: Partial<CaRegistrationLiveFacts> | null, skipped: string | null = null): Facts {
  const registration: CaRegistrationLiveFacts | null =
    api === null
      ? null
      : {
          url: 'http://127.0.0.1:9/v1/tunnels/tun_1/certificates',
          tunnelId: 'tun_1',
          tunnelIdSource: 'data/tunnel-id',
          ok: true,
          failure: null,
          detail: null,
          httpStatus: 200,
          certificates: [],
          latencyMs: 3,
          ...api,
        };
  return {
    ...certFacts(healthy),
    offline: false,
    live: liveFacts({ caRegistration: registration, caRegistrationSkipped: skipped }),
  };
}

testCheck(check, {
  pass: [
    {
      name: 'ca.crt is registered and active',
      facts: withApi({ certificates: [cert(fingerprint)] }),
      info: ['issued-by-ca', 'registered'],
    },
    {
      name: 'ca.crt active beside an archived old one',
      facts: withApi({ certificates: [cert(other, false), cert(fingerprint)] }),
      info: ['issued-by-ca', 'registered'],
    },
    {
      name: 'no API key: not queried, said so',
      facts: withApi(null, 'no API key (ANTHROPIC_API_KEY or --api-key-file)'),
      info: ['issued-by-ca', 'registration-not-queried'],
      notChecked: 'is registered and active for the tunnel (no API key',
    },
  ],
  fail: [
    {
      name: 'no active certificate at all',
      facts: withApi({ certificates: [] }),
      status: 'fail',
      messageIds: ['no-active-certificate'],
      assert: (f) =>
        expect(f.find((x) => x.messageId === 'no-active-certificate')?.fix).toContain(
          'POST /v1/tunnels/tun_1/certificates',
        ),
    },
    {
      name: 'ca.crt was archived and nothing else is active',
      facts: withApi({ certificates: [cert(fingerprint, false)] }),
      status: 'fail',
      messageIds: ['no-active-certificate'],
    },
    {
      name: 'another CA is active, not this one',
      facts: withApi({ certificates: [cert(other)] }),
      status: 'fail',
      messageIds: ['ca-not-registered'],
      assert: (f) => expect(f.find((x) => x.messageId === 'ca-not-registered')?.cause).toContain(fingerprint),
    },
    {
      name: 'two others active already: archive one first',
      facts: withApi({ certificates: [cert(other), cert('cd'.repeat(32))] }),
      status: 'fail',
      messageIds: ['ca-not-registered'],
      assert: (f) => expect(f.find((x) => x.messageId === 'ca-not-registered')?.fix).toMatch(/archive/i),
    },
    {
      name: 'this one and another both active: the rotation limit is reached',
      facts: withApi({ certificates: [cert(other), cert(fingerprint)] }),
      status: 'warn',
      messageIds: ['two-active'],
    },
    {
      name: 'the API refused the key',
      facts: withApi({ ok: false, failure: 'http-status', httpStatus: 401, detail: 'authentication_error' }),
      status: 'warn',
      messageIds: ['registration-query-failed'],
    },
  ],
});
