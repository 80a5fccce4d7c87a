import { X509Certificate } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { certsInit, certsInspect } from '../../src/commands/certs.js';
import { redact } from '../../src/redaction/redact.js';
import { captureIO, DOMAIN, tempDir } from './helpers.js';

const DAY = 86_400_000;
let set: string | null = null;
async function certSet(): Promise<string> {
  if (!set) {
    set = tempDir();
    expect(await certsInit({ tunnelDomain: DOMAIN, out: set }, captureIO())).toBe(0);
  }
  return set;
}

async function inspect(file: string, json = false, now?: Date) {
  const io = captureIO();
  const code = await certsInspect({ file, json, now }, io);
  return { code, out: io.out, err: io.err };
}

/** The base64 body of a PEM key: none of it may ever appear in output. */
function keyBody(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('-----'));
}

describe('certs inspect', () => {
  it('prints what the doctor sees of the server certificate', async () => {
    const dir = await certSet();
    const r = await inspect(join(dir, 'tls.crt'));
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const x = new X509Certificate(readFileSync(join(dir, 'tls.crt')));
    const ca = new X509Certificate(readFileSync(join(dir, 'ca.crt')));
    expect(r.out).toContain(`Subject:            CN=*.${DOMAIN}`);
    expect(r.out).toContain('Issuer:             CN=MCP Tunnel CA');
    expect(r.out).toMatch(/Validity: +\S+ to \S+ \((89|90) days left\)/);
    expect(r.out).toContain(`SAN:                DNS:*.${DOMAIN}`);
    expect(r.out).toContain('Public key:         ECDSA P-256');
    expect(r.out).toContain('Signature:          ecdsa-with-SHA256');
    expect(r.out).toContain('BasicConstraints:   CA:FALSE\n');
    expect(r.out).toContain('KeyUsage:           digitalSignature (critical)');
    expect(r.out).toContain('ExtendedKeyUsage:   serverAuth');
    expect(r.out).toMatch(/SubjectKeyId: +([0-9A-F]{2}:){19}[0-9A-F]{2}\n/);
    expect(r.out).toContain(`SHA-256:            ${x.fingerprint256.replace(/:/g, '').toLowerCase()}`);
    // The AKI shown is the CA's SKI, as `certs inspect ca.crt` shows it.
    const aki = /AuthorityKeyId: +(\S+)/.exec(r.out)![1];
    const caOut = (await inspect(join(dir, 'ca.crt'))).out;
    expect(/SubjectKeyId: +(\S+)/.exec(caOut)![1]).toBe(aki);
    expect(caOut).toContain('BasicConstraints:   CA:TRUE, pathlen:0 (critical)');
    expect(caOut).toContain('KeyUsage:           keyCertSign, cRLSign (critical)');
    expect(caOut).toContain('Self-signed:        yes');
    expect(caOut).toContain(ca.fingerprint256.replace(/:/g, '').toLowerCase());
    // The CLI's redactor leaves the report as it is (fingerprints and key IDs are not secrets).
    expect(redact(r.out)).toBe(r.out);
    expect(redact(caOut)).toBe(caOut);
  });

  it('--json gives the facts, with days left and validity against the clock', async () => {
    const dir = await certSet();
    const j = JSON.parse((await inspect(join(dir, 'tls.crt'), true)).out);
    expect(j).toMatchObject({
      schemaVersion: 1,
      command: 'certs inspect',
      kind: 'certificate',
      encoding: 'pem',
      containsPrivateKey: false,
    });
    expect(j.certificates).toHaveLength(1);
    const c = j.certificates[0];
    expect(c).toMatchObject({
      sanDns: [`*.${DOMAIN}`],
      validity: 'valid',
      basicConstraints: { ca: false, critical: false, pathLength: null },
      keyUsage: { critical: true, usages: ['digitalSignature'] },
      extKeyUsage: ['serverAuth'],
      publicKey: { type: 'ec', curve: 'P-256' },
      signatureAlgorithm: { name: 'ecdsa-with-SHA256', hash: 'sha256' },
      selfSigned: false,
    });
    expect(c.daysLeft).toBeGreaterThanOrEqual(89);
    expect(c.derBase64).toBeUndefined();
    const later = JSON.parse((await inspect(join(dir, 'tls.crt'), true, new Date(Date.now() + 100 * DAY))).out)
      .certificates[0];
    expect(later.validity).toBe('expired');
    expect(later.daysLeft).toBeLessThan(0);
    expect((await inspect(join(dir, 'tls.crt'), false, new Date(Date.now() + 100 * DAY))).out).toMatch(
      /EXPIRED (9|10) days ago/,
    );
    expect((await inspect(join(dir, 'tls.crt'), false, new Date(Date.now() - DAY))).out).toContain('NOT YET VALID');
  });

  it('describes a key file by type, encryption and mode, never by its content', async () => {
    const dir = await certSet();
    for (const json of [false, true]) {
      for (const name of ['tls.key', 'ca.key']) {
        const r = await inspect(join(dir, name), json);
        expect(r.code).toBe(0);
        const all = r.out + r.err;
        for (const line of keyBody(join(dir, name))) expect(all).not.toContain(line.slice(0, 20));
        expect(all).not.toContain('BEGIN PRIVATE KEY');
        if (json) {
          const j = JSON.parse(r.out);
          expect(j).toMatchObject({
            kind: 'private-key',
            encrypted: false,
            publicKey: { type: 'ec', curve: 'P-256' },
            mode: name === 'ca.key' ? '0600' : '0644',
          });
          expect(Object.keys(j).sort()).toEqual([
            'command',
            'encoding',
            'encrypted',
            'file',
            'gid',
            'kind',
            'mode',
            'parseError',
            'pemLabels',
            'publicKey',
            'schemaVersion',
            'spkiSha256',
            'uid',
          ]);
        } else {
          expect(r.out).toContain('Type:               ECDSA P-256');
          expect(r.out).toContain(`Mode:               ${name === 'ca.key' ? '0600' : '0644'}`);
          expect(r.out).toContain('Encrypted:          no');
        }
      }
    }
    // The key's public half matches the certificate's: both print the same SPKI hash.
    const keyJ = JSON.parse((await inspect(join(dir, 'tls.key'), true)).out);
    const crtJ = JSON.parse((await inspect(join(dir, 'tls.crt'), true)).out);
    expect(keyJ.spkiSha256).toBe(crtJ.certificates[0].spkiSha256);
  });

  it('handles DER certificates, bundles, keys inside certificate files and encrypted keys', async () => {
    const dir = await certSet();
    const work = tempDir('inspect');
    const ca = new X509Certificate(readFileSync(join(dir, 'ca.crt')));
    writeFileSync(join(work, 'ca.der'), ca.raw);
    const der = JSON.parse((await inspect(join(work, 'ca.der'), true)).out);
    expect(der.encoding).toBe('der');
    expect(der.certificates[0].basicConstraints).toEqual({ critical: true, ca: true, pathLength: 0 });

    writeFileSync(
      join(work, 'bundle.pem'),
      readFileSync(join(dir, 'tls.crt'), 'utf8') + readFileSync(join(dir, 'ca.crt'), 'utf8'),
    );
    const bundle = await inspect(join(work, 'bundle.pem'));
    expect(bundle.out).toContain('2 certificates');
    expect(bundle.out).toContain('Certificate 2 of 2');

    writeFileSync(
      join(work, 'with-key.pem'),
      readFileSync(join(dir, 'tls.crt'), 'utf8') + readFileSync(join(dir, 'tls.key'), 'utf8'),
    );
    const withKey = await inspect(join(work, 'with-key.pem'));
    expect(withKey.code).toBe(0);
    expect(withKey.out).toContain('also holds private-key material (not shown)');
    for (const line of keyBody(join(dir, 'tls.key'))) expect(withKey.out).not.toContain(line.slice(0, 20));

    const { createPrivateKey } = await import('node:crypto');
    const key = createPrivateKey(readFileSync(join(dir, 'tls.key')));
    writeFileSync(
      join(work, 'enc.key'),
      key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'a-passphrase' }),
    );
    const enc = JSON.parse((await inspect(join(work, 'enc.key'), true)).out);
    expect(enc).toMatchObject({ kind: 'private-key', encrypted: true, publicKey: null });

    writeFileSync(join(work, 'key.der'), key.export({ type: 'pkcs8', format: 'der' }));
    const derKey = await inspect(join(work, 'key.der'));
    expect(derKey.code).toBe(0);
    expect(derKey.out).toContain('Encoding:           DER');
  });

  it("exits 2 with the probe's message for missing, unreadable, garbage and non-certificate files", async () => {
    const work = tempDir('inspect-bad');
    const write = (name: string, content: string | Buffer) => {
      writeFileSync(join(work, name), content);
      return join(work, name);
    };
    const cases: [string, RegExp][] = [
      [join(work, 'nope.crt'), /nope\.crt: no such file/],
      [work, /is a directory/],
      [write('empty.crt', ''), /is empty/],
      [write('garbage.crt', 'hello, this is not a certificate\n'), /holds no PEM block/],
      [
        write('binary.crt', Buffer.from([0x00, 0x01, 0xfe, 0x99, 0x42])),
        /binary data that is neither PEM nor a DER certificate/,
      ],
      [write('bad-der.crt', Buffer.from([0x30, 0x82, 0x01, 0x00, 0x01])), /binary data that/],
      [
        write('broken.pem', '-----BEGIN CERTIFICATE-----\n!!!notbase64!!!\n-----END CERTIFICATE-----\n'),
        /not valid base64/,
      ],
      [
        write(
          'pub.pem',
          (await import('node:crypto'))
            .generateKeyPairSync('ec', { namedCurve: 'P-256' })
            .publicKey.export({ type: 'spki', format: 'pem' }),
        ),
        /PUBLIC KEY/,
      ],
      [
        write(
          'openssh.key',
          '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n',
        ),
        /OpenSSH key/,
      ],
    ];
    for (const [file, message] of cases) {
      for (const json of [false, true]) {
        const r = await inspect(file, json);
        expect(r.code, file).toBe(2);
        expect(r.err, file).toMatch(message);
        expect(r.err, file).toMatch(/^mcp-tunnel certs inspect: /);
      }
    }
    if (process.getuid?.() !== 0) {
      const locked = write('locked.crt', 'x');
      chmodSync(locked, 0o000);
      expect((await inspect(locked)).err).toContain('permission denied');
    }
  });
});
