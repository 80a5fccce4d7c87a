// A reader that goes away (`| true`, `| head -1`) ends the output quietly: no EPIPE, no stack
// trace, the command's own exit code, and a --follow reader stops reading. Real pipes, through a
// shell, with a timeout.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_COMMAND, FIXTURES, runShell } from '../helpers/exec.js';

const WORK = mkdtempSync(join(tmpdir(), 'mcp-tunnel-pipe-'));
const BIG_LOG = join(WORK, 'big.log');
writeFileSync(BIG_LOG, 'ERR failed to dial to edge with quic: timeout: no recent network activity\n'.repeat(200000));

/** Run `mcp-tunnel <args> | <reader>` in bash: the CLI's exit code and stderr come back (null: killed at the timeout). */
function piped(args: string, reader: string): { code: number | null; stderr: string; timedOut: boolean } {
  const r = runShell(`${CLI_COMMAND} ${args} | ${reader}; exit "\${PIPESTATUS[0]}"`, { cwd: WORK, timeout: 20000 });
  return { code: r.code, stderr: r.stderr, timedOut: r.code === null };
}

describe('a closed output pipe ends the process quietly with its exit code', () => {
  it("doctor --offline | true: the report's exit code (1), nothing on stderr", () => {
    for (let i = 0; i < 3; i++) {
      const r = piped(`doctor --offline --verbose --dir "${join(FIXTURES, 'broken-expired')}"`, 'true');
      expect(r.stderr).not.toMatch(/EPIPE|Error|at /);
      expect(r.code).toBe(1);
    }
  });

  it('checks | head -1 and checks --json | true: exit 0, nothing on stderr', () => {
    const cases: [string, string][] = [
      ['checks', 'head -1'],
      ['checks --json', 'true'],
    ];
    for (const [args, reader] of cases) {
      const r = piped(args, reader);
      expect(r.stderr, args).toBe('');
      expect(r.code, args).toBe(0);
    }
  });

  it('logs big.log | head -3: quiet, exit 1 (the log has errors)', () => {
    const r = piped(`logs "${BIG_LOG}"`, 'head -3 >/dev/null');
    expect(r.stderr).not.toMatch(/EPIPE|Error|at /);
    expect(r.code).toBe(1);
  });

  it('logs --follow | true stops following once the output is gone (it would follow forever)', () => {
    const started = Date.now();
    const r = piped(`logs --follow "${BIG_LOG}"`, 'true');
    expect(r.timedOut).toBe(false);
    expect(Date.now() - started).toBeLessThan(15000);
    expect(r.stderr).not.toMatch(/EPIPE|Error|at /);
    expect(r.code).toBe(1);
  });
});
