// Every file the doctor reads, replaced by every kind of bad content: the run always ends with
// a JSON report (exit 0 or 1), within bounded time, with no check erroring and no stack trace.

import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes, X509Certificate } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../helpers/exec.js';
import { runInProcess } from '../helpers/in-process.js';

const healthy = join(FIXTURES, 'compose-healthy');
const files = [
  'compose.yaml',
  '.env',
  'config/mcp-proxy.yaml',
  'data/ca.crt',
  'data/tls.crt',
  'data/tls.key',
  'data/tunnel-token',
  'data/tunnel-domain',
];

function bomb(): string {
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 12; i++) {
    const p = String.fromCharCode(96 + i);
    const c = String.fromCharCode(97 + i);
    lines.push(`${c}: &${c} [*${p},*${p},*${p},*${p},*${p},*${p},*${p},*${p},*${p}]`);
  }
  return lines.join('\n');
}

type Content = (original: Buffer) => Buffer | 'directory';
const contents: Record<string, Content> = {
  empty: () => Buffer.alloc(0),
  binary: () => randomBytes(4096),
  truncated: (o) => o.subarray(0, Math.floor(o.length / 2)),
  huge: () => Buffer.alloc(3 * 1024 * 1024, 'x'),
  'huge line': () => Buffer.from(`routes: "${'a'.repeat(900 * 1024)}"\n`),
  'YAML bomb': () => Buffer.from(bomb()),
  'wrong types': () => Buffer.from('routes: 5\nlisten_addr: [1, 2]\ntls: "yes"\nservices: 7\n'),
  CRLF: (o) => Buffer.from(o.toString('latin1').replace(/\n/g, '\r\n'), 'latin1'),
  BOM: (o) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), o]),
  'DER certificate': () => Buffer.from(new X509Certificate(readFileSync(join(healthy, 'data', 'ca.crt'))).raw),
  'a directory': () => 'directory',
};

describe('malformed deployment files', () => {
  for (const file of files) {
    it(`survives every kind of bad ${file}`, async () => {
      for (const [kind, make] of Object.entries(contents)) {
        const dir = mkdtempSync(join(tmpdir(), 'mcp-tunnel-bad-'));
        cpSync(healthy, dir, { recursive: true });
        const target = join(dir, file);
        const made = make(readFileSync(target));
        if (made === 'directory') {
          rmSync(target);
          mkdirSync(target);
        } else {
          writeFileSync(target, made);
        }
        const started = Date.now();
        const r = await runInProcess(['doctor', '--offline', '--json', '--dir', dir]);
        const label = `${file} as ${kind}`;
        expect(Date.now() - started, label).toBeLessThan(15000);
        expect(r.stderr, label).toBe('');
        expect([0, 1], `${label}: exit ${r.code}`).toContain(r.code);
        const report = JSON.parse(r.stdout);
        const errored = report.results.filter((x: { status: string }) => x.status === 'error');
        expect(errored, label).toEqual([]);
        expect(r.stdout).not.toMatch(/\bat .+\.js:\d+:\d+/);
        rmSync(dir, { recursive: true, force: true });
      }
    }, 120000);
  }
});
