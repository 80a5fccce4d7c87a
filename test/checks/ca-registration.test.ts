import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { check } from '../../checks/tls/ca-registration.js';
import { readCertificateFile } from '../../src/probes/certificate-file.js';
import { testCheck } from '../harness/check-tester.js';
import { certFacts, checkedInFacts, makeCertSet, mixedFacts, setFile, writeTemp } from '../harness/tls-fixtures.js';

const healthy = makeCertSet('healthy');
// A second run of the setup: a CA with the same name and a new key.
const regenerated = makeCertSet('healthy', { days: 91 });

testCheck(check, {
  pass: [
    {
      name: 'tls.crt issued by data/ca.crt (offline)',
      facts: certFacts(healthy),
      info: ['issued-by-ca'],
      notChecked: 'is registered and active for the tunnel (--offline',
    },
    {
      name: 'online: says the API was not asked',
      facts: certFacts(healthy, { offline: false }),
      info: ['issued-by-ca', 'registration-not-queried'],
      notChecked: 'is registered and active for the tunnel',
    },
    {
      name: 'the checked-in set',
      facts: checkedInFacts(),
      info: ['issued-by-ca'],
      notChecked: 'is registered and active for the tunnel',
    },
    {
      name: 'a CA whose KeyUsage lacks keyCertSign still signed it (ca-certificate reports the KeyUsage)',
      facts: certFacts(makeCertSet('ca-no-keycertsign')),
      info: ['issued-by-ca'],
      notChecked: 'is registered and active for the tunnel',
    },
    {
      name: 'an intermediate in the bundle leads back to ca.crt (server-certificate reports the intermediate)',
      facts: certFacts(makeCertSet('intermediate')),
      info: ['chains-through-intermediate'],
      notChecked: 'is registered and active for the tunnel',
    },
  ],
  fail: [
    {
      name: 'tls.crt from another CA',
      facts: certFacts(makeCertSet('other-ca')),
      status: 'fail',
      messageIds: ['not-issued-by-ca'],
      assert: (f) => {
        expect(f[0]?.evidence).toMatchObject({ issuer: 'CN=MCP Tunnel CA', caSubject: 'CN=Another MCP Tunnel CA' });
        expect(f[0]?.cause).toContain('data/ca.crt');
      },
    },
    {
      name: 'the CA was re-created after tls.crt was issued (same name, new key)',
      facts: mixedFacts({ ca: regenerated, cert: healthy, key: healthy }),
      status: 'fail',
      messageIds: ['signature-mismatch'],
      assert: (f) => expect(f[0]?.evidence?.keyIdentifiersMatch).toBe(false),
    },
    {
      name: 'a leaf from an intermediate that is not in the file',
      facts: certFacts(healthy, {
        serverCert: readCertificateFile(
          writeTemp('leaf-only.crt', readLeaf(setFile(makeCertSet('intermediate'), 'tls.crt'))),
          false,
        ),
      }),
      status: 'fail',
      messageIds: ['not-issued-by-ca'],
    },
  ],
  skip: [
    {
      // A required fact: the runner's one reason, naming the file and the flag (ca-certificate reports the file).
      name: 'ca.crt missing',
      facts: certFacts(healthy, { caCert: { state: 'missing', path: `${healthy}/data/ca.crt`, explicit: false } }),
      reason: /^needs the CA certificate: .*data\/ca\.crt was not found; given by .*--ca FILE$/,
    },
    {
      name: 'tls.crt invalid: server-certificate reports it',
      facts: certFacts(healthy, {
        serverCert: { state: 'invalid', path: `${healthy}/data/tls.crt`, problem: 'is empty' },
      }),
      reason: 'data/tls.crt is empty (reported by server-certificate)',
    },
  ],
});

function readLeaf(path: string): string {
  const text = readFileSync(path, 'utf8');
  return text.slice(0, text.indexOf('-----END CERTIFICATE-----') + '-----END CERTIFICATE-----'.length) + '\n';
}
