// `mcp-tunnel logs` end to end as a user runs it: files and piped input, exit codes. The piped run
// goes through the built binary (npm test builds first); the others run the CLI in-process.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, runCli } from '../helpers/exec.js';
import { runInProcess } from '../helpers/in-process.js';

describe('mcp-tunnel logs', () => {
  it('maps a Compose log to causes and fixes, as JSON, with exit code 1', async () => {
    const r = await runInProcess(['logs', '--json', 'fixtures/logs/compose-v2.log']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({
      schemaVersion: 1,
      command: 'logs',
      linesRead: 16,
      verdict: { status: 'fail', layer: 'tls', id: 'ca-registration' },
    });
  });

  it('the built binary reads piped input and prints human output without colour', () => {
    const r = runCli(['logs'], { input: readFileSync(join(ROOT, 'fixtures', 'logs', 'healthy.log')) });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/4 of 4 connections registered/);
    expect(r.stdout).not.toContain('\x1b[');
  });

  it('--fail-on warn turns a warning into exit code 1', async () => {
    const line =
      '2026-03-02T08:00:00Z ERR Failed to serve quic connection error="timeout: no recent network activity" connIndex=1\n';
    expect((await runInProcess(['logs', '-'], { input: line })).code).toBe(0);
    expect((await runInProcess(['logs', '--fail-on', 'warn', '-'], { input: line })).code).toBe(1);
  });

  it('exits 2 for a file it cannot read', async () => {
    const r = await runInProcess(['logs', 'fixtures/logs/does-not-exist.log']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot read fixtures\/logs\/does-not-exist.log: no such file/);
  });
});
