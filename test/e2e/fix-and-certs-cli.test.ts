// End to end: `doctor --fix [--yes]` on broken examples, and `certs` making material the doctor passes.

import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../helpers/exec.js';
import { runInProcess } from '../helpers/in-process.js';
import { present } from '../helpers/present.js';

function copy(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `mcp-tunnel-${name}-`));
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  return dir;
}

async function failing(dir: string): Promise<string[]> {
  const r = await runInProcess(['doctor', '--offline', '--json', '--dir', dir]);
  return JSON.parse(r.stdout)
    .results.filter((x: { status: string }) => x.status === 'fail')
    .map((x: { id: string }) => x.id);
}

describe('doctor --fix', () => {
  it.each(['broken-routes-list', 'broken-no-url', 'broken-network-mode', 'broken-wrong-domain'])(
    '%s: --fix shows a diff and changes nothing; --fix --yes repairs it',
    async (name) => {
      const dir = copy(name);
      const before = await failing(dir);
      expect(before.length).toBe(1);
      const shown = await runInProcess(['doctor', '--offline', '--fix', '--dir', dir]);
      expect(shown.code).toBe(1);
      expect(shown.stdout).toMatch(/^\s*--- a\//m);
      expect(shown.stdout).toMatch(/^\s*\+\+\+ b\//m);
      expect(await failing(dir)).toEqual(before);
      const applied = await runInProcess(['doctor', '--offline', '--fix', '--yes', '--dir', dir]);
      expect(applied.code, applied.stdout + applied.stderr).toBe(0);
      expect(applied.stdout).toContain('After the repairs');
      expect(await failing(dir)).toEqual([]);
      expect((await runInProcess(['doctor', '--offline', '--dir', dir])).code).toBe(0);
    },
  );

  it('keeps a backup of every edited file, with the original content', async () => {
    const dir = copy('broken-routes-list');
    const original = readFileSync(join(dir, 'config', 'mcp-proxy.yaml'), 'utf8');
    expect((await runInProcess(['doctor', '--offline', '--fix', '--yes', '--dir', dir])).code).toBe(0);
    expect(readFileSync(join(dir, 'config', 'mcp-proxy.yaml.bak'), 'utf8')).toBe(original);
  });

  it('repairs the key mode for UID 65532', async () => {
    const dir = copy('compose-healthy');
    chmodSync(join(dir, 'data', 'tls.key'), 0o600);
    expect(await failing(dir)).toEqual(['private-key']);
    const r = await runInProcess(['doctor', '--offline', '--fix', '--yes', '--dir', dir]);
    expect(r.stdout).toContain('chmod 644');
    expect(r.code).toBe(0);
    expect(statSync(join(dir, 'data', 'tls.key')).mode & 0o777).toBe(0o644);
  });

  it('with --json, stdout stays one JSON document (the state after the repairs)', async () => {
    const dir = copy('broken-no-url');
    const r = await runInProcess(['doctor', '--offline', '--fix', '--yes', '--json', '--dir', dir]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).verdict.status).toBe('pass');
    expect(r.stderr).toMatch(/^\s*--- a\//m);
  });

  it('--yes without --fix is a usage error', async () => {
    const r = await runInProcess(['doctor', '--offline', '--yes', '--dir', copy('broken-no-url')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--yes/);
  });
});

describe('certs', () => {
  it('init makes material the doctor passes, refuses to replace keys, renew keeps it passing', async () => {
    const dir = copy('compose-healthy');
    for (const f of ['ca.crt', 'tls.crt', 'tls.key', 'tunnel-domain']) rmSync(join(dir, 'data', f));
    const init = await runInProcess([
      'certs',
      'init',
      '--tunnel-domain',
      'abcd1234.tunnel.example.com',
      '--out',
      join(dir, 'data'),
    ]);
    expect(init.code, init.stderr).toBe(0);
    expect(statSync(join(dir, 'data', 'tls.key')).mode & 0o777).toBe(0o644);
    expect(statSync(join(dir, 'data', 'ca.key')).mode & 0o777).toBe(0o600);
    expect(await failing(dir)).toEqual([]);
    expect((await runInProcess(['doctor', '--offline', '--dir', dir])).code).toBe(0);

    const again = await runInProcess([
      'certs',
      'init',
      '--tunnel-domain',
      'abcd1234.tunnel.example.com',
      '--out',
      join(dir, 'data'),
    ]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/key/);

    const oldCert = readFileSync(join(dir, 'data', 'tls.crt'), 'utf8');
    const renew = await runInProcess(['certs', 'renew', '--out', join(dir, 'data')]);
    expect(renew.code, renew.stderr).toBe(0);
    expect(readFileSync(join(dir, 'data', 'tls.crt'), 'utf8')).not.toBe(oldCert);
    expect(existsSync(join(dir, 'data', 'tls.crt.bak'))).toBe(true);
    expect((await runInProcess(['doctor', '--offline', '--dir', dir])).code).toBe(0);

    const inspect = await runInProcess(['certs', 'inspect', join(dir, 'data', 'tls.crt')]);
    expect(inspect.code).toBe(0);
    expect(inspect.stdout).toContain('*.abcd1234.tunnel.example.com');
    const key = await runInProcess(['certs', 'inspect', join(dir, 'data', 'tls.key')]);
    const keyBody = readFileSync(join(dir, 'data', 'tls.key'), 'utf8').split('\n')[1];
    expect(key.stdout + key.stderr).not.toContain(present(keyBody).slice(0, 24));
  });

  it('certs --help lists init, renew and inspect; bad --days is a usage error', async () => {
    const h = await runInProcess(['certs', '--help']);
    expect(h.code).toBe(0);
    for (const c of ['init', 'renew', 'inspect']) expect(h.stdout).toContain(c);
    const bad = await runInProcess([
      'certs',
      'init',
      '--tunnel-domain',
      'a.example.com',
      '--days',
      '9000',
      '--out',
      mkdtempSync(join(tmpdir(), 'x-')),
    ]);
    expect(bad.code).toBe(2);
  });
});
