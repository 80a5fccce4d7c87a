// The one writer on its own: the lock, compare-and-swap, new files never replacing, unique
// verified backups, a refused change in a transaction stopping all of them, and --output files
// (devices written directly, links refused).

import { spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commitChanges, LOCK_NAME, writeReportFile, type WriteChange } from '../../src/core/safe-writer.js';
import { FIXTURES, runCli } from '../helpers/exec.js';
import { scratchDir } from '../fixes/helpers.js';

const text = (s: string) => Buffer.from(s, 'utf8');
const write = (path: string, content: string, expected: string | null, backup = true): WriteChange => ({
  kind: 'write',
  path,
  bytes: text(content),
  expected: expected === null ? null : text(expected),
  ...(backup ? { backup: {} } : {}),
});

describe('commitChanges', () => {
  it('replaces a file with a verified backup and keeps its mode', () => {
    const root = scratchDir();
    const f = join(root, 'a.yaml');
    writeFileSync(f, 'old\n');
    chmodSync(f, 0o640);
    const outcome = commitChanges(root, [write(f, 'new\n', 'old\n')]);
    expect(outcome).toMatchObject({ status: 'done', changes: [{ path: f, backup: `${f}.bak` }] });
    expect(readFileSync(f, 'utf8')).toBe('new\n');
    expect(readFileSync(`${f}.bak`, 'utf8')).toBe('old\n');
    expect(statSync(f).mode & 0o7777).toBe(0o640);
    expect(statSync(`${f}.bak`).mode & 0o7777).toBe(0o640);
    expect(readdirSync(root).sort()).toEqual(['a.yaml', 'a.yaml.bak']);
  });

  it.skipIf(process.getuid?.() !== 0)('keeps the owner of a file it replaces (as root), backup included', () => {
    const root = scratchDir();
    const f = join(root, 'a.yaml');
    writeFileSync(f, 'old\n');
    chownSync(f, 65532, 65532);
    expect(commitChanges(root, [write(f, 'new\n', 'old\n')]).status).toBe('done');
    expect([statSync(f).uid, statSync(f).gid]).toEqual([65532, 65532]);
    expect([statSync(`${f}.bak`).uid, statSync(`${f}.bak`).gid]).toEqual([65532, 65532]);
  });

  it('never overwrites a backup: the next free name', () => {
    const root = scratchDir();
    const f = join(root, 'a.yaml');
    writeFileSync(f, 'one\n');
    expect(commitChanges(root, [write(f, 'two\n', 'one\n')]).status).toBe('done');
    expect(commitChanges(root, [write(f, 'three\n', 'two\n')])).toMatchObject({
      status: 'done',
      changes: [{ backup: `${f}.bak.1` }],
    });
    expect(readFileSync(`${f}.bak`, 'utf8')).toBe('one\n');
    expect(readFileSync(`${f}.bak.1`, 'utf8')).toBe('two\n');
  });

  it('a file that is not what the change was planned from is a conflict; nothing is written', () => {
    const root = scratchDir();
    const f = join(root, 'a.yaml');
    writeFileSync(f, 'edited by the operator\n');
    const outcome = commitChanges(root, [write(f, 'new\n', 'old\n')]);
    expect(outcome).toMatchObject({ status: 'conflict' });
    expect(readFileSync(f, 'utf8')).toBe('edited by the operator\n');
    expect(readdirSync(root)).toEqual(['a.yaml']);
  });

  it('a new file never replaces one that exists', () => {
    const root = scratchDir();
    const f = join(root, 'ca.key');
    writeFileSync(f, 'a key that appeared\n');
    const outcome = commitChanges(root, [write(f, 'new key\n', null)]);
    expect(outcome.status).toBe('conflict');
    expect(readFileSync(f, 'utf8')).toBe('a key that appeared\n');
  });

  it('one refused change stops the whole transaction before anything is written', () => {
    const root = scratchDir();
    const [a, b] = [join(root, 'tls.key'), join(root, 'tls.crt')];
    writeFileSync(a, 'old key\n');
    writeFileSync(b, 'old cert\n');
    chmodSync(b, 0o444);
    const outcome = commitChanges(root, [write(a, 'new key\n', 'old key\n'), write(b, 'new cert\n', 'old cert\n')]);
    expect(outcome).toMatchObject({ status: 'refused' });
    expect(readFileSync(a, 'utf8')).toBe('old key\n');
    expect(readdirSync(root).sort()).toEqual(['tls.crt', 'tls.key']);
  });

  it('a kept file (the key a certificate was issued for) that changed stops the others', () => {
    const root = scratchDir();
    const [key, cert] = [join(root, 'tls.key'), join(root, 'tls.crt')];
    writeFileSync(key, 'a key put there meanwhile\n');
    writeFileSync(cert, 'old cert\n');
    const outcome = commitChanges(root, [
      { kind: 'keep', path: key, expected: text('the key the certificate is for\n') },
      write(cert, 'new cert\n', 'old cert\n'),
    ]);
    expect(outcome).toMatchObject({ status: 'conflict' });
    expect(outcome.status !== 'done' && outcome.message).toContain('tls.key changed since it was read');
    expect(readFileSync(cert, 'utf8')).toBe('old cert\n');
    expect(readdirSync(root).sort()).toEqual(['tls.crt', 'tls.key']);
  });

  it('a path outside the root is refused, even spelled through ..', () => {
    const root = scratchDir();
    mkdirSync(join(root, 'deployment'));
    writeFileSync(join(root, 'outside.yaml'), 'x\n');
    const outcome = commitChanges(join(root, 'deployment'), [
      write(join(root, 'deployment', '..', 'outside.yaml'), 'y\n', 'x\n'),
    ]);
    expect(outcome).toMatchObject({ status: 'refused' });
    expect(outcome.status !== 'done' && outcome.message).toContain('outside');
    expect(readFileSync(join(root, 'outside.yaml'), 'utf8')).toBe('x\n');
  });

  it('refuses while another live process holds the lock, and takes over a stale lock', async () => {
    const root = scratchDir();
    const f = join(root, 'a.yaml');
    writeFileSync(f, 'old\n');
    const sleeper = spawn('sleep', ['30']);
    try {
      writeFileSync(join(root, LOCK_NAME), `${sleeper.pid}\n`);
      const held = commitChanges(root, [write(f, 'new\n', 'old\n')]);
      expect(held).toMatchObject({ status: 'refused' });
      expect(held.status !== 'done' && held.message).toContain(
        `another mcp-tunnel (pid ${sleeper.pid}) is changing files`,
      );
      expect(readFileSync(f, 'utf8')).toBe('old\n');
    } finally {
      sleeper.kill();
      await new Promise((r) => sleeper.on('close', r));
    }
    // Its process is gone now: the lock is stale.
    expect(commitChanges(root, [write(f, 'new\n', 'old\n')]).status).toBe('done');
    expect(existsSync(join(root, LOCK_NAME))).toBe(false);
  });
});

