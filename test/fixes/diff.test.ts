// The unified diff renderer: the shape diff -u prints, and patch(1) as a real consumer.

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unifiedDiff } from '../../src/fixes/diff.js';
import { scratchDir } from './helpers.js';

const lines = (n: number, prefix = 'line') => Array.from({ length: n }, (_, i) => `${prefix} ${i + 1}`);
const text = (ls: string[]) => `${ls.join('\n')}\n`;

const hasPatch = spawnSync('patch', ['--version']).status === 0;

/** Apply a diff with patch(1) to a file holding `before`; returns the file afterwards. */
function patched(before: string, diff: string): string {
  const dir = scratchDir();
  const file = join(dir, 'f.yaml');
  writeFileSync(file, before);
  const r = spawnSync('patch', ['--no-backup-if-mismatch', '-s', file], { input: diff, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`patch failed: ${r.stdout}${r.stderr}`);
  return readFileSync(file, 'utf8');
}

describe('unifiedDiff', () => {
  it('is empty when nothing changes', () => {
    expect(unifiedDiff('a.yaml', 'x\n', 'x\n')).toBe('');
  });

  it('prints the headers and one hunk with three lines of context', () => {
    const before = lines(20);
    const after = [...before];
    after[9] = 'changed 10';
    const d = unifiedDiff('config/mcp-proxy.yaml', text(before), text(after));
    expect(d.split('\n')).toEqual([
      '--- a/config/mcp-proxy.yaml',
      '+++ b/config/mcp-proxy.yaml',
      '@@ -7,7 +7,7 @@',
      ' line 7',
      ' line 8',
      ' line 9',
      '-line 10',
      '+changed 10',
      ' line 11',
      ' line 12',
      ' line 13',
      '',
    ]);
  });

  it('merges changes whose context overlaps, and splits distant ones', () => {
    const before = lines(40);
    const near = [...before];
    near[9] = 'x';
    near[15] = 'y'; // 6 lines apart: contexts touch -> one hunk
    expect(unifiedDiff('f', text(before), text(near)).match(/^@@/gm)).toHaveLength(1);
    const far = [...before];
    far[5] = 'x';
    far[30] = 'y';
    const d = unifiedDiff('f', text(before), text(far));
    expect(d.match(/^@@.*@@$/gm)).toEqual(['@@ -3,7 +3,7 @@', '@@ -28,7 +28,7 @@']);
  });

  it('counts insertions and deletions in the hunk header; an empty side names the line before', () => {
    expect(unifiedDiff('f', 'a\nb\n', 'a\nb\nc\n')).toContain('@@ -1,2 +1,3 @@\n a\n b\n+c\n');
    expect(unifiedDiff('f', '', 'a\n')).toContain('@@ -0,0 +1 @@\n+a\n');
    expect(unifiedDiff('f', 'a\n', '')).toContain('@@ -1 +0,0 @@\n-a\n');
    expect(unifiedDiff('f', 'top\n', 'new\ntop\n')).toContain('@@ -1 +1,2 @@\n+new\n top\n');
  });

  it('marks a last line without a line feed', () => {
    const d = unifiedDiff('f', 'a\nb', 'a\nb\n');
    expect(d).toContain('-b\n\\ No newline at end of file\n+b\n');
  });

  it('finds the smallest change inside a larger file (lines moved around it stay context)', () => {
    const before = text(['routes:', '  - mcp: x', '  - auth: y', 'tls:', '  cert_file: a']);
    const after = text(['routes:', '  mcp: x', '  auth: y', 'tls:', '  cert_file: a']);
    const d = unifiedDiff('f', before, after);
    expect(d.split('\n').filter((l) => /^[-+][^-+]/.test(l))).toEqual([
      '-  - mcp: x',
      '-  - auth: y',
      '+  mcp: x',
      '+  auth: y',
    ]);
  });

  it.skipIf(!hasPatch)('is applied by patch(1) to exactly the new text', () => {
    const cases: [string, string][] = [
      [
        text(lines(30)),
        text([...lines(30).slice(0, 4), 'inserted', ...lines(30).slice(4, 20), ...lines(30).slice(21)]),
      ],
      [text(lines(5)), text(['first', ...lines(5), 'last'])],
      ['a\nb\nc', 'a\nB\nc\n'],
      ['x: 1\r\ny: 2\r\n', 'x: 1\r\ny: 3\r\nz: 4\r\n'],
      [text(lines(100)), text(lines(100).map((l, i) => (i % 17 === 0 ? `${l} edited` : l)))],
    ];
    for (const [before, after] of cases) expect(patched(before, unifiedDiff('f.yaml', before, after))).toBe(after);
  });

  it.skipIf(!hasPatch)('is applied by patch(1) for random edits (seeded)', () => {
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let round = 0; round < 40; round++) {
      const before = Array.from({ length: 5 + rand(40) }, () => `v${rand(6)}`);
      const after = [...before];
      for (let e = 0; e < 1 + rand(6); e++) {
        const at = rand(after.length + 1);
        const op = rand(3);
        if (op === 0) after.splice(at, 0, `new${rand(100)}`);
        else if (op === 1 && after.length > 1) after.splice(Math.min(at, after.length - 1), 1);
        else after[Math.min(at, after.length - 1)] = `changed${rand(100)}`;
      }
      const d = unifiedDiff('f.yaml', text(before), text(after));
      expect(patched(text(before), d)).toBe(text(after));
    }
  });

  it('stays fast on a large file with a small change', () => {
    const before = lines(50000);
    const after = [...before];
    after[25000] = 'changed';
    const started = Date.now();
    const d = unifiedDiff('big', text(before), text(after));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(d).toContain('@@ -24998,7 +24998,7 @@');
  });
});
