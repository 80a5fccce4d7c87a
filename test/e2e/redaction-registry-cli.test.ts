// The built binary masks by value too (the registry lives through the bundle's async calls),
// and makes input's control characters visible: a few cases through a real process.

import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanEnv, FIXTURES, runCli } from '../helpers/exec.js';
import { leaks, privateKey, tunnelToken } from '../redaction/secret-shapes.js';

const root = mkdtempSync(join(tmpdir(), 'mcp-tunnel-registry-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the built CLI: redaction by value and control characters', () => {
  it('a token in data/tunnel-domain and a bare key body in the config never show, in any format or case', () => {
    const dir = join(root, 'deploy');
    cpSync(join(FIXTURES, 'compose-healthy'), dir, { recursive: true });
    const { token, secret } = tunnelToken(true);
    const key = privateKey('none');
    writeFileSync(join(dir, 'data', 'tunnel-domain'), `${token.toUpperCase()}\n`);
    const config = readFileSync(join(dir, 'config', 'mcp-proxy.yaml'), 'utf8').replace(
      'listen_addr: ":8080"',
      `listen_addr: |-\n  ${key.text.toLowerCase().split('\n').join('\n  ')}`,
    );
    writeFileSync(join(dir, 'config', 'mcp-proxy.yaml'), config);
    const planted = new Map([
      ['token', token],
      ['secret', secret],
      ...key.body.map((l, i): [string, string] => [`key line ${i + 1}`, l]),
    ]);
    const report = join(root, 'report.sarif');
    const r = runCli(
      ['doctor', '--offline', '--verbose', '--dir', dir, '--format', 'human,sarif', '--output', `-,${report}`],
      { env: cleanEnv({ TUNNEL_TOKEN: token }) },
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('[REDACTED]');
    for (const text of [r.stdout, r.stderr, readFileSync(report, 'utf8')]) expect(leaks(text, planted)).toEqual([]);
  });

  it('a route key that clears the screen is shown as text', () => {
    const dir = join(root, 'controls');
    cpSync(join(FIXTURES, 'compose-healthy'), dir, { recursive: true });
    const config = readFileSync(join(dir, 'config', 'mcp-proxy.yaml'), 'utf8').replace(
      'wiki: http://172.20.1.7:3000',
      'wiki: http://172.20.1.7:3000\n  "a\\e[2J\\e]0;title\\ab": http://8.8.8.8:80',
    );
    writeFileSync(join(dir, 'config', 'mcp-proxy.yaml'), config);
    const r = runCli(['doctor', '--offline', '--dir', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('\\x1b[2J');
    expect(r.stdout + r.stderr).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
  });
});
