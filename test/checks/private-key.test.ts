import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { check } from '../../checks/tls/private-key.js';
import type { Facts } from '../../src/core/facts.js';
import { readCertificateFile } from '../../src/probes/certificate-file.js';
import { readPrivateKeyFile } from '../../src/probes/private-key-file.js';
import { testCheck } from '../harness/check-tester.js';
import { yamlFact } from '../harness/facts.js';
import { certFacts, checkedInFacts, makeCertSet, setFile, writeTemp } from '../harness/tls-fixtures.js';

const healthy = makeCertSet('healthy');
const keyPem = readFileSync(setFile(healthy, 'tls.key'), 'utf8');
const keyPath = `${healthy}/data/tls.key`;
const withKey = (path: string, overrides: Partial<Facts> = {}) =>
  certFacts(healthy, { privateKey: readPrivateKeyFile(path, false), ...overrides });

/** The healthy key's facts with another mode and owner (the tests run as root, so ownership is set by hand). */
function owned(mode: number, uid: number, gid: number, overrides: Partial<Facts> = {}): Facts {
  const facts = certFacts(healthy, overrides);
  if (facts.privateKey?.state === 'ok') Object.assign(facts.privateKey.value, { mode, uid, gid });
  return facts;
}
/** The doctor's own user could not open the key; stat still tells mode and owner. */
const unreadableToDoctor = (mode: number, uid: number, gid: number): Partial<Facts> => ({
  privateKey: { state: 'unreadable', path: keyPath, explicit: false, problem: 'permission denied' },
  privateKeyStat: { path: keyPath, mode, uid, gid },
});
const composeUser = (user: string) =>
  yamlFact('/deploy/compose.yaml', `services:\n  mcp-proxy:\n    image: example/mcp-proxy:1\n    user: "${user}"\n`);
const helm = { deployment: { dir: healthy, layout: 'helm' as const, generation: null } };

// A real set whose tls.key is 0600, owned by the user running the tests (not 65532).
const strict = makeCertSet('healthy', { days: 92 });
chmodSync(setFile(strict, 'tls.key'), 0o600);

testCheck(check, {
  pass: [
    // server-certificate reports the CA in tls.crt; the key is not held against it.
    {
      name: 'ca.crt copied over tls.crt: no mismatch claimed',
      facts: certFacts(healthy, { serverCert: readCertificateFile(setFile(healthy, 'ca.crt'), false) }),
      info: ['match-not-checked', 'summary'],
      notChecked: 'whether the key matches tls.crt',
    },
    { name: 'the recipe: mode 0644', facts: certFacts(healthy), info: ['summary'] },
    { name: 'the checked-in key (RSA 4096, 0644)', facts: checkedInFacts(), info: ['summary'] },
    { name: 'mode 0600 owned by 65532', facts: owned(0o600, 65532, 65532) },
    { name: 'mode 0640 with group 65532', facts: owned(0o640, 0, 65532) },
    {
      name: 'the service runs as 1000:1000 and owns a 0600 key',
      facts: owned(0o600, 1000, 1000, { compose: composeUser('1000:1000') }),
    },
    { name: 'Helm: a Secret mount, file modes do not apply', facts: certFacts(strict, helm) },
    {
      name: 'the doctor may not read it, but 65532 may (0600 owned by 65532)',
      facts: certFacts(healthy, unreadableToDoctor(0o600, 65532, 65532)),
      info: ['not-read-by-doctor'],
    },
    {
      name: 'tls.crt unusable: the match is noted as not checked',
      facts: certFacts(healthy, { serverCert: { state: 'missing', path: `${healthy}/data/tls.crt`, explicit: false } }),
      info: ['match-not-checked', 'summary'],
      notChecked: 'whether the key matches tls.crt',
    },
  ],
  fail: [
    {
      name: 'mode 0600 owned by another user: the troubleshooting page\'s "permission denied"',
      facts: certFacts(strict),
      status: 'fail',
      messageIds: ['unreadable-by-proxy'],
      assert: (f) => {
        expect(f[0]?.fix).toContain('chmod 644 data/tls.key');
        expect(f[0]?.fix).toContain('chown 65532:65532 data/tls.key');
        expect(f[0]?.evidence).toMatchObject({ mode: '0600', proxyUid: 65532 });
      },
    },
    {
      name: 'owned by 65532 but without the owner read bit',
      facts: owned(0o044, 65532, 65532),
      status: 'fail',
      messageIds: ['unreadable-by-proxy'],
    },
    {
      name: "the service's own user cannot read a key owned by 65532",
      facts: owned(0o600, 65532, 65532, { compose: composeUser('1000:1000') }),
      status: 'fail',
      messageIds: ['unreadable-by-proxy'],
      assert: (f) => expect(f[0]?.cause).toContain('user "1000:1000" of the mcp-proxy service'),
    },
    {
      name: 'unreadable to the doctor and to 65532 (0600 root)',
      facts: certFacts(healthy, unreadableToDoctor(0o600, 0, 0)),
      status: 'fail',
      messageIds: ['unreadable-by-proxy'],
    },
    {
      name: 'a key that does not belong to tls.crt',
      facts: certFacts(makeCertSet('key-mismatch')),
      status: 'fail',
      messageIds: ['mismatch'],
      assert: (f) =>
        expect(JSON.stringify(f)).not.toContain(
          readFileSync(setFile(makeCertSet('key-mismatch'), 'tls.key'), 'utf8').split('\n')[1],
        ),
    },
    {
      name: 'an encrypted key',
      facts: certFacts(makeCertSet('encrypted-key')),
      status: 'fail',
      messageIds: ['encrypted'],
    },
    {
      name: 'a truncated key',
      facts: withKey(writeTemp('trunc.key', keyPem.slice(0, 100))),
      status: 'fail',
      messageIds: ['unparsable'],
    },
    {
      name: 'a DER key',
      facts: withKey(
        writeTemp(
          'tls-der.key',
          execFileSync('openssl', ['pkey', '-in', setFile(healthy, 'tls.key'), '-outform', 'DER']),
        ),
      ),
      status: 'fail',
      messageIds: ['not-pem'],
    },
    {
      name: 'the certificate where the key should be',
      facts: withKey(setFile(healthy, 'tls.crt')),
      status: 'fail',
      messageIds: ['not-a-key'],
    },
    {
      name: 'missing on Compose',
      facts: withKey('/nonexistent/data/tls.key'),
      status: 'fail',
      messageIds: ['missing'],
    },
    {
      name: 'a directory',
      facts: certFacts(healthy, {
        privateKey: { state: 'unreadable', path: keyPath, explicit: false, problem: 'is a directory, not a file' },
      }),
      status: 'fail',
      messageIds: ['unreadable'],
    },
    {
      name: 'a 0600 root key that is also encrypted: both are named',
      facts: (() => {
        const p = writeTemp('enc-0600.key', readFileSync(setFile(makeCertSet('encrypted-key'), 'tls.key')), 0o600);
        return withKey(p);
      })(),
      status: 'fail',
      messageIds: ['unreadable-by-proxy', 'encrypted'],
    },
  ],
  skip: [
    {
      name: 'missing on Helm: the key lives in a Secret',
      facts: withKey('/nonexistent/tls.key', helm),
      reason: /Secret.*--key tls\.key/,
    },
  ],
});
