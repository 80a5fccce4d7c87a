// certs init --force and certs renew are transactions: a rename, link, fsync or write made to fail
// (strace inject=, against the built CLI) at any step leaves every file entirely as it was, the
// key matching its certificate, no backup and no temporary file, a non-zero exit and a message
// naming what failed. Backups are never overwritten: two renews keep the original key.

import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  faultsFor,
  keyMatchesCertificate,
  leftovers,
  runUnderStrace,
  snapshot,
  straceGate,
  tracedCalls,
} from '../helpers/fault-injection.js';
import { runCli } from '../helpers/exec.js';
import { DOMAIN, tempDir } from './helpers.js';
import { present } from '../helpers/present.js';

interface Fault {
  name: string;
  strace: string[];
}

const inject = (call: string, error: string, when: number): Fault => ({
  name: `${call} #${when} ${error}`,
  strace: ['-e', `trace=${call}`, '-e', `inject=${call}:error=${error}:when=${when}`],
});

function freshSet(): string {
  const out = tempDir('txn');
  const r = runCli(['certs', 'init', '--tunnel-domain', DOMAIN, '--out', out]);
  expect(r.code, r.stderr).toBe(0);
  return out;
}

/** A directory with stray certificates (no keys), as a half-finished setup leaves it. */
function strayCertificates(): string {
  const out = freshSet();
  const stray = tempDir('stray');
  for (const f of ['ca.crt', 'tls.crt']) writeFileSync(join(stray, f), readFileSync(join(out, f)));
  writeFileSync(join(stray, 'tunnel-domain'), 'old.tunnel.example.com\n');
  return stray;
}

const read = (dir: string, f: string) => readFileSync(join(dir, f), 'utf8');

describe.skipIf(straceGate.skip)('certs renew under injected faults', () => {
  it('every failed step rolls back: old key and certificate, matching, no .bak, no temporary file', () => {
    straceGate.assert();
    const faults = faultsFor(tracedCalls(['certs', 'renew', '--out', freshSet()]));
    // Writes of the lock, the new tls.key, tls.crt and their two backups; 2 renames; 2 backup links, 2 holds.
    expect(faults.filter((f) => f.name.startsWith('pwrite64')).length).toBe(5);
    expect(faults.filter((f) => f.name.startsWith('rename')).length).toBe(2);
    expect(faults.filter((f) => f.name.startsWith('link')).length).toBe(4);
    expect(faults.filter((f) => f.name.startsWith('fsync')).length).toBeGreaterThanOrEqual(6);
    for (const fault of faults) {
      const out = freshSet();
      const before = snapshot(out);
      const r = runUnderStrace(fault.strace, ['certs', 'renew', '--out', out]);
      expect(r.code, `${fault.name}: ${r.stdout}${r.stderr}`).toBe(2);
      expect(r.stderr, fault.name).toMatch(/mcp-tunnel certs renew: writing .* failed: .*\((EIO|ENOSPC)\)/);
      expect(r.stderr, fault.name).toMatch(/nothing was changed|nothing changed/);
      expect(snapshot(out), fault.name).toEqual(before);
      expect(leftovers(out), fault.name).toEqual([]);
      expect(keyMatchesCertificate(read(out, 'tls.key'), read(out, 'tls.crt')), fault.name).toBe(true);
    }
  }, 240_000);

  it('the second rename failing puts the new key back out: never a new key beside the old certificate', () => {
    straceGate.assert();
    const out = freshSet();
    const key = read(out, 'tls.key');
    const r = runUnderStrace(inject('rename', 'EIO', 2).strace, ['certs', 'renew', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${join(out, 'tls.crt')} could not be replaced (EIO)`);
    expect(r.stderr).toContain(`rolled back: ${join(out, 'tls.key')}`);
    expect(read(out, 'tls.key')).toBe(key);
  });

  it('without a fault it renews, and the key matches the certificate', () => {
    const out = freshSet();
    const r = runCli(['certs', 'renew', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(keyMatchesCertificate(read(out, 'tls.key'), read(out, 'tls.crt'))).toBe(true);
    expect(leftovers(out)).toEqual([]);
  });
});

describe.skipIf(straceGate.skip)('certs init --force under injected faults', () => {
  it('every failed step leaves the stray certificates, no key, no .bak, no temporary file', () => {
    straceGate.assert();
    const args = (out: string) => ['certs', 'init', '--tunnel-domain', DOMAIN, '--out', out, '--force'];
    const faults = faultsFor(tracedCalls(args(strayCertificates())));
    // The lock, 2 keys, 2 certificates and tunnel-domain, 3 backups; 3 renames (the keys are linked in).
    expect(faults.filter((f) => f.name.startsWith('pwrite64')).length).toBe(9);
    expect(faults.filter((f) => f.name.startsWith('rename')).length).toBe(3);
    for (const fault of faults) {
      const out = strayCertificates();
      const before = snapshot(out);
      const r = runUnderStrace(fault.strace, args(out));
      expect(r.code, `${fault.name}: ${r.stdout}${r.stderr}`).toBe(2);
      expect(r.stderr, fault.name).toMatch(/mcp-tunnel certs init: writing .* failed: .*\((EIO|ENOSPC)\)/);
      expect(snapshot(out), fault.name).toEqual(before);
      expect(existsSync(join(out, 'ca.key')), fault.name).toBe(false);
      expect(existsSync(join(out, 'tls.key')), fault.name).toBe(false);
      expect(leftovers(out), fault.name).toEqual([]);
    }
  }, 240_000);
});

describe('certs backups', () => {
  it('two renews keep both old keys: tls.key.bak, then tls.key.bak.1, never overwritten', () => {
    const out = freshSet();
    const original = read(out, 'tls.key');
    expect(runCli(['certs', 'renew', '--out', out]).code).toBe(0);
    const second = read(out, 'tls.key');
    const r = runCli(['certs', 'renew', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${join(out, 'tls.key.bak.1')}`);
    expect(read(out, 'tls.key.bak')).toBe(original);
    expect(read(out, 'tls.key.bak.1')).toBe(second);
    expect(
      readdirSync(out)
        .filter((f) => f.startsWith('tls.crt.bak'))
        .sort(),
    ).toEqual(['tls.crt.bak', 'tls.crt.bak.1']);
  });

  it('a read-only certificate is not replaced, and the message says so', () => {
    const out = freshSet();
    const before = snapshot(out);
    chmodSync(join(out, 'tls.crt'), 0o444);
    const r = runCli(['certs', 'renew', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `${join(out, 'tls.crt')} is read-only (0444): not changed; make it writable or edit it by hand`,
    );
    expect(snapshot(out)).toEqual({ ...before, 'tls.crt': present(before['tls.crt']).replace(/^644/, '444') });
    expect(leftovers(out)).toEqual([]);
  });
});
