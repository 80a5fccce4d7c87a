import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { check } from '../../checks/tls/server-certificate.js';
import type { Facts } from '../../src/core/facts.js';
import { readCertificateFile } from '../../src/probes/certificate-file.js';
import { testCheck } from '../harness/check-tester.js';
import { yamlFact } from '../harness/facts.js';
import { certFacts, checkedInFacts, makeCertSet, setFile, writeTemp } from '../harness/tls-fixtures.js';

const healthy = makeCertSet('healthy');
const tlsPem = readFileSync(setFile(healthy, 'tls.crt'), 'utf8');
const caPem = readFileSync(setFile(healthy, 'ca.crt'), 'utf8');
const keyPem = readFileSync(setFile(healthy, 'tls.key'), 'utf8');
const withCert = (path: string, overrides: Partial<Facts> = {}) =>
  certFacts(healthy, { serverCert: readCertificateFile(path, false), ...overrides });
const variant = (name: string) => certFacts(makeCertSet(name));

// The same CA key and name re-certified with another SubjectKeyIdentifier: it still verifies
// tls.crt, but tls.crt's AuthorityKeyIdentifier no longer names it.
const reKeyedCa = writeTemp('ca-other-ski.crt', '');
execFileSync(
  'openssl',
  [
    'req',
    '-x509',
    '-new',
    '-key',
    setFile(healthy, 'ca.key'),
    '-sha256',
    '-days',
    '30',
    '-subj',
    '/CN=MCP Tunnel CA',
    '-config',
    writeTemp('req.cnf', '[req]\ndistinguished_name=dn\n[dn]\n'),
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign',
    '-addext',
    'subjectKeyIdentifier=00112233445566778899aabbccddeeff00112233',
    '-out',
    reKeyedCa,
  ],
  { stdio: 'ignore' },
);

// A self-signed leaf (openssl req -x509 without the CA): no AKI, and not issued by ca.crt.
const selfSigned = writeTemp('self-signed.crt', '');
execFileSync(
  'openssl',
  [
    'req',
    '-x509',
    '-new',
    '-key',
    setFile(healthy, 'tls.key'),
    '-sha256',
    '-days',
    '30',
    '-subj',
    '/CN=leaf',
    '-config',
    writeTemp('req2.cnf', '[req]\ndistinguished_name=dn\n[dn]\n'),
    '-addext',
    'basicConstraints=CA:FALSE',
    '-addext',
    'extendedKeyUsage=serverAuth',
    '-out',
    selfSigned,
  ],
  { stdio: 'ignore' },
);

testCheck(check, {
  pass: [
    { name: 'the recipe with an EC server key', facts: certFacts(healthy), info: ['summary'] },
    {
      name: 'the recipe as documented (RSA 4096 server key)',
      facts: certFacts(makeCertSet('healthy', { keyType: 'rsa4096' })),
      info: ['summary'],
    },
    { name: 'the checked-in set', facts: checkedInFacts(), info: ['summary'] },
    { name: 'another CA signed it: ca-registration says so, not this check', facts: variant('other-ca') },
    { name: 'expired: certificate-expiry says so, not this check', facts: variant('expired') },
    { name: 'a wrong SAN: certificate-san says so, not this check', facts: variant('wrong-san') },
    {
      name: 'no AKI because the CA has no SKI: ca-certificate says so, not this check',
      facts: variant('ca-no-ski'),
      info: ['authority-key-id-not-judged'],
    },
    {
      name: 'a self-signed leaf without AKI: ca-registration says who issued it, not this check',
      facts: withCert(selfSigned),
    },
    {
      name: "ca.crt missing: the certificate's own rules are still judged",
      facts: certFacts(healthy, { caCert: { state: 'missing', path: '/x/ca.crt', explicit: false } }),
    },
  ],
  fail: [
    {
      name: 'issued by an intermediate in the bundle',
      facts: variant('intermediate'),
      status: 'fail',
      messageIds: ['issued-by-intermediate'],
      assert: (f) => expect(f[0]?.evidence?.intermediate).toBe('CN=MCP Tunnel Intermediate CA'),
    },
    {
      name: 'no AuthorityKeyIdentifier',
      facts: variant('no-aki'),
      status: 'fail',
      messageIds: ['no-authority-key-id'],
    },
    {
      name: "AuthorityKeyIdentifier is not the CA's SubjectKeyIdentifier",
      facts: certFacts(healthy, { caCert: readCertificateFile(reKeyedCa, false) }),
      status: 'fail',
      messageIds: ['authority-key-id-mismatch'],
      assert: (f) => expect(f[0]?.evidence?.caSubjectKeyId).toMatch(/^00:11:22/),
    },
    {
      name: 'ExtendedKeyUsage clientAuth only',
      facts: variant('eku-clientauth'),
      status: 'fail',
      messageIds: ['no-server-auth'],
    },
    { name: 'SHA-1 signature', facts: variant('sha1'), status: 'fail', messageIds: ['weak-signature'] },
    {
      name: 'RSA 1024 server key',
      facts: certFacts(makeCertSet('healthy', { keyType: 'rsa1024' })),
      status: 'fail',
      messageIds: ['weak-key'],
    },
    {
      // The one defect: the leaf rules (AKI, EKU...) are not also held against a CA certificate.
      name: 'the CA certificate served as tls.crt',
      facts: withCert(setFile(healthy, 'ca.crt')),
      status: 'fail',
      messageIds: ['ca-as-server-certificate'],
    },
    {
      name: 'a full chain (leaf + CA)',
      facts: withCert(writeTemp('fullchain.crt', tlsPem + caPem)),
      status: 'warn',
      messageIds: ['extra-certificates'],
    },
    {
      name: 'the key pasted into tls.crt',
      facts: withCert(writeTemp('cert-and-key.crt', tlsPem + keyPem)),
      status: 'warn',
      messageIds: ['private-key-material'],
    },
    {
      name: 'tls.crt in DER',
      facts: withCert(
        writeTemp('tls.der', execFileSync('openssl', ['x509', '-in', setFile(healthy, 'tls.crt'), '-outform', 'DER'])),
      ),
      status: 'fail',
      messageIds: ['not-pem'],
    },
    {
      name: 'only the key in tls.crt (files swapped)',
      facts: withCert(setFile(healthy, 'tls.key')),
      status: 'fail',
      messageIds: ['not-a-certificate'],
    },
    { name: 'missing on Compose', facts: withCert('/nonexistent/tls.crt'), status: 'fail', messageIds: ['missing'] },
    {
      name: 'binary junk',
      facts: withCert(writeTemp('junk.crt', Buffer.from([1, 2, 3, 0, 255]))),
      status: 'fail',
      messageIds: ['not-a-certificate'],
    },
  ],
  skip: [
    {
      name: 'missing on Helm: names the Secret from external.serverCertSecretName',
      facts: withCert('/nonexistent/tls.crt', {
        deployment: { dir: healthy, layout: 'helm', generation: null },
        helmValues: (() => {
          const f = yamlFact('/deploy/values.yaml', 'external:\n  serverCertSecretName: my-tls\n');
          return f.state === 'ok'
            ? { ...f, value: { ...f.value, files: ['/deploy/values.yaml'], positionFiles: {} } }
            : undefined;
        })(),
      }),
      reason:
        /kubectl get secret my-tls -n mcp-tunnel -o jsonpath='\{\.data\.tls\\\.crt\}' \| base64 -d > tls\.crt, then run the doctor with --cert tls\.crt/,
    },
  ],
});
