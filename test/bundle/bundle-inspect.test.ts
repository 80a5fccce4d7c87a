// `bundle --inspect`: a clean bundle exits 0; a changed, added or removed member exits 1; a
// member with a secret exits 1; anything that is not a bundle (garbage, cut short, a gzip bomb,
// a symbolic link member, a path leaving the archive, too many members) exits 2 with the reason.
// And the writer's promises: mode 0600, an existing --out is never replaced.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tarGzip } from '../../src/bundle/tar.js';
import { runInProcess } from '../helpers/in-process.js';
import { FIXTURES } from '../helpers/exec.js';
import { apiKey } from '../redaction/secret-shapes.js';

let root: string;
let clean: string;
const HEALTHY = join(FIXTURES, 'compose-healthy');

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'mcp-tunnel-bundle-'));
  clean = join(root, 'clean.tar.gz');
  const r = await runInProcess(['bundle', '--offline', '--dir', HEALTHY, '--out', clean]);
  expect(r.code, r.stderr).toBe(0);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const inspect = (file: string) => runInProcess(['bundle', '--inspect', file]);

/** Extracts the clean bundle, lets `change` alter the tree, packs it again with the system's tar. */
function repacked(name: string, change: (dir: string) => void): string {
  const dir = join(root, `${name}-tree`);
  spawnSync('mkdir', ['-p', dir]);
  expect(spawnSync('tar', ['-xzf', clean, '-C', dir]).status).toBe(0);
  change(dir);
  const out = join(root, `${name}.tar.gz`);
  const found = spawnSync('find', ['.', '-type', 'f,l'], { cwd: dir, encoding: 'utf8' }).stdout.trim().split('\n');
  const list = found.map((p) => p.replace(/^\.\//, ''));
  expect(spawnSync('tar', ['-czf', out, '-C', dir, ...list]).status).toBe(0);
  return out;
}

describe('bundle --inspect', () => {
  it('lists a clean bundle, verifies it and exits 0', async () => {
    const r = await inspect(clean);
    expect(r.stdout).toMatch(/deployment\/\.env\s+\d+ bytes\s+redacted: secretsFingerprinted 1/);
    expect(r.stdout).toContain('Manifest: every member matches its SHA-256 and size.');
    expect(r.stdout).toContain('Secrets: none found');
    expect(r.code).toBe(0);
  });

  it('reports a changed member (exit 1)', async () => {
    const file = repacked('changed', (d) => writeFileSync(join(d, 'report.md'), '# edited\n'));
    const r = await inspect(file);
    expect(r.stdout).toContain('report.md: its SHA-256 or size differs');
    expect(r.code).toBe(1);
  });

  it('reports an added and a missing member (exit 1)', async () => {
    const file = repacked('added', (d) => {
      writeFileSync(join(d, 'notes.txt'), 'hello\n');
      rmSync(join(d, 'versions.json'));
    });
    const r = await inspect(file);
    expect(r.stdout).toContain('notes.txt: not listed in the manifest (added)');
    expect(r.stdout).toContain('versions.json: listed in the manifest, missing from the archive');
    expect(r.code).toBe(1);
  });

  it('finds a secret put into a member, also inside a gzip-compressed one (exit 1)', async () => {
    const key = apiKey();
    const file = repacked('secret', (d) => {
      writeFileSync(join(d, 'extra.log.gz'), gzipSync(`upstream failed with ${key}\n`));
    });
    const r = await inspect(file);
    expect(r.stdout).toContain('extra.log.gz: 1 secret-shaped value(s)');
    expect(r.stdout).not.toContain(key);
    expect(r.code).toBe(1);
  });

  const bad: [string, () => Buffer, RegExp][] = [
    ['garbage', () => Buffer.from('this is not a bundle at all'), /not gzip-compressed/],
    ['a bundle cut short', () => readFileSync(clean).subarray(0, 2000), /corrupt or cut short/],
    ['a gzip bomb', () => gzipSync(Buffer.alloc(200 * 1024 * 1024)), /inflates to more than/],
    ['gzip of something not tar', () => gzipSync(Buffer.alloc(4096, 'x')), /tar header at byte 0 is corrupt/],
    [
      'a path leaving the archive',
      () => tarGzip([{ name: '../evil', bytes: Buffer.from('x') }], new Date()),
      /leaves the archive/,
    ],
    ['an absolute path', () => tarGzip([{ name: '/etc/evil', bytes: Buffer.from('x') }], new Date()), /absolute path/],
    [
      'too many members',
      () =>
        tarGzip(
          Array.from({ length: 1001 }, (_, i) => ({ name: `m${i}`, bytes: Buffer.from('x') })),
          new Date(),
        ),
      /more than 1000 members/,
    ],
    [
      'a tar without a manifest',
      () => tarGzip([{ name: 'a.txt', bytes: Buffer.from('x') }], new Date()),
      /no readable manifest/,
    ],
    [
      'a manifest of the wrong shape',
      () => tarGzip([{ name: 'manifest.json', bytes: Buffer.from('{"files":[null,{"name":1}]}') }], new Date()),
      /no readable manifest/,
    ],
  ];
  it.each(bad)('refuses %s (exit 2)', async (name, make, message) => {
    const file = join(root, `${name.replace(/\W+/g, '-')}.tar.gz`);
    writeFileSync(file, make());
    const started = performance.now();
    const r = await inspect(file);
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(2);
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('refuses a symbolic link member (exit 2)', async () => {
    const file = repacked('symlink', (d) => symlinkSync('/etc/passwd', join(d, 'passwd')));
    const r = await inspect(file);
    expect(r.stderr).toMatch(/"passwd" is a symbolic link, not a file/);
    expect(r.code).toBe(2);
  });
});

describe('bundles of the example deployments', () => {
  // Helm's proxy config lives in values.yaml (one member, not two); facts.json keeps file paths
  // and identifiers under names like tokenFile, which are not secrets.
  it.each(['helm-healthy', 'helm-broken-ids', 'compose-gateway-healthy', 'broken-token-secret'])(
    '%s: written, and --inspect finds it clean',
    async (fixture) => {
      const file = join(root, `${fixture}.tar.gz`);
      const made = await runInProcess(['bundle', '--offline', '--dir', join(FIXTURES, fixture), '--out', file]);
      expect(made.code, made.stderr).toBe(0);
      const r = await inspect(file);
      expect(r.stdout).toContain('Secrets: none found');
      expect(r.code).toBe(0);
    },
  );
});

describe('bundle output file', () => {
  it('is mode 0600 and named by its UTC time by default', async () => {
    const cwd = mkdtempSync(join(root, 'cwd-'));
    const r = await runInProcess(['bundle', '--offline', '--dir', HEALTHY], { cwd });
    expect(r.code).toBe(0);
    const name = /Wrote (mcp-tunnel-bundle-\d{8}T\d{6}Z\.tar\.gz)/.exec(r.stdout)?.[1];
    expect(name).toBeDefined();
    expect(statSync(join(cwd, name!)).mode & 0o777).toBe(0o600);
  });

  it('never replaces an existing --out (exit 2, the file untouched)', async () => {
    const existing = join(root, 'existing.tar.gz');
    writeFileSync(existing, 'keep me');
    const r = await runInProcess(['bundle', '--offline', '--dir', HEALTHY, '--out', existing]);
    expect(r.stderr).toContain('the file exists; a bundle never replaces a file');
    expect(r.code).toBe(2);
    expect(readFileSync(existing, 'utf8')).toBe('keep me');
  });

  it('refuses a tunnel token given as a flag value', async () => {
    const r = await runInProcess(['bundle', '--offline', '--dir', HEALTHY, '--token', 'eyJhIjoiYWJjZGVmZ2hpams']);
    expect(r.stderr).toContain('never taken as a flag value');
    expect(r.code).toBe(2);
  });
});
