// The built CLI end to end: `node bin/mcp-tunnel.cjs logs ...` as a user runs it. Needs the build
// (npm test builds first); without dist/ it is skipped with the reason printed.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'mcp-tunnel.cjs');
function cli(args: string[], input?: Buffer | string) {
  const res = spawnSync(process.execPath, [bin, ...args], { cwd: root, input, env: { ...process.env, NO_COLOR: '1' }, encoding: 'utf8' });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

const built = existsSync(join(root, 'dist', 'src', 'main.js')) && existsSync(bin);
// Until the CLI wires the command, its placeholder answers "not available yet".
const wired = built && !/not available yet/.test(cli(['logs', '-'], '').stderr);
if (!built) console.log('test/logs/e2e.test.ts: skipped, no build (run npm run build)');
else if (!wired) console.log('test/logs/e2e.test.ts: skipped, the built CLI does not wire `logs` to runLogs yet');

describe.skipIf(!wired)('mcp-tunnel logs (built CLI)', () => {
  it('maps a Compose log to causes and fixes, as JSON, with exit code 1', () => {
    const r = cli(['logs', '--json', 'fixtures/logs/compose-v2.log']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ schemaVersion: 1, command: 'logs', linesRead: 16, verdict: { status: 'fail', layer: 'tls', id: 'ca-registration' } });
  });

  it('reads piped input and prints human output without colour', () => {
    const r = cli(['logs'], readFileSync(join(root, 'fixtures', 'logs', 'healthy.log')));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/4 of 4 connections registered/);
    expect(r.stdout).not.toContain('\x1b[');
  });

  it('--fail-on warn turns a warning into exit code 1', () => {
    const line = '2026-03-02T08:00:00Z ERR Failed to serve quic connection error="timeout: no recent network activity" connIndex=1\n';
    expect(cli(['logs', '-'], line).code).toBe(0);
    expect(cli(['logs', '--fail-on', 'warn', '-'], line).code).toBe(1);
  });

  it('exits 2 for a file it cannot read', () => {
    const r = cli(['logs', 'fixtures/logs/does-not-exist.log']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot read fixtures\/logs\/does-not-exist.log: no such file/);
  });
});
