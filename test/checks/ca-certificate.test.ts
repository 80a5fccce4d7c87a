import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { check } from '../../checks/tls/ca-certificate.js';
import type { Facts } from '../../src/core/facts.js';
import { readCertificateFile } from '../../src/probes/certificate-file.js';
import { testCheck } from '../harness/check-tester.js';
import { certFacts, checkedInFacts, makeCertSet, setFile, writeTemp } from '../harness/tls-fixtures.js';

const healthy = makeCertSet('healthy');
const caPem = readFileSync(setFile(healthy, 'ca.crt'), 'utf8');
const keyPem = readFileSync(setFile(healthy, 'tls.key'), 'utf8');
const withCa = (path: string, overrides: Partial<Facts> = {}) =>
  certFacts(healthy, { caCert: readCertificateFile(path, false), ...overrides });
const variant = (name: string) => certFacts(makeCertSet(name));

testCheck(check, {
  pass: [
    { name: "the recipe's ECDSA P-256 CA", facts: certFacts(healthy), info: ['summary'] },
    { name: 'the checked-in CA', facts: checkedInFacts(), info: ['summary'] },
    {
      name: 'CRLF and a byte-order mark do not matter',
      facts: withCa(writeTemp('bom-ca.crt', '\ufeff' + caPem.replace(/\n/g, '\r\n'))),
    },
  ],
  fail: [
    { name: 'DER instead of PEM', facts: variant('der-ca'), status: 'fail', messageIds: ['not-pem'] },
    {
      name: 'an Ed25519 CA: strong, but not among the accepted key types',
      facts: variant('ed25519-ca'),
      status: 'fail',
      messageIds: ['key-type-not-listed'],
    },
    {
      name: 'RSA 1024 key',
      facts: variant('rsa1024-ca'),
      status: 'fail',
      messageIds: ['weak-key'],
      assert: (f) => expect(f[0]?.evidence?.key).toBe('RSA 1024 bits'),
    },
    { name: 'SHA-1 signature', facts: variant('sha1'), status: 'fail', messageIds: ['weak-signature'] },
    {
      name: 'BasicConstraints not critical',
      facts: variant('ca-not-critical'),
      status: 'fail',
      messageIds: ['basic-constraints-not-critical'],
    },
    { name: 'no SubjectKeyIdentifier', facts: variant('ca-no-ski'), status: 'fail', messageIds: ['no-subject-key-id'] },
    {
      name: 'KeyUsage without keyCertSign',
      facts: variant('ca-no-keycertsign'),
      status: 'fail',
      messageIds: ['no-key-cert-sign'],
    },

    {
      name: 'the server certificate put in ca.crt',
      facts: withCa(setFile(healthy, 'tls.crt')),
      status: 'fail',
      messageIds: ['not-a-ca', 'no-key-cert-sign'],
    },
    {
      name: 'a bundle (leaf + intermediate) put in ca.crt',
      facts: withCa(setFile(makeCertSet('intermediate'), 'tls.crt')),
      status: 'fail',
      messageIds: ['multiple-certificates', 'not-a-ca', 'no-key-cert-sign'],
    },
    {
      name: 'the CA key pasted after the certificate',
      facts: withCa(writeTemp('ca-with-key.crt', caPem + keyPem)),
      status: 'fail',
      messageIds: ['private-key-material'],
      assert: (f) => expect(JSON.stringify(f)).not.toContain(keyPem.split('\n')[1]),
    },
    {
      name: 'only a private key in ca.crt',
      facts: withCa(setFile(healthy, 'tls.key')),
      status: 'fail',
      messageIds: ['private-key-material'],
    },
    {
      name: 'a public key block next to the certificate',
      facts: withCa(
        writeTemp('ca-with-pub.crt', caPem + '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n'),
      ),
      status: 'fail',
      messageIds: ['extra-blocks'],
    },
    {
      name: 'more than 8 kB (text output around the block)',
      facts: withCa(writeTemp('ca-padded.crt', '# notes\n'.repeat(1100) + caPem)),
      status: 'fail',
      messageIds: ['too-large'],
      assert: (f) => expect(f[0]?.evidence?.sizeBytes).toBeGreaterThan(8192),
    },
    {
      name: 'missing on a Compose deployment',
      facts: withCa('/nonexistent/data/ca.crt'),
      status: 'fail',
      messageIds: ['missing'],
    },
    {
      name: 'empty file',
      facts: withCa(writeTemp('empty-ca.crt', '')),
      status: 'fail',
      messageIds: ['not-a-certificate'],
    },
    {
      // The probe makes such a file 'invalid'; facts given otherwise (replayed, edited) still get a finding, not a pass.
      name: 'read, but without a certificate or a key',
      facts: certFacts(healthy, {
        caCert: {
          state: 'ok',
          path: `${healthy}/data/ca.crt`,
          value: {
            encoding: 'pem',
            sizeBytes: 60,
            pemLabels: ['PUBLIC KEY'],
            certificates: [],
            unparsable: [],
            containsPrivateKey: false,
          },
        },
      }),
      status: 'fail',
      messageIds: ['not-a-certificate'],
      assert: (f) => expect(f[0]?.fix).toBe('Put the CA certificate (PEM) in data/ca.crt.'),
    },
    {
      name: 'truncated PEM',
      facts: withCa(writeTemp('trunc-ca.crt', caPem.slice(0, 200))),
      status: 'fail',
      messageIds: ['not-a-certificate'],
    },
    {
      name: 'unreadable (a directory)',
      facts: certFacts(healthy, {
        caCert: {
          state: 'unreadable',
          path: `${healthy}/data/ca.crt`,
          explicit: false,
          problem: 'is a directory, not a file',
        },
      }),
      status: 'fail',
      messageIds: ['unreadable'],
      assert: (f) => expect(f[0]?.location?.file).toBe('data/ca.crt'),
    },
  ],
  skip: [
    {
      name: 'missing on Helm: the CA lives in a Secret',
      facts: withCa('/nonexistent/ca.crt', { deployment: { dir: healthy, layout: 'helm', generation: null } }),
      reason: /Kubernetes Secret.*kubectl get secret .*--ca ca\.crt/,
    },
    {
      name: 'missing with no deployment found',
      facts: withCa('/nonexistent/ca.crt', { deployment: { dir: healthy, layout: 'none', generation: null } }),
      reason: '--ca',
    },
  ],
});