describe('writeReportFile (--output)', () => {
  it('writes a device directly and leaves it a device', () => {
    writeReportFile('/dev/null', 'report\n');
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
  });

  it('replaces a regular file whole, and refuses a link to one', () => {
    const root = scratchDir();
    const f = join(root, 'summary.md');
    writeFileSync(f, 'old report\n');
    writeReportFile(f, 'new report\n');
    expect(readFileSync(f, 'utf8')).toBe('new report\n');
    const link = join(root, 'link.md');
    symlinkSync(f, link);
    expect(() => writeReportFile(link, 'via the link\n')).toThrow(/link\.md is a symbolic link: not changed/);
    expect(readFileSync(f, 'utf8')).toBe('new report\n');
  });

  it('the CLI refuses a linked --output target with exit 2 and a message, no stack trace', () => {
    const root = scratchDir();
    writeFileSync(join(root, 'real.json'), 'precious\n');
    symlinkSync(join(root, 'real.json'), join(root, 'report.json'));
    const r = runCli([
      'doctor',
      '--offline',
      '--dir',
      join(FIXTURES, 'compose-healthy'),
      '--format',
      'json',
      '--output',
      join(root, 'report.json'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is a symbolic link: not changed');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readFileSync(join(root, 'real.json'), 'utf8')).toBe('precious\n');
  });
});
